import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { serveCheckout } from '../shared/checkout/http.js';
import { getDeps } from './services.js';

/**
 * The hosted checkout (GET /checkout/{token}, its status JSON and its OTP form): public routes without a merchant
 * signature, where the token is the payer's only credential. No key center, no workflow: this function reads the
 * token and the order and confirms a challenge through the same domain service as /pay/confirm.
 */
export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const body = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
  return serveCheckout(getDeps(), {
    routeKey: `${event.httpMethod} ${event.resource}`,
    token: event.pathParameters?.token ?? '',
    query: (event.queryStringParameters ?? {}) as Record<string, string>,
    body,
    requestId: event.requestContext.requestId,
  });
}
