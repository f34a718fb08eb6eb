import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime.js';
import { createMerchant, forgetCachedMerchant } from '../../shared/services/merchants.js';
import type { ApiClient } from '../support/api-client.js';
import { startTestRuntime } from '../support/runtime.js';

let runtime: Runtime;
let api: ApiClient;

beforeAll(async () => {
  ({ runtime, api } = await startTestRuntime());
});
afterAll(async () => runtime?.stop());

async function orderCount(client: ApiClient): Promise<number> {
  const res = await client.get('/v1/orders?limit=100');
  return res.body.data.length;
}

describe('signed requests', () => {
  it('accepts a correctly signed request and stamps X-Request-Id', async () => {
    const res = await api.get('/v1/balance');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each(['X-Merchant-Id', 'X-Timestamp', 'X-Nonce', 'X-Signature'])('rejects a request without %s', async (name) => {
    const res = await api.get('/v1/balance', { headers: { [name]: undefined } });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ type: 'authentication', code: 'missing_signature' });
    expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('rejects malformed nonces and signatures as missing_signature', async () => {
    expect((await api.get('/v1/balance', { nonce: 'short' })).body.error.code).toBe('missing_signature');
    expect((await api.get('/v1/balance', { headers: { 'X-Signature': 'v1=zz' } })).body.error.code).toBe('missing_signature');
  });

  it('rejects a tampered body, path or secret with invalid_signature and stores nothing', async () => {
    const before = await orderCount(api);
    const body = { outTradeNo: 'TAMPER-1', amount: 100, currency: 'CNY', subject: 'x' };
    const tamperedBody = await api.request('POST', '/v1/orders', undefined, {
      rawBody: JSON.stringify({ ...body, amount: 1 }),
      signedBody: JSON.stringify(body),
    });
    expect(tamperedBody.status).toBe(401);
    expect(tamperedBody.body.error.code).toBe('invalid_signature');
    const tamperedPath = await api.request('GET', '/v1/orders?limit=50', undefined, { signedPath: '/v1/orders?limit=5' });
    expect(tamperedPath.body.error.code).toBe('invalid_signature');
    const wrongSecret = api.as({ ...api.credentials, secret: 'not-the-secret' });
    expect((await wrongSecret.post('/v1/orders', body)).body.error.code).toBe('invalid_signature');
    expect(await orderCount(api)).toBe(before);
  });

  it('answers an unknown merchant exactly like a wrong signature', async () => {
    const stranger = api.as({ merchantId: 'm_01m8000000000000000000000', secret: 'nope' });
    const res = await stranger.get('/v1/balance');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_signature');
  });

  it('rejects a timestamp more than 300 s away', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await api.get('/v1/balance', { timestamp: now - 301 })).body.error.code).toBe('timestamp_out_of_window');
    expect((await api.get('/v1/balance', { timestamp: now + 301 })).body.error.code).toBe('timestamp_out_of_window');
    expect((await api.get('/v1/balance', { timestamp: now - 290 })).status).toBe(200);
  });

  it('rejects a replayed nonce', async () => {
    const nonce = 'replay-nonce-000000000001';
    expect((await api.get('/v1/balance', { nonce })).status).toBe(200);
    const again = await api.get('/v1/balance', { nonce });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('replayed_request');
  });

  it('signs the query string exactly as sent', async () => {
    expect((await api.get('/v1/orders?limit=5')).status).toBe(200);
    expect((await api.get('/v1/orders?limit=5&status=CREATED')).status).toBe(200);
  });

  it('keeps merchants apart: another merchant reads 404', async () => {
    const other = api.as(await createMerchant(runtime.deps, { name: 'Other shop' }));
    const order = await api.createOrder();
    const res = await other.get(`/v1/orders/${order.id}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('resource_missing');
    expect((await other.pay(order.id)).status).toBe(404);
    expect((await other.get(`/v1/orders?outTradeNo=${order.outTradeNo}`)).status).toBe(404);
    const list = await other.get('/v1/orders');
    expect(list.body.data).toEqual([]);
  });

  it('answers 403 merchant_disabled for a disabled merchant', async () => {
    const creds = await createMerchant(runtime.deps, { name: 'Soon disabled' });
    const client = api.as(creds);
    expect((await client.get('/v1/balance')).status).toBe(200);
    await runtime.deps.merchants.setStatus(creds.merchantId, 'disabled');
    forgetCachedMerchant(creds.merchantId);
    const res = await client.get('/v1/balance');
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ type: 'permission', code: 'merchant_disabled' });
  });
});
