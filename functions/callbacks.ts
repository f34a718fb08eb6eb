import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { receiveCallback } from '../shared/services/callbacks.js';
import { payoutDeps, receivePayoutNotice } from '../shared/services/payouts.js';
import { kmsKeyCenter } from './aws/kms-key-center.js';
import { getChannelDeps, provideAws } from './services.js';

// Each channel's verifying keys are sealed: this function opens them (and only them: see the stack's grant).
provideAws({ keyCenter: kmsKeyCenter });

/**
 * `POST /callbacks/{channel}`: wallets and banks reporting outcomes. Not merchant-signed: each callback carries its
 * channel's own signature, which the channel's adapter verifies. The answer is the channel's acknowledgement format
 * (WeChat JSON, Alipay `success`, …), not the merchant API's JSON.
 */
export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const requestId = event.requestContext.requestId;
  const rawBody = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
  // Header names as the channel sent them, lower-cased: signatures name them (Wechatpay-Signature, …).
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value ?? '']));
  const channel = event.pathParameters?.channel ?? '';
  const answer =
    event.resource === '/callbacks/payouts/{channel}'
      ? await receivePayoutNotice(payoutDeps(await getChannelDeps()), channel, { headers, rawBody }).then((ack) => ack && { ack })
      : await receiveCallback(await getChannelDeps(), { channel, headers, rawBody, requestId });
  if (!answer) {
    const error = { type: 'invalid_request', code: 'resource_missing', message: 'No such channel.', param: 'channel', requestId };
    return { statusCode: 404, headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Request-Id': requestId }, body: JSON.stringify({ error }) };
  }
  return { statusCode: answer.ack.statusCode, headers: { ...answer.ack.headers, 'X-Request-Id': requestId }, body: answer.ack.body };
}
