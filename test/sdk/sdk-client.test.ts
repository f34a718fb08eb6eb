import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APIError,
  AuthenticationError,
  CardError,
  ConflictError,
  ConnectionError,
  createTestWebhookKey,
  IdempotencyError,
  InvalidRequestError,
  OpenPayError,
  PaymentClient,
  PaymentError,
  PermissionError,
  RateLimitError,
  signTestWebhook,
  verifyWebhook,
  WebhookKeyCache,
  WebhookVerificationError,
} from '../../sdk/src/index.js';
import { SDK_VERSION } from '../../sdk/src/version.js';
import { projectRoot } from '../../infra/local/dynamodb-local.js';
import { apiError, client, json, order, scriptedFetch } from './scripted-fetch.js';

describe('SDK error classes', () => {
  it('maps each contract type to its class, all OpenPayErrors carrying the contract fields', async () => {
    const cases = [
      [400, 'invalid_request', 'amount_invalid', InvalidRequestError],
      [404, 'invalid_request', 'resource_missing', InvalidRequestError],
      [401, 'authentication', 'invalid_signature', AuthenticationError],
      [403, 'permission', 'merchant_disabled', PermissionError],
      [409, 'conflict', 'order_not_payable', ConflictError],
      [402, 'payment', 'card_declined', PaymentError],
      [429, 'rate_limit', 'rate_limited', RateLimitError],
      [500, 'internal', 'internal_error', APIError],
      [422, 'invalid_request', 'idempotency_key_reused', IdempotencyError],
      [409, 'conflict', 'request_in_progress', IdempotencyError],
    ] as const;
    for (const [status, type, code, ErrorClass] of cases) {
      const { sdk } = client([json(status, { error: { type, code, message: `m-${code}`, param: 'amount', requestId: 'req_9', orderId: 'ord_1' } })], 0);
      const error = await sdk.orders.create(order).catch((e: unknown) => e);
      expect(error, code).toBeInstanceOf(ErrorClass);
      expect(error, code).toBeInstanceOf(OpenPayError);
      expect(error, code).toBeInstanceOf(Error);
      expect(error, code).toMatchObject({ name: ErrorClass.name, status, type, code, message: `m-${code}`, param: 'amount', requestId: 'req_9', raw: { orderId: 'ord_1' } });
    }
  });

  it('CardError is PaymentError, so a declined card is caught by either name', async () => {
    const { sdk } = client([apiError(402, 'card_declined', 'payment')]);
    const error = await sdk.orders.pay('ord_1', { method: 'card' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CardError);
    expect(error).not.toBeInstanceOf(ConflictError);
  });

  it('an answer that is not the contract JSON still gets a class by its status, and the X-Request-Id header', async () => {
    const { sdk } = client([new Response('<html>Bad gateway</html>', { status: 403, headers: { 'X-Request-Id': 'req_gw' } })], 0);
    const error = await sdk.balance.retrieve().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionError);
    expect(error).toMatchObject({ status: 403, type: 'permission', code: 'http_403', requestId: 'req_gw' });
    const proxy = client([new Response('upstream down', { status: 502 })], 0);
    await expect(proxy.sdk.balance.retrieve()).rejects.toBeInstanceOf(APIError);
  });

  it('a RateLimitError says when to retry', async () => {
    const { sdk } = client([json(429, { error: { type: 'rate_limit', code: 'rate_limited', message: 'slow down', requestId: 'r' } }, { 'Retry-After': '7' })], 0);
    const error = await sdk.balance.retrieve().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterSeconds).toBe(7);
  });

  it('a timeout is a ConnectionError with code timeout, after the retries', async () => {
    const slow = (async (_url: string | URL, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init!.signal!.addEventListener('abort', () => reject(init!.signal!.reason)))) as typeof fetch;
    let attempts = 0;
    const sdk = new PaymentClient({ baseUrl: 'http://api.test', merchantId: 'm', secret: 's', fetch: ((...args: Parameters<typeof fetch>) => ((attempts += 1), slow(...args))) as typeof fetch, sleep: async () => {} });
    const error = await sdk.orders.retrieve('ord_1', { timeoutMs: 5, maxRetries: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ type: 'connection', code: 'timeout' });
    expect(attempts).toBe(2);
  });
});

