import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { serveCheckout } from '../shared/checkout/http.js';
import { kmsKeyCenter } from './aws/kms-key-center.js';
import { schedulerTimers } from './aws/scheduler-timers.js';
import { getChannelDeps, getDeps, provideAws } from './services.js';

// The OTP form confirms at the payment's channel, whose credentials are sealed: this function opens them (and only
// them: see the stack's grant), never a merchant secret. A confirm sets timers: a payment's janitor query, and the
// revocation of an agreement whose signing the last wrong code gave up.
provideAws({ keyCenter: kmsKeyCenter, timers: schedulerTimers });

/** The route that calls a channel: the OTP form confirms the challenged payment there. */
const CONFIRMS_AT_CHANNEL = 'POST /checkout/{token}/otp';

/**
 * The hosted checkout (GET /checkout/{token}, its status JSON and its OTP form): public routes without a merchant
 * signature, where the token is the payer's only credential. No workflow: this function reads the token and the order
 * and confirms a challenge through the same domain service as /pay/confirm.
 */
export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const body = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
  const routeKey = `${event.httpMethod} ${event.resource}`;
  return serveCheckout(routeKey === CONFIRMS_AT_CHANNEL ? await getChannelDeps() : getDeps(), {
    routeKey,
    token: event.pathParameters?.token ?? '',
    query: (event.queryStringParameters ?? {}) as Record<string, string>,
    body,
    requestId: event.requestContext.requestId,
  });
}
