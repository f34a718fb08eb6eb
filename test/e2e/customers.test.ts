import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { basisPoints } from '../../shared/domain/money.js';
import { checkLedger } from '../../shared/services/ledger-check.js';
import { createMerchant } from '../../shared/services/merchants.js';
import type { ApiClient } from '../support/api-client.js';
import { useTestRuntime } from '../support/runtime.js';

/**
 * Customers, balances and top-ups over HTTP against the local runtime (contract, "Customers, balances and top-ups"):
 * a top-up paid by card credits the balance with the order's success, balance payments debit it under the guarded
 * item's own condition (402 when too low, never below zero under concurrency), refunds move it back, and every
 * movement is a line of GET /v1/customers/{id}/transactions. Each test uses a merchant of its own.
 */

const DEMO_FEE_BPS = 60;
const env = useTestRuntime();

afterAll(async () => {
  // The books balance after everything here, the races included, and no guarded balance is below zero.
  const ledger = await checkLedger(env.runtime.deps.ledger);
  expect(ledger.balanced).toBe(true);
});

async function merchant(): Promise<ApiClient> {
  return env.api.as(await createMerchant(env.runtime.deps, { name: `Wallet ${randomBytes(3).toString('hex')}` }));
}

async function customer(api: ApiClient, outCustomerNo = `u-${randomBytes(4).toString('hex')}`) {
  const res = await api.post('/v1/customers', { outCustomerNo, name: 'Li Lei' });
  expect(res.status).toBe(201);
  return res.body;
}

/** A top-up of `amount` paid by card: SUCCEEDED, and the customer's balance grew by it. */
async function topUp(api: ApiClient, customerId: string, amount: number) {
  const order = await api.createOrder({ amount, purpose: 'topup', customerId });
  expect(order).toMatchObject({ purpose: 'topup', customerId, status: 'CREATED' });
  const paid = await api.pay(order.id);
  expect(paid.status).toBe(200);
  expect(paid.body.status).toBe('SUCCEEDED');
  return paid.body;
}

async function balanceOf(api: ApiClient, customerId: string, currency = 'CNY'): Promise<number> {
  const res = await api.get(`/v1/customers/${customerId}`);
  expect(res.status).toBe(200);
  return (res.body.balances as Array<{ currency: string; amount: number }>).find((b) => b.currency === currency)?.amount ?? 0;
}

function payFromBalance(api: ApiClient, orderId: string, customerId: string) {
  return api.post(`/v1/orders/${orderId}/pay`, { method: 'balance', customerId });
}

describe('customers', () => {
  it('creates, reads by id and by outCustomerNo; a second outCustomerNo is 409 naming the first; another merchant sees 404', async () => {
    const api = await merchant();
    const created = await customer(api, 'u-42');
    expect(created).toMatchObject({ object: 'customer', outCustomerNo: 'u-42', name: 'Li Lei', balances: [{ currency: 'CNY', amount: 0 }] });
    expect(created.id).toMatch(/^cus_[0-9a-z]{26}$/);
    expect((await api.get(`/v1/customers/${created.id}`)).body).toEqual(created);
    expect((await api.get('/v1/customers?outCustomerNo=u-42')).body).toEqual(created);
    expect((await api.get('/v1/customers?outCustomerNo=u-43')).status).toBe(404);

    for (const body of [{ outCustomerNo: 'u-42', name: 'Li Lei' }, { outCustomerNo: 'u-42', name: 'Han Meimei' }]) {
      const again = await api.post('/v1/customers', body);
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({ code: 'duplicate_out_customer_no', customerId: created.id });
    }

    const other = await merchant();
    expect((await other.get(`/v1/customers/${created.id}`)).status).toBe(404);
    expect((await other.get(`/v1/customers/${created.id}/transactions`)).status).toBe(404);
    expect((await other.get('/v1/customers?outCustomerNo=u-42')).status).toBe(404);
    // The same outCustomerNo is free for another merchant.
    expect((await other.post('/v1/customers', { outCustomerNo: 'u-42', name: 'Someone else' })).status).toBe(201);
  });

  it('refuses bad customer bodies with 400 and stores nothing', async () => {
    const api = await merchant();
    for (const [body, param] of [
      [{ outCustomerNo: 'u 1', name: 'x' }, 'outCustomerNo'],
      [{ outCustomerNo: 'u-1', name: '' }, 'name'],
      [{ outCustomerNo: 'u-1' }, 'name'],
      [{ outCustomerNo: 'u-1', name: 'x', balance: 100 }, 'balance'],
    ] as const) {
      const res = await api.post('/v1/customers', body);
      expect(res.status).toBe(400);
      expect(res.body.error.param).toBe(param);
      expect(res.body.error.requestId).toBeTruthy();
    }
    expect((await api.get('/v1/customers?outCustomerNo=u-1')).status).toBe(404);
  });
});