describe('SDK per-request options', () => {
  it('maxRetries of one call overrides the client default, for that call only', async () => {
    const { sdk, seen } = client([apiError(503, 'a'), apiError(503, 'b'), json(200, { available: [] })], 3);
    await expect(sdk.balance.retrieve({ maxRetries: 0 })).rejects.toMatchObject({ code: 'a' });
    expect(seen).toHaveLength(1);
    await sdk.balance.retrieve();
    expect(seen).toHaveLength(3);
  });

  it('every POST method takes an idempotencyKey; GETs send none', async () => {
    const answers = Array.from({ length: 9 }, () => json(200, {}));
    const { sdk, seen } = client(answers);
    const options = { idempotencyKey: 'idem-1' };
    await sdk.orders.create(order, options);
    await sdk.orders.pay('ord_1', { method: 'card' }, options);
    await sdk.orders.confirm('ord_1', { otp: '123456' }, options);
    await sdk.orders.close('ord_1', options);
    await sdk.refunds.create('ord_1', { outRefundNo: 'R-1', amount: 1 }, options);
    await sdk.events.redeliver('evt_1', options);
    await sdk.webhooks.test({ url: 'http://127.0.0.1/h' }, options);
    await sdk.orders.retrieve('ord_1', options);
    await sdk.platform.keys(options);
    expect(seen.slice(0, 7).map((s) => s.headers['Idempotency-Key'])).toEqual(Array(7).fill('idem-1'));
    expect(seen.slice(7).map((s) => s.headers['Idempotency-Key'])).toEqual([undefined, undefined]);
  });
});

describe('SDK resources', () => {
  it('send each method to its contract route with the body as given, ids percent-encoded', async () => {
    const { sdk, seen } = client(Array.from({ length: 14 }, () => json(200, { data: [], nextCursor: null })));
    await sdk.orders.create(order);
    await sdk.orders.retrieve('ord_1');
    await sdk.orders.retrieveByOutTradeNo('A-1');
    await sdk.orders.list({ status: 'SUCCEEDED', limit: 5 });
    await sdk.orders.close('ord_1');
    await sdk.orders.pay('ord/../x', { method: 'alipay' });
    await sdk.orders.confirm('ord_1', { otp: '123456' });
    await sdk.refunds.create('ord_1', { outRefundNo: 'R-1', amount: 5 });
    await sdk.refunds.retrieve('rf_1');
    await sdk.balance.retrieve();
    await sdk.events.list({ orderId: 'ord_1' });
    await sdk.events.redeliver('evt_1');
    await sdk.webhooks.test({ url: 'http://127.0.0.1/h' });
    await sdk.platform.keys();
    expect(seen.map((s) => `${s.method} ${s.url.slice('http://api.test'.length)} ${s.body ?? ''}`)).toEqual([
      'POST /v1/orders {"outTradeNo":"A-1","amount":100,"currency":"CNY","subject":"s"}',
      'GET /v1/orders/ord_1 ',
      'GET /v1/orders?outTradeNo=A-1 ',
      'GET /v1/orders?status=SUCCEEDED&limit=5 ',
      'POST /v1/orders/ord_1/close {}',
      'POST /v1/orders/ord%2F..%2Fx/pay {"method":"alipay"}',
      'POST /v1/orders/ord_1/pay/confirm {"otp":"123456"}',
      'POST /v1/orders/ord_1/refunds {"outRefundNo":"R-1","amount":5}',
      'GET /v1/refunds/rf_1 ',
      'GET /v1/balance ',
      'GET /v1/events?orderId=ord_1 ',
      'POST /v1/events/evt_1/redeliver {}',
      'POST /v1/webhooks/test {"url":"http://127.0.0.1/h"}',
      'GET /v1/platform/keys ',
    ]);
    expect(seen.every((s) => s.headers['User-Agent'] === `open-pay-sdk-node/${SDK_VERSION}`)).toBe(true);
  });

  it('says the version the package declares', () => {
    expect(JSON.parse(readFileSync(join(projectRoot, 'sdk', 'package.json'), 'utf8')).version).toBe(SDK_VERSION);
  });
});

