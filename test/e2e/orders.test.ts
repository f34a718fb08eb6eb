import { describe, expect, it } from 'vitest';
import type { Order } from '../../shared/domain/order.js';
import { createMerchant } from '../../shared/services/merchants.js';
import { transitionOrder } from '../../shared/services/state-writer.js';
import { useTestRuntime } from '../support/runtime.js';
import { acquirerCharges } from '../support/acquirer.js';

const env = useTestRuntime();

/** Moves an order's expiry into the past, as time would. */
async function expire(orderId: string): Promise<void> {
  const stored = (await env.runtime.deps.orders.getOrder(orderId)) as Order;
  const after = { ...stored, expiresAt: new Date(Date.now() - 1000).toISOString() };
  expect(await transitionOrder(env.runtime.deps, { before: stored, after })).toBe(true);
}

describe('orders', () => {
  it('creates an order with the contract shape', async () => {
    const res = await env.api.post('/v1/orders', {
      outTradeNo: 'A-1001',
      amount: 1999,
      currency: 'CNY',
      subject: 'Coffee beans',
      notifyUrl: 'https://merchant.example/notify',
      expiresInSeconds: 1800,
      metadata: { sku: 'beans-1kg' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const o = res.body;
    expect(o.id).toMatch(/^ord_[0-9a-z]{26}$/);
    expect(o).toMatchObject({
      merchantId: env.api.credentials.merchantId,
      outTradeNo: 'A-1001',
      amount: 1999,
      currency: 'CNY',
      status: 'CREATED',
      version: 1,
      amountCaptured: 0,
      amountRefunded: 0,
      subject: 'Coffee beans',
      metadata: { sku: 'beans-1kg' },
      payment: null,
      lastPaymentError: null,
    });
    expect(Date.parse(o.expiresAt) - Date.parse(o.createdAt)).toBe(1800 * 1000);
    expect(o.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('enforces outTradeNo uniqueness in the database, naming the existing order', async () => {
    const first = await env.api.createOrder({ outTradeNo: 'DUP-1' });
    const results = await Promise.all(
      Array.from({ length: 10 }, () => env.api.post('/v1/orders', { outTradeNo: 'DUP-1', amount: 5, currency: 'CNY', subject: 'x' })),
    );
    for (const res of results) {
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ type: 'conflict', code: 'duplicate_out_trade_no', orderId: first.id });
    }
  });

  it('reads an order by id and by outTradeNo, with refunds embedded', async () => {
    const order = await env.api.createOrder({ outTradeNo: 'READ-1' });
    const byId = await env.api.get(`/v1/orders/${order.id}`);
    const byNo = await env.api.get('/v1/orders?outTradeNo=READ-1');
    expect(byId.body).toMatchObject({ id: order.id, refunds: [] });
    expect(byNo.body.id).toBe(order.id);
    expect((await env.api.get('/v1/orders/ord_01m8000000000000000000000a')).status).toBe(404);
  });

  it('lists newest first with limit, cursor, status and time filters', async () => {
    // A merchant of its own, so that the list holds only this test's orders.
    const fresh = env.api.as(await createMerchant(env.runtime.deps, { name: 'Lister' }));
    {
      const created = [];
      for (let i = 0; i < 5; i += 1) created.push(await fresh.createOrder({ outTradeNo: `L-${i}` }));
      await fresh.pay(created[1].id);
      const page1 = await fresh.get('/v1/orders?limit=2');
      expect(page1.body.data.map((o: { id: string }) => o.id)).toEqual([created[4].id, created[3].id]);
      expect(page1.body.nextCursor).toEqual(expect.any(String));
      const page2 = await fresh.get(`/v1/orders?limit=2&cursor=${encodeURIComponent(page1.body.nextCursor)}`);
      expect(page2.body.data.map((o: { id: string }) => o.id)).toEqual([created[2].id, created[1].id]);
      const all = await fresh.get('/v1/orders?limit=100');
      expect(all.body.data).toHaveLength(5);
      expect(all.body.nextCursor).toBeNull();
      const succeeded = await fresh.get('/v1/orders?status=SUCCEEDED');
      expect(succeeded.body.data.map((o: { id: string }) => o.id)).toEqual([created[1].id]);
      const from = encodeURIComponent(created[2].createdAt);
      const to = encodeURIComponent(created[3].createdAt);
      const window = await fresh.get(`/v1/orders?createdFrom=${from}&createdTo=${to}`);
      expect(window.body.data.map((o: { id: string }) => o.id)).toEqual([created[3].id, created[2].id]);
      // Second precision is accepted and means the start of that second.
      const secondPrecision = encodeURIComponent(created[0].createdAt.replace(/\.\d{3}Z$/, 'Z'));
      const fromSecond = await fresh.get(`/v1/orders?limit=100&createdFrom=${secondPrecision}`);
      expect(fromSecond.body.data.map((o: { id: string }) => o.id)).toContain(created[0].id);
    }
  });

  it('rejects bad list queries with the parameter named', async () => {
    expect((await env.api.get('/v1/orders?limit=0')).body.error.param).toBe('limit');
    expect((await env.api.get('/v1/orders?limit=101')).body.error.param).toBe('limit');
    expect((await env.api.get('/v1/orders?status=PAID')).body.error.param).toBe('status');
    expect((await env.api.get('/v1/orders?createdFrom=yesterday')).body.error.param).toBe('createdFrom');
    expect((await env.api.get('/v1/orders?cursor=garbage')).body.error).toMatchObject({ code: 'cursor_invalid', param: 'cursor' });
    expect((await env.api.get('/v1/orders?colour=red')).body.error).toMatchObject({ code: 'parameter_unknown', param: 'colour' });
  });

  it('closes an unpaid order and refuses to close a paid one', async () => {
    const order = await env.api.createOrder();
    const closed = await env.api.post(`/v1/orders/${order.id}/close`);
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'CLOSED', version: 2, closeReason: 'merchant' });
    expect((await env.api.pay(order.id)).body.error.code).toBe('order_not_payable');

    const paid = await env.api.createOrder();
    await env.api.pay(paid.id);
    const res = await env.api.post(`/v1/orders/${paid.id}/close`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('order_not_closable');
  });

  it('reads an expired order as CLOSED and refuses to pay it', async () => {
    const order = await env.api.createOrder({ expiresInSeconds: 60 });
    await expire(order.id);
    const read = await env.api.get(`/v1/orders/${order.id}`);
    expect(read.body).toMatchObject({ status: 'CLOSED', closeReason: 'expired' });
    const pay = await env.api.pay(order.id);
    expect(pay.status).toBe(409);
    expect(pay.body.error.code).toBe('order_expired');
    expect(await acquirerCharges(env.runtime, order.id)).toHaveLength(0);
  });
});

describe('bad input gets a clear 4xx and stores nothing', () => {
  const valid = { outTradeNo: 'BAD-0', amount: 100, currency: 'CNY', subject: 'x' };
  const cases: [string, unknown, string | undefined, string][] = [
    ['a float amount', { ...valid, amount: 19.99 }, 'amount', 'amount_invalid'],
    ['a zero amount', { ...valid, amount: 0 }, 'amount', 'amount_invalid'],
    ['an amount above 10^11', { ...valid, amount: 100_000_000_001 }, 'amount', 'amount_invalid'],
    ['a string amount', { ...valid, amount: '100' }, 'amount', 'amount_invalid'],
    ['a lower-case currency', { ...valid, currency: 'cny' }, 'currency', 'currency_invalid'],
    ['an unknown field', { ...valid, colour: 'red' }, 'colour', 'parameter_unknown'],
    ['a missing subject', { outTradeNo: 'BAD-0', amount: 1, currency: 'CNY' }, 'subject', 'parameter_missing'],
    ['a bad outTradeNo', { ...valid, outTradeNo: 'has space' }, 'outTradeNo', 'parameter_invalid'],
    ['a long subject', { ...valid, subject: 's'.repeat(129) }, 'subject', 'parameter_invalid'],
    ['a short expiry', { ...valid, expiresInSeconds: 59 }, 'expiresInSeconds', 'parameter_invalid'],
    ['too much metadata', { ...valid, metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata', 'parameter_invalid'],
    ['an http notifyUrl to the internet', { ...valid, notifyUrl: 'http://merchant.example/n' }, 'notifyUrl', 'notify_url_invalid'],
    ['a metadata-address notifyUrl', { ...valid, notifyUrl: 'https://169.254.169.254/latest' }, 'notifyUrl', 'notify_url_forbidden'],
    ['a private notifyUrl', { ...valid, notifyUrl: 'https://10.0.0.1/n' }, 'notifyUrl', 'notify_url_forbidden'],
  ];

  it.each(cases)('rejects %s', async (_name, body, param, code) => {
    const res = await env.api.post('/v1/orders', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request', code, param });
    expect((await env.api.get('/v1/orders?outTradeNo=BAD-0')).status).toBe(404);
  });

  it('rejects a body that is not JSON, or not an object', async () => {
    const notJson = await env.api.request('POST', '/v1/orders', undefined, { rawBody: '{"amount":' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('invalid_json');
    const array = await env.api.request('POST', '/v1/orders', undefined, { rawBody: '[1,2]' });
    expect(array.body.error.code).toBe('invalid_json');
  });

  it('rejects a body over 64 KB with 413', async () => {
    const res = await env.api.post('/v1/orders', { ...valid, subject: 'x'.repeat(70 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('body_too_large');
  });

  it('rejects malformed path ids and unknown routes', async () => {
    const badId = await env.api.get('/v1/orders/not-an-id');
    expect(badId.status).toBe(400);
    expect(badId.body.error.param).toBe('id');
    const unknown = await env.api.get('/v1/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('route_not_found');
    expect(unknown.headers.get('x-request-id')).toBeTruthy();
  });
});
