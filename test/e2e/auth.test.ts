import { describe, expect, it } from 'vitest';
import { createMerchant, forgetCachedMerchant } from '../../shared/services/merchants.js';
import type { ApiClient } from '../support/api-client.js';
import { useTestRuntime } from '../support/runtime.js';
import { acquirerCharges } from '../support/acquirer.js';

const env = useTestRuntime();

async function orderCount(client: ApiClient): Promise<number> {
  const res = await client.get('/v1/orders?limit=100');
  return res.body.data.length;
}

describe('signed requests', () => {
  it('accepts a correctly signed request and stamps X-Request-Id', async () => {
    const res = await env.api.get('/v1/balance');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each(['X-Merchant-Id', 'X-Timestamp', 'X-Nonce', 'X-Signature'])('rejects a request without %s', async (name) => {
    const res = await env.api.get('/v1/balance', { headers: { [name]: undefined } });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ type: 'authentication', code: 'missing_signature' });
    expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('rejects malformed nonces and signatures as missing_signature', async () => {
    expect((await env.api.get('/v1/balance', { nonce: 'short' })).body.error.code).toBe('missing_signature');
    expect((await env.api.get('/v1/balance', { headers: { 'X-Signature': 'v1=zz' } })).body.error.code).toBe('missing_signature');
  });

  it('rejects a tampered body, path or secret with invalid_signature and stores nothing', async () => {
    const before = await orderCount(env.api);
    const body = { outTradeNo: 'TAMPER-1', amount: 100, currency: 'CNY', subject: 'x' };
    const tamperedBody = await env.api.request('POST', '/v1/orders', undefined, {
      rawBody: JSON.stringify({ ...body, amount: 1 }),
      signedBody: JSON.stringify(body),
    });
    expect(tamperedBody.status).toBe(401);
    expect(tamperedBody.body.error.code).toBe('invalid_signature');
    const tamperedPath = await env.api.request('GET', '/v1/orders?limit=50', undefined, { signedPath: '/v1/orders?limit=5' });
    expect(tamperedPath.body.error.code).toBe('invalid_signature');
    const wrongSecret = env.api.as({ ...env.api.credentials, secret: 'not-the-secret' });
    expect((await wrongSecret.post('/v1/orders', body)).body.error.code).toBe('invalid_signature');
    expect(await orderCount(env.api)).toBe(before);
  });

  it('answers an unknown merchant exactly like a wrong signature', async () => {
    const stranger = env.api.as({ merchantId: 'm_01m8000000000000000000000', secret: 'nope' });
    const res = await stranger.get('/v1/balance');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_signature');
  });

  it('rejects a timestamp more than 300 s away', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await env.api.get('/v1/balance', { timestamp: now - 301 })).body.error.code).toBe('timestamp_out_of_window');
    expect((await env.api.get('/v1/balance', { timestamp: now + 301 })).body.error.code).toBe('timestamp_out_of_window');
    expect((await env.api.get('/v1/balance', { timestamp: now - 290 })).status).toBe(200);
  });

  it('rejects a replayed nonce', async () => {
    const nonce = 'replay-nonce-000000000001';
    expect((await env.api.get('/v1/balance', { nonce })).status).toBe(200);
    const again = await env.api.get('/v1/balance', { nonce });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('replayed_request');
  });

  // Create order and pay record the nonce in their first transaction (docs/decisions.md, entry 37): replays of them
  // must still be refused, whatever the first request's outcome, and must change nothing.
  describe('replays of the routes that record the nonce with their first write', () => {
    const replay = async (method: 'POST', path: string, body: unknown, nonce: string, timestamp: number) =>
      env.api.request(method, path, body, { nonce, timestamp });

    it('refuses a replayed create order and keeps one order', async () => {
      const body = { outTradeNo: 'REPLAY-CREATE-1', amount: 100, currency: 'CNY', subject: 'x' };
      const [nonce, ts] = ['replay-create-nonce-0001', Math.floor(Date.now() / 1000)];
      expect((await replay('POST', '/v1/orders', body, nonce, ts)).status).toBe(201);
      const again = await replay('POST', '/v1/orders', body, nonce, ts);
      expect(again.status).toBe(401);
      expect(again.body.error.code).toBe('replayed_request');
      expect((await env.api.get('/v1/orders?outTradeNo=REPLAY-CREATE-1')).status).toBe(200);
      expect((await env.api.get('/v1/orders?limit=100')).body.data.filter((o: { outTradeNo: string }) => o.outTradeNo === 'REPLAY-CREATE-1')).toHaveLength(1);
    });

    it('refuses a replayed pay: one charge, the order unchanged by the replay', async () => {
      const order = await env.api.createOrder();
      const body = { method: 'card', card: { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' } };
      const [nonce, ts] = ['replay-pay-nonce-000001', Math.floor(Date.now() / 1000)];
      const paid = await replay('POST', `/v1/orders/${order.id}/pay`, body, nonce, ts);
      expect(paid.body.status).toBe('SUCCEEDED');
      const again = await replay('POST', `/v1/orders/${order.id}/pay`, body, nonce, ts);
      expect(again.status).toBe(401);
      expect(again.body.error.code).toBe('replayed_request');
      expect(await acquirerCharges(env.runtime, order.id)).toHaveLength(1);
      expect((await env.api.get(`/v1/orders/${order.id}`)).body.version).toBe(paid.body.version);
    });

    it('refuses the replay of a request that wrote nothing (400, 404, 409)', async () => {
      const ts = Math.floor(Date.now() / 1000);
      const bad = { outTradeNo: 'REPLAY-BAD', amount: -1, currency: 'CNY', subject: 'x' };
      expect((await replay('POST', '/v1/orders', bad, 'replay-bad-nonce-000001', ts)).status).toBe(400);
      expect((await replay('POST', '/v1/orders', bad, 'replay-bad-nonce-000001', ts)).body.error.code).toBe('replayed_request');
      const order = await env.api.createOrder();
      const missing = `/v1/orders/${order.id.slice(0, -1)}${order.id.endsWith('0') ? '1' : '0'}/pay`;
      const card = { method: 'card', card: { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' } };
      expect((await replay('POST', missing, card, 'replay-404-nonce-000001', ts)).status).toBe(404);
      expect((await replay('POST', missing, card, 'replay-404-nonce-000001', ts)).body.error.code).toBe('replayed_request');
      await env.api.pay(order.id);
      const path = `/v1/orders/${order.id}/pay`;
      expect((await replay('POST', path, card, 'replay-409-nonce-000001', ts)).body.error.code).toBe('order_not_payable');
      expect((await replay('POST', path, card, 'replay-409-nonce-000001', ts)).body.error.code).toBe('replayed_request');
    });

    it('lets exactly one of ten simultaneous copies of a signed create through', async () => {
      const body = { outTradeNo: 'REPLAY-RACE-1', amount: 100, currency: 'CNY', subject: 'x' };
      const ts = Math.floor(Date.now() / 1000);
      const results = await Promise.all(Array.from({ length: 10 }, () => replay('POST', '/v1/orders', body, 'replay-race-nonce-00001', ts)));
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      expect(results.filter((r) => r.status === 401 && r.body.error.code === 'replayed_request')).toHaveLength(9);
    });

    it('records the nonce up front when the request carries an Idempotency-Key', async () => {
      const body = { outTradeNo: 'REPLAY-IDEM-1', amount: 100, currency: 'CNY', subject: 'x' };
      const options = { nonce: 'replay-idem-nonce-00001', timestamp: Math.floor(Date.now() / 1000), idempotencyKey: 'replay-idem-key-1' };
      expect((await env.api.request('POST', '/v1/orders', body, options)).status).toBe(201);
      const again = await env.api.request('POST', '/v1/orders', body, options);
      expect(again.status).toBe(401);
      expect(again.body.error.code).toBe('replayed_request');
    });
  });

  it('signs the query string exactly as sent', async () => {
    expect((await env.api.get('/v1/orders?limit=5')).status).toBe(200);
    expect((await env.api.get('/v1/orders?limit=5&status=CREATED')).status).toBe(200);
  });

  it('keeps merchants apart: another merchant reads 404', async () => {
    const other = env.api.as(await createMerchant(env.runtime.deps, { name: 'Other shop' }));
    const order = await env.api.createOrder();
    const res = await other.get(`/v1/orders/${order.id}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('resource_missing');
    expect((await other.pay(order.id)).status).toBe(404);
    expect((await other.get(`/v1/orders?outTradeNo=${order.outTradeNo}`)).status).toBe(404);
    const list = await other.get('/v1/orders');
    expect(list.body.data).toEqual([]);
  });

  it('answers 403 merchant_disabled for a disabled merchant', async () => {
    const creds = await createMerchant(env.runtime.deps, { name: 'Soon disabled' });
    const client = env.api.as(creds);
    expect((await client.get('/v1/balance')).status).toBe(200);
    await env.runtime.deps.merchants.setStatus(creds.merchantId, 'disabled');
    forgetCachedMerchant(creds.merchantId);
    const res = await client.get('/v1/balance');
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ type: 'permission', code: 'merchant_disabled' });
  });
});
