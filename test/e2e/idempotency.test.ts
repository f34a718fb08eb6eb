import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestRuntime } from '../support/runtime.js';
import { acquirerCharges } from '../support/acquirer.js';

const env = useTestRuntime();

const orderBody = (outTradeNo: string) => ({ outTradeNo, amount: 1200, currency: 'USD', subject: 'Idempotent' });

describe('Idempotency-Key', () => {
  it('replays the first response byte for byte with Idempotent-Replayed', async () => {
    const first = await env.api.post('/v1/orders', orderBody('IDEM-1'), { idempotencyKey: 'key-1' });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const second = await env.api.post('/v1/orders', orderBody('IDEM-1'), { idempotencyKey: 'key-1' });
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.text).toBe(first.text);
    expect(second.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
  });

  it('replays a payment without charging again', async () => {
    const order = await env.api.createOrder();
    const body = { method: 'card', card: { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' } };
    const first = await env.api.post(`/v1/orders/${order.id}/pay`, body, { idempotencyKey: `pay-${order.id}` });
    const second = await env.api.post(`/v1/orders/${order.id}/pay`, body, { idempotencyKey: `pay-${order.id}` });
    expect(first.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(await acquirerCharges(env.runtime, order.id)).toHaveLength(1);
  });

  it('replays a 4xx answer too', async () => {
    const first = await env.api.post('/v1/orders', { ...orderBody('IDEM-ERR'), amount: 0 }, { idempotencyKey: 'key-err' });
    const second = await env.api.post('/v1/orders', { ...orderBody('IDEM-ERR'), amount: 0 }, { idempotencyKey: 'key-err' });
    expect(first.status).toBe(400);
    expect(second.status).toBe(400);
    expect(second.text).toBe(first.text);
  });

  it('answers 422 idempotency_key_reused for the same key with another body, storing nothing', async () => {
    await env.api.post('/v1/orders', orderBody('IDEM-2'), { idempotencyKey: 'key-2' });
    const res = await env.api.post('/v1/orders', orderBody('IDEM-3'), { idempotencyKey: 'key-2' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('idempotency_key_reused');
    expect((await env.api.get('/v1/orders?outTradeNo=IDEM-3')).status).toBe(404);
  });

  it('answers 409 request_in_progress while the first request is still running', async () => {
    const body = JSON.stringify(orderBody('IDEM-4'));
    const fingerprint = createHash('sha256').update('POST\n/v1/orders\n').update(body).digest('hex');
    // A first request that has started and not finished: its record is IN_PROGRESS.
    await env.runtime.deps.idempotency.begin(env.api.credentials.merchantId, 'key-4', fingerprint, Date.now());
    const res = await env.api.request('POST', '/v1/orders', undefined, { rawBody: body, idempotencyKey: 'key-4' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('request_in_progress');
  });

  it('keeps keys per merchant', async () => {
    const { createMerchant } = await import('../../shared/services/merchants.js');
    const other = env.api.as(await createMerchant(env.runtime.deps, { name: 'Second' }));
    const a = await env.api.post('/v1/orders', orderBody('IDEM-5'), { idempotencyKey: 'shared-key' });
    const b = await other.post('/v1/orders', orderBody('IDEM-5'), { idempotencyKey: 'shared-key' });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(b.body.id).not.toBe(a.body.id);
  });

  it('rejects an over-long key', async () => {
    const res = await env.api.post('/v1/orders', orderBody('IDEM-6'), { idempotencyKey: 'k'.repeat(256) });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('Idempotency-Key');
  });
});
