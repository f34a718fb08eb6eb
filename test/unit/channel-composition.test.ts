import type { APIGatewayProxyEvent, Context, SQSEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Deps } from '../../shared/services/deps.js';

/**
 * Which composition root each AWS handler asks for: the Deps with the credentialed channels (getChannelDeps) on the
 * paths that call a channel, the plain Deps elsewhere (so a create or a read never opens channel credentials). The
 * roots are spies returning Deps whose every store call fails; authentication is stubbed (not under test here).
 */
const roots = vi.hoisted(() => ({ channel: 0, plain: 0 }));

vi.mock('../../functions/services.js', async (original) => {
  const actual = await original<typeof import('../../functions/services.js')>();
  // Deps whose every member fails: the handler's answer does not matter here, only which root it asked.
  // (not a thenable: `then` stays undefined, so it can be resolved as a value).
  const fail = () => Promise.reject(new Error('store'));
  const member = new Proxy(fail, { get: (_target, key) => (key === 'then' ? undefined : fail) });
  const failing = new Proxy({}, { get: (_target, key) => (key === 'then' ? undefined : member) }) as Deps;
  return {
    ...actual,
    getDeps: () => ((roots.plain += 1), failing),
    getChannelDeps: () => ((roots.channel += 1), Promise.resolve(failing)),
  };
});
vi.mock('../../shared/services/merchants.js', async (original) => ({
  ...(await original<typeof import('../../shared/services/merchants.js')>()),
  authenticate: () => Promise.resolve({ merchant: { merchantId: 'mch_test', status: 'active' } }),
}));

function apiEvent(method: string, resource: string, path: string, body = '{}'): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    resource,
    path,
    body,
    isBase64Encoded: false,
    headers: { 'content-type': 'application/json' },
    pathParameters: { id: 'ord_0123456789abcdefghijklmnop', token: 'tok' },
    queryStringParameters: null,
    requestContext: { requestId: 'req-1' },
  } as unknown as APIGatewayProxyEvent;
}
const context = { awsRequestId: 'req-1' } as Context;

/** Runs one request and reports whether the action's composition root was the one with channels. */
async function askedForChannels(run: () => Promise<unknown>): Promise<boolean> {
  roots.channel = 0;
  await run();
  return roots.channel > 0;
}

beforeEach(() => {
  roots.channel = 0;
  roots.plain = 0;
});

describe('AWS handlers compose the credentialed channels where a channel may be called', () => {
  it('order: a close (ends the payment at its channel), a capture and a void do, a create does not', async () => {
    const { handler } = await import('../../functions/order.js');
    expect(await askedForChannels(() => handler(apiEvent('POST', '/v1/orders/{id}/close', '/v1/orders/ord_x/close'), context))).toBe(true);
    expect(await askedForChannels(() => handler(apiEvent('POST', '/v1/orders/{id}/capture', '/v1/orders/ord_x/capture'), context))).toBe(true);
    expect(await askedForChannels(() => handler(apiEvent('POST', '/v1/orders/{id}/void', '/v1/orders/ord_x/void'), context))).toBe(true);
    expect(await askedForChannels(() => handler(apiEvent('POST', '/v1/orders', '/v1/orders'), context))).toBe(false);
  });

  it('pay: a confirm (the channel checks the OTP) does, a pay (the workflow calls the channel) does not', async () => {
    const { handler } = await import('../../functions/pay.js');
    expect(await askedForChannels(() => handler(apiEvent('POST', '/v1/orders/{id}/pay/confirm', '/v1/orders/ord_x/pay/confirm', '{"otp":"123456"}'), context))).toBe(true);
    expect(await askedForChannels(() => handler(apiEvent('POST', '/v1/orders/{id}/pay', '/v1/orders/ord_x/pay'), context))).toBe(false);
  });

  it('refund: a refund is made at the channel', async () => {
    const { handler } = await import('../../functions/refund.js');
    const body = '{"outRefundNo":"R-1","amount":100}';
    expect(await askedForChannels(() => handler(apiEvent('POST', '/v1/orders/{id}/refunds', '/v1/orders/ord_x/refunds', body), context))).toBe(true);
  });

  it('query: reads never do', async () => {
    const { handler } = await import('../../functions/query.js');
    expect(await askedForChannels(() => handler(apiEvent('GET', '/v1/orders/{id}', '/v1/orders/ord_x', ''), context))).toBe(false);
  });

  it('checkout: the OTP form (confirms at the channel) does, the page does not', async () => {
    const { handler } = await import('../../functions/checkout.js');
    expect(await askedForChannels(() => handler(apiEvent('POST', '/checkout/{token}/otp', '/checkout/tok/otp', 'otp=123456')))).toBe(true);
    expect(await askedForChannels(() => handler(apiEvent('GET', '/checkout/{token}', '/checkout/tok', '')))).toBe(false);
  });

  it('timers: the janitor (queries, closes, refunds at channels) does', async () => {
    const { handler } = await import('../../functions/timers.js');
    const timer = { key: 'payment.query:pay_1', kind: 'payment.query', dueAtMs: 0, payload: { orderId: 'ord_1', paymentId: 'pay_1' } };
    const event = { Records: [{ messageId: 'm1', body: JSON.stringify(timer) }] } as unknown as SQSEvent;
    expect(await askedForChannels(() => handler(event))).toBe(true);
  });
});