describe('SDK pagination', () => {
  const page = (ids: string[], nextCursor: string | null) => json(200, { data: ids.map((id) => ({ id })), nextCursor });

  it('awaiting a list gives one page; iterating follows nextCursor to the end, keeping the filters', async () => {
    const { sdk, seen } = client([page(['o1', 'o2'], 'c1'), page(['o3'], 'c2'), page(['o4'], null)]);
    const list = sdk.orders.list({ status: 'SUCCEEDED', limit: 2 });
    const first = await list;
    expect(first).toEqual({ data: [{ id: 'o1' }, { id: 'o2' }], nextCursor: 'c1' });
    const ids: string[] = [];
    for await (const o of list) ids.push(o.id);
    expect(ids).toEqual(['o1', 'o2', 'o3', 'o4']);
    // The first page was fetched once, though it was both awaited and iterated.
    expect(seen.map((s) => s.url.slice('http://api.test'.length))).toEqual([
      '/v1/orders?status=SUCCEEDED&limit=2',
      '/v1/orders?status=SUCCEEDED&limit=2&cursor=c1',
      '/v1/orders?status=SUCCEEDED&limit=2&cursor=c2',
    ]);
  });

  it('stops fetching when the loop breaks, and toArray stops at its limit', async () => {
    const { sdk, seen } = client([page(['o1', 'o2'], 'c1'), page(['o3', 'o4'], 'c2'), page(['o5'], null)]);
    for await (const o of sdk.orders.list()) if (o.id === 'o2') break;
    expect(seen).toHaveLength(1);
    const more = client([page(['o1', 'o2'], 'c1'), page(['o3', 'o4'], 'c2'), page(['o5'], null)]);
    expect((await more.sdk.orders.list().toArray({ limit: 3 })).map((o) => o.id)).toEqual(['o1', 'o2', 'o3']);
    expect(more.seen).toHaveLength(2);
  });

  it('a list whose answer has no nextCursor is one page; a given cursor starts the iteration', async () => {
    const { sdk, seen } = client([json(200, { object: 'list', data: [{ id: 'evt_1' }] }), page(['o9'], null)]);
    const events = [];
    for await (const e of sdk.events.list({ orderId: 'ord_1' })) events.push(e.id);
    expect(events).toEqual(['evt_1']);
    await sdk.orders.list({ cursor: 'resume-here' }).toArray({ limit: 10 });
    expect(seen[1]!.url).toBe('http://api.test/v1/orders?cursor=resume-here');
  });

  it('a failing page rejects the loop with the API error', async () => {
    const { sdk } = client([page(['o1'], 'c1'), apiError(400, 'cursor_invalid', 'invalid_request')], 0);
    const ids: string[] = [];
    const error = await (async () => {
      for await (const o of sdk.orders.list()) ids.push(o.id);
    })().catch((e: unknown) => e);
    expect(ids).toEqual(['o1']);
    expect(error).toBeInstanceOf(InvalidRequestError);
  });
});

describe('SDK test webhooks', () => {
  const object = { id: 'ord_1', status: 'SUCCEEDED', amount: 1999, version: 3 };

  it('builds a signed delivery that verifyWebhook, a key cache and client.webhooks accept with the test key', async () => {
    const key = createTestWebhookKey('k_test');
    const hook = signTestWebhook({ key, type: 'order.succeeded', object });
    expect(hook.headers).toMatchObject({ 'X-Key-Id': 'k_test', 'X-Event-Id': expect.stringMatching(/^evt_test_/) });
    const event = verifyWebhook<typeof object>({ rawBody: hook.rawBody, headers: hook.headers, keys: key.keys });
    expect(event).toMatchObject({ id: hook.headers['X-Event-Id'], type: 'order.succeeded', data: { object } });
    const cache = new WebhookKeyCache(async () => key.keys);
    expect((await cache.verify({ rawBody: Buffer.from(hook.rawBody), headers: hook.headers })).id).toBe(event.id);

    const { impl } = scriptedFetch([json(200, key.keys)]);
    const sdk = new PaymentClient({ baseUrl: 'http://api.test', merchantId: 'm', secret: 's', fetch: impl });
    expect((await sdk.webhooks.verify({ rawBody: hook.rawBody, headers: new Headers(hook.headers) })).id).toBe(event.id);
  });

  it('is rejected when tampered, stale, or checked against another key', () => {
    const key = createTestWebhookKey();
    const hook = signTestWebhook({ key, type: 'order.succeeded', object, id: 'evt_fixed' });
    const verifyWith = (rawBody: string, headers: Record<string, string>, keys = key.keys) => () => verifyWebhook({ rawBody, headers, keys });
    expect(verifyWith(hook.rawBody.replace('1999', '1'), hook.headers)).toThrow(WebhookVerificationError);
    const stale = signTestWebhook({ key, type: 'order.succeeded', object, timestampSeconds: Math.floor(Date.now() / 1000) - 3600 });
    expect(verifyWith(stale.rawBody, stale.headers)).toThrow(WebhookVerificationError);
    const other = createTestWebhookKey(key.keyId);
    expect(verifyWith(hook.rawBody, hook.headers, other.keys)).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook({ rawBody: hook.rawBody, headers: hook.headers, keys: key.keys })).not.toThrow();
  });
});