describe('top-ups and balance payments', () => {
  it('a top-up credits the balance with its success; balance payments debit it; 402 insufficient_balance leaves the order CREATED', async () => {
    const api = await merchant();
    const { id: customerId } = await customer(api);
    const topup = await topUp(api, customerId, 10_000);
    expect(await balanceOf(api, customerId)).toBe(10_000);

    const order = await api.createOrder({ amount: 3000 });
    const paid = await payFromBalance(api, order.id, customerId);
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ status: 'SUCCEEDED', amountCaptured: 3000, payment: { method: 'balance', channel: 'balance', customerId, fee: 0 } });
    expect(await balanceOf(api, customerId)).toBe(7000);

    const tooBig = await api.createOrder({ amount: 7001 });
    const declined = await payFromBalance(api, tooBig.id, customerId);
    expect(declined.status).toBe(402);
    expect(declined.body.error.code).toBe('insufficient_balance');
    const after = (await api.get(`/v1/orders/${tooBig.id}`)).body;
    expect(after).toMatchObject({ status: 'CREATED', lastPaymentError: { code: 'insufficient_balance' } });
    expect(await balanceOf(api, customerId)).toBe(7000);
    // Still payable: by card now.
    expect((await api.pay(tooBig.id)).body.status).toBe('SUCCEEDED');

    // The merchant: the balance payment's amount in pending, less the top-up's fee (paid by the merchant, entry 120).
    const balance = (await api.get('/v1/balance')).body;
    expect(balance.pending).toContainEqual({ currency: 'CNY', amount: 3000 + 7001 - basisPoints(7001, DEMO_FEE_BPS) - basisPoints(10_000, DEMO_FEE_BPS) });

    const lines = (await api.get(`/v1/customers/${customerId}/transactions`)).body;
    expect(lines.data.map((t: { type: string; amount: number; balanceAfter: number; orderId: string }) => [t.type, t.amount, t.balanceAfter, t.orderId])).toEqual([
      ['payment', -3000, 7000, order.id],
      ['topup', 10_000, 10_000, topup.id],
    ]);
    expect(lines.nextCursor).toBeNull();
  });

  it('validates purpose/customerId pairs and the balance method; nothing is stored or debited', async () => {
    const api = await merchant();
    const { id: customerId } = await customer(api);
    const otherCustomer = (await customer(await merchant())).id;
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [{ purpose: 'topup' }, 400, 'parameter_missing', 'customerId'],
      [{ customerId }, 400, 'parameter_invalid', 'customerId'],
      [{ purpose: 'topup', customerId: 'cus_nope' }, 400, 'parameter_invalid', 'customerId'],
      [{ purpose: 'topup', customerId: otherCustomer }, 404, 'resource_missing', 'customerId'],
      [{ purpose: 'gift' }, 400, 'parameter_invalid', 'purpose'],
    ];
    for (const [extra, status, code, param] of cases) {
      const outTradeNo = `T-${randomBytes(4).toString('hex')}`;
      const res = await api.post('/v1/orders', { outTradeNo, amount: 100, currency: 'CNY', subject: 'x', ...extra });
      expect([res.status, res.body.error.code, res.body.error.param]).toEqual([status, code, param]);
      expect((await api.get(`/v1/orders?outTradeNo=${outTradeNo}`)).status).toBe(404);
    }

    await topUp(api, customerId, 5000);
    const topupOrder = await api.createOrder({ amount: 100, purpose: 'topup', customerId });
    const byBalance = await payFromBalance(api, topupOrder.id, customerId);
    expect([byBalance.status, byBalance.body.error.code]).toEqual([400, 'balance_not_allowed_for_topup']);

    const sale = await api.createOrder({ amount: 100 });
    const noCustomer = await api.post(`/v1/orders/${sale.id}/pay`, { method: 'balance' });
    expect([noCustomer.status, noCustomer.body.error.code, noCustomer.body.error.param]).toEqual([400, 'parameter_missing', 'customerId']);
    const cardWithCustomer = await api.pay(sale.id, '4242424242424242', { customerId });
    expect([cardWithCustomer.status, cardWithCustomer.body.error.param]).toEqual([400, 'customerId']);
    const foreign = await payFromBalance(api, sale.id, otherCustomer);
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'resource_missing']);
    const held = await api.post(`/v1/orders/${sale.id}/pay`, { method: 'balance', customerId, capture: false });
    expect([held.status, held.body.error.code]).toEqual([400, 'manual_capture_not_supported']);

    for (const id of [topupOrder.id, sale.id]) expect((await api.get(`/v1/orders/${id}`)).body).toMatchObject({ status: 'CREATED', payment: null });
    expect(await balanceOf(api, customerId)).toBe(5000);
  });

  it('a top-up in another currency grows that currency\'s balance; a payment in it is covered by it alone', async () => {
    const api = await merchant();
    const { id: customerId } = await customer(api);
    await topUp(api, customerId, 2000);
    const usd = await api.createOrder({ amount: 500, currency: 'USD', purpose: 'topup', customerId });
    expect((await api.pay(usd.id)).body.status).toBe('SUCCEEDED');
    expect((await api.get(`/v1/customers/${customerId}`)).body.balances).toEqual([
      { currency: 'CNY', amount: 2000 },
      { currency: 'USD', amount: 500 },
    ]);
    const sale = await api.createOrder({ amount: 600, currency: 'USD' });
    expect((await payFromBalance(api, sale.id, customerId)).status).toBe(402);
  });

  it('20 concurrent balance payments of 30 % each: exactly 3 succeed, the balance never goes below zero', async () => {
    const api = await merchant();
    const { id: customerId } = await customer(api);
    await topUp(api, customerId, 10_000);
    const orders = await Promise.all(Array.from({ length: 20 }, () => api.createOrder({ amount: 3000 })));
    const answers = await Promise.all(orders.map((o) => payFromBalance(api, o.id, customerId)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 402)).toHaveLength(17);
    expect(answers.filter((a) => a.status === 402).every((a) => a.body.error.code === 'insufficient_balance')).toBe(true);
    expect(await balanceOf(api, customerId)).toBe(1000);
    const lines = (await api.get(`/v1/customers/${customerId}/transactions?limit=100`)).body.data;
    expect(lines).toHaveLength(4);
    expect(lines.map((t: { balanceAfter: number }) => t.balanceAfter)).toEqual([1000, 4000, 7000, 10_000]);
  });
});

