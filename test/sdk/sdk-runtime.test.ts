import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaymentApiError, PaymentClient, verifyWebhook, WebhookKeyCache, WebhookVerificationError } from '../../sdk/src/index.js';
import type { Runtime } from '../../infra/local/runtime.js';
import { startTestRuntime } from '../support/runtime.js';
import { eventually, WebhookReceiver } from '../support/webhook-receiver.js';

let runtime: Runtime;
let sdk: PaymentClient;
let hooks: WebhookReceiver;

beforeAll(async () => {
  ({ runtime } = await startTestRuntime());
  sdk = new PaymentClient({ baseUrl: runtime.url, ...runtime.demoMerchant! });
  hooks = await new WebhookReceiver().start();
});
afterAll(async () => {
  await hooks?.stop();
  await runtime?.stop();
});

describe('SDK against the local runtime', () => {
  it('creates, pays, refunds and reads an order', async () => {
    const order = await sdk.createOrder({ outTradeNo: `SDK-${Date.now()}`, amount: 1999, currency: 'CNY', subject: 'Beans' });
    const paid = await sdk.pay(order.id as string, { method: 'card', card: { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' } });
    expect(paid.status).toBe('SUCCEEDED');
    const refund = await sdk.createRefund(order.id as string, { outRefundNo: 'R-1', amount: 500 });
    expect(refund).toMatchObject({ status: 'SUCCEEDED', amount: 500 });
    expect(await sdk.getOrder(order.id as string)).toMatchObject({ amountRefunded: 500 });
    expect(((await sdk.getBalance()).available as unknown[]).length).toBeGreaterThan(0);
  });

  it('replays an explicit Idempotency-Key, and raises contract errors with their param', async () => {
    const body = { outTradeNo: `SDK-IDEM-${Date.now()}`, amount: 100, currency: 'CNY', subject: 'x' };
    const first = await sdk.createOrder(body, { idempotencyKey: 'sdk-key-1' });
    const again = await sdk.createOrder(body, { idempotencyKey: 'sdk-key-1' });
    expect(again.id).toBe(first.id);
    const error = await sdk.createOrder({ ...body, outTradeNo: 'other', amount: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentApiError);
    expect(error).toMatchObject({ status: 400, param: 'amount', code: 'amount_invalid' });
  });

  it('verifies a real webhook with the platform keys, and rejects it once tampered', async () => {
    const order = await sdk.createOrder({ outTradeNo: `SDK-HOOK-${Date.now()}`, amount: 2500, currency: 'CNY', subject: 'x', notifyUrl: hooks.url });
    await sdk.pay(order.id as string, { method: 'card', card: { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' } });
    const [hook] = await eventually(() => (hooks.received.length > 0 ? hooks.received : undefined), 10_000, 'the webhook');
    const keys = await sdk.getPlatformKeys();
    expect(keys.keys[0]).toMatchObject({ algorithm: 'ECDSA_P256_SHA256', status: 'active' });
    const headers = hook!.headers as Record<string, string>;
    const event = verifyWebhook<{ id: string; status: string }>({ rawBody: hook!.rawBody, headers, keys });
    expect(event).toMatchObject({ type: 'order.succeeded', data: { object: { id: order.id, status: 'SUCCEEDED' } } });
    expect(() => verifyWebhook({ rawBody: hook!.rawBody.replace('2500', '2501'), headers, keys })).toThrow(WebhookVerificationError);

    const cache = new WebhookKeyCache(() => sdk.getPlatformKeys());
    expect((await cache.verify({ rawBody: hook!.rawBody, headers })).id).toBe(event.id);
    const events = await sdk.listEvents(order.id as string);
    expect(events.data[0]).toMatchObject({ id: event.id });
  });
});
