import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMerchant, type MerchantCredentials } from '../../shared/services/merchants.js';
import { ApiClient } from '../support/api-client.js';
import { useTestRuntime } from '../support/runtime.js';
import { useSecondContainer } from '../support/second-runtime.js';

/**
 * Disabling a merchant reaches every container from its next request, and so does enabling it again: container A
 * is this process's runtime, container B a runtime in a child process on the same table. Both have the merchant's
 * profile cached as active before it is disabled through the store, as `npm run merchant -- disable` does.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'pay-test-'));
const env = useTestRuntime({ dataDir });
const containerB = useSecondContainer(env, dataDir);

const order = () => ({ outTradeNo: `MS-${Math.random().toString(36).slice(2, 12)}`, amount: 500, currency: 'CNY', subject: 'Tea' });

describe('merchant status across containers', () => {
  let creds: MerchantCredentials;
  let a: ApiClient;
  let b: ApiClient;

  beforeAll(async () => {
    creds = await createMerchant(env.runtime.deps, { name: 'Switched shop' });
    a = env.api.as(creds);
    b = new ApiClient(containerB.url, creds);
  });

  const expectDisabled = (res: { status: number; body: any }, what: string) => {
    expect(res.status, what).toBe(403);
    expect(res.body.error, what).toMatchObject({ type: 'permission', code: 'merchant_disabled' });
  };

  it('refuses a disabled merchant on its very next request in every container, on every path, and stores nothing', async () => {
    // Both containers serve the merchant, so both have its profile cached as active.
    expect((await a.get('/v1/balance')).status).toBe(200);
    expect((await b.get('/v1/balance')).status).toBe(200);
    const existing = await a.createOrder();

    await env.runtime.deps.merchants.setStatus(creds.merchantId, 'disabled');

    expectDisabled(await b.get('/v1/balance'), 'B: GET, nonce recorded on its own');
    expectDisabled(await a.get(`/v1/orders/${existing.id}`), 'A: GET');
    const refused = order();
    expectDisabled(await b.post('/v1/orders', refused), 'B: create order, nonce in its first transaction');
    expectDisabled(await a.post('/v1/orders', refused), 'A: create order');
    expectDisabled(await a.pay(existing.id), 'A: pay, nonce in the claim transaction');
    expectDisabled(await b.post('/v1/orders', refused, { idempotencyKey: 'ms-key-1' }), 'B: with an Idempotency-Key');
    expectDisabled(await a.post('/v1/orders', { amount: 'nope' }), 'A: a request that would have been a 400');

    await env.runtime.deps.merchants.setStatus(creds.merchantId, 'active');

    // Nothing the disabled merchant sent was stored: the order is absent, the existing one still CREATED.
    expect((await a.get(`/v1/orders?outTradeNo=${refused.outTradeNo}`)).status).toBe(404);
    expect((await b.get(`/v1/orders/${existing.id}`)).body.status).toBe('CREATED');
  });

  it('accepts the merchant again on its very next request once enabled, in every container', async () => {
    await env.runtime.deps.merchants.setStatus(creds.merchantId, 'disabled');
    // Both containers now hold the profile as disabled.
    expectDisabled(await a.get('/v1/balance'), 'A');
    expectDisabled(await b.get('/v1/balance'), 'B');
    expectDisabled(await a.get('/v1/balance'), 'A, from its cache');

    await env.runtime.deps.merchants.setStatus(creds.merchantId, 'active');

    expect((await a.get('/v1/balance')).status).toBe(200);
    expect((await b.get('/v1/balance')).status).toBe(200);
    expect((await b.post('/v1/orders', order())).status).toBe(201);
    expect((await a.post('/v1/orders', order(), { idempotencyKey: 'ms-key-2' })).status).toBe(201);
  });

  it('spends the nonce of a refused request, so it cannot be replayed once the merchant is enabled again', async () => {
    const nonce = `ms-refused-nonce-${Date.now()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const body = order();
    await env.runtime.deps.merchants.setStatus(creds.merchantId, 'disabled');
    expectDisabled(await b.post('/v1/orders', body, { nonce, timestamp }), 'refused');
    await env.runtime.deps.merchants.setStatus(creds.merchantId, 'active');
    const replay = await a.post('/v1/orders', body, { nonce, timestamp });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('replayed_request');
    expect((await a.get(`/v1/orders?outTradeNo=${body.outTradeNo}`)).status).toBe(404);
  });
});