describe('refunds that move a balance', () => {
  it('a balance payment\'s refund credits the balance back; a top-up\'s refund debits it, 409 once spent', async () => {
    const api = await merchant();
    const { id: customerId } = await customer(api);
    const topup = await topUp(api, customerId, 10_000);
    const sale = await api.createOrder({ amount: 8000 });
    expect((await payFromBalance(api, sale.id, customerId)).status).toBe(200);
    expect(await balanceOf(api, customerId)).toBe(2000);

    // 3000 of the top-up cannot come back: only 2000 is left.
    const spent = await api.post(`/v1/orders/${topup.id}/refunds`, { outRefundNo: 'R-topup', amount: 3000 });
    expect(spent.status).toBe(409);
    expect(spent.body.error.code).toBe('insufficient_balance');
    expect((await api.get(`/v1/orders/${topup.id}`)).body).toMatchObject({ status: 'SUCCEEDED', amountRefunded: 0, refunds: [] });
    expect(await balanceOf(api, customerId)).toBe(2000);

    const refund = await api.post(`/v1/orders/${sale.id}/refunds`, { outRefundNo: 'R-sale', amount: 5000 });
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({ status: 'SUCCEEDED', amount: 5000 });
    expect(await balanceOf(api, customerId)).toBe(7000);

    const topupRefund = await api.post(`/v1/orders/${topup.id}/refunds`, { outRefundNo: 'R-topup', amount: 3000 });
    expect(topupRefund.status).toBe(201);
    expect(topupRefund.body).toMatchObject({ status: 'SUCCEEDED', amount: 3000 });
    expect(await balanceOf(api, customerId)).toBe(4000);
    // The same outRefundNo again is the same refund, and takes nothing more.
    const replay = await api.post(`/v1/orders/${topup.id}/refunds`, { outRefundNo: 'R-topup', amount: 3000 });
    expect([replay.status, replay.body.id]).toEqual([200, topupRefund.body.id]);
    expect(await balanceOf(api, customerId)).toBe(4000);

    const lines = (await api.get(`/v1/customers/${customerId}/transactions?limit=2`)).body;
    expect(lines.data.map((t: { type: string; amount: number; balanceAfter: number; refundId: string | null }) => [t.type, t.amount, t.balanceAfter, t.refundId])).toEqual([
      ['topup_refund', -3000, 4000, topupRefund.body.id],
      ['refund', 5000, 7000, refund.body.id],
    ]);
    const older = (await api.get(`/v1/customers/${customerId}/transactions?limit=2&cursor=${lines.nextCursor}`)).body;
    expect(older.data.map((t: { type: string; balanceAfter: number }) => [t.type, t.balanceAfter])).toEqual([
      ['payment', 2000],
      ['topup', 10_000],
    ]);
    expect(older.nextCursor).toBeNull();
    expect((await api.get(`/v1/customers/${customerId}/transactions?cursor=bm9wZQ`)).status).toBe(400);
  });

  it('a top-up refund racing a balance payment that cannot both fit: exactly one of them', async () => {
    const api = await merchant();
    for (let round = 0; round < 3; round += 1) {
      const { id: customerId } = await customer(api);
      const topup = await topUp(api, customerId, 10_000);
      const sale = await api.createOrder({ amount: 6000 });
      const [refund, payment] = await Promise.all([
        api.post(`/v1/orders/${topup.id}/refunds`, { outRefundNo: `R-${round}`, amount: 6000 }),
        payFromBalance(api, sale.id, customerId),
      ]);
      const won = [refund.status === 201, payment.status === 200];
      expect(won.filter(Boolean)).toHaveLength(1);
      if (won[0]) expect([payment.status, payment.body.error.code]).toEqual([402, 'insufficient_balance']);
      else expect([refund.status, refund.body.error.code]).toEqual([409, 'insufficient_balance']);
      expect(await balanceOf(api, customerId)).toBe(4000);
    }
  });
});
