import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime.js';
import { checkLedger } from '../../shared/services/ledger-check.js';
import { createMerchant, setMerchantFees } from '../../shared/services/merchants.js';
import type { ApiClient } from '../support/api-client.js';
import { startTestRuntime } from '../support/runtime.js';
import { eventually } from '../support/webhook-receiver.js';

/**
 * Fees and settlement over HTTP against the local runtime with a 2-second settlement delay: a payment's net waits in
 * pending, the runtime's own schedule (no request) settles it into available as a batch GET /v1/settlements shows, and
 * refunds still take from available first, then pending.
 */
let runtime: Runtime;
let api: ApiClient;

beforeAll(async () => {
  ({ runtime, api } = await startTestRuntime({ settlementDelaySeconds: 2 }));
});
afterAll(async () => {
  expect((await checkLedger(runtime.deps.ledger)).balanced).toBe(true);
  await runtime?.stop();
});

const cny = (rows: { currency: string; amount: number }[]) => rows.find((r) => r.currency === 'CNY')?.amount ?? 0;

async function newMerchant(fees: Parameters<typeof setMerchantFees>[2]): Promise<ApiClient> {
  const credentials = await createMerchant(runtime.deps, { name: 'Settles' });
  await setMerchantFees(runtime.deps, credentials.merchantId, fees);
  return api.as(credentials);
}

async function paid(merchant: ApiClient, amount: number): Promise<{ id: string; payment: { fee: number } }> {
  const order = await merchant.createOrder({ amount });
  const pay = await merchant.pay(order.id);
  expect(pay.body.status).toBe('SUCCEEDED');
  return pay.body;
}

describe('settlement over HTTP', () => {
  it('pay → pending → settled by the schedule → available, one batch with its totals; the fee on the payment is the schedule\'s', async () => {
    const merchant = await newMerchant({ default: { bps: 100, fixed: 20 }, methods: {} });
    const a = await paid(merchant, 10_000);
    const b = await paid(merchant, 1_999);
    expect([a.payment.fee, b.payment.fee]).toEqual([100 + 20, 20 + 20]);
    const net = 10_000 - 120 + 1_999 - 40;
    // Both payments are pending until the run after their due time, and nothing requested the run.
    const before = (await merchant.get('/v1/balance')).body;
    expect(cny(before.pending) + cny(before.available)).toBe(net);

    const settled = await eventually(async () => {
      const list = await merchant.get('/v1/settlements');
      const count = (list.body.data as { count: number }[]).reduce((n, s) => n + s.count, 0);
      return count === 2 ? list.body : undefined;
    }, 60_000, 'both payments settled');
    const totals = (settled.data as { gross: number; fees: number; refunds: number; net: number }[]).reduce(
      (t, s) => ({ gross: t.gross + s.gross, fees: t.fees + s.fees, refunds: t.refunds + s.refunds, net: t.net + s.net }),
      { gross: 0, fees: 0, refunds: 0, net: 0 },
    );
    expect(totals).toEqual({ gross: 11_999, fees: 160, refunds: 0, net });
    const balance = (await merchant.get('/v1/balance')).body;
    expect({ available: cny(balance.available), pending: cny(balance.pending) }).toEqual({ available: net, pending: 0 });

    const one = settled.data[0] as { id: string };
    const read = await merchant.get(`/v1/settlements/${one.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(one);
    expect(read.body).toMatchObject({ object: 'settlement', currency: 'CNY', id: expect.stringMatching(/^stl_/) });
  }, 90_000);

  it('a refund after settlement comes out of available; one before it out of pending, netted by the next batch', async () => {
    const merchant = await newMerchant({ default: { bps: 0, fixed: 0 }, methods: {} });
    const first = await paid(merchant, 5_000);
    await eventually(async () => cny((await merchant.get('/v1/balance')).body.available) === 5_000, 60_000, 'the first payment settled');

    const refundA = await merchant.post(`/v1/orders/${first.id}/refunds`, { outRefundNo: 'S-1', amount: 1_000 });
    expect(refundA.status).toBe(201);
    let balance = (await merchant.get('/v1/balance')).body;
    expect({ available: cny(balance.available), pending: cny(balance.pending) }).toEqual({ available: 4_000, pending: 0 });

    // available is 4,000: a 6,000 refund of a new, unsettled 8,000 payment takes 4,000 from it and 2,000 from pending.
    const second = await paid(merchant, 8_000);
    const refundB = await merchant.post(`/v1/orders/${second.id}/refunds`, { outRefundNo: 'S-2', amount: 6_000 });
    expect(refundB.status).toBe(201);
    balance = (await merchant.get('/v1/balance')).body;
    expect({ available: cny(balance.available), pending: cny(balance.pending) }).toEqual({ available: 0, pending: 6_000 });

    await eventually(async () => cny((await merchant.get('/v1/balance')).body.pending) === 0, 60_000, 'the second payment settled');
    balance = (await merchant.get('/v1/balance')).body;
    expect(cny(balance.available)).toBe(6_000);
    const all = (await merchant.get('/v1/settlements')).body.data as { count: number; gross: number; refunds: number; net: number }[];
    expect(all.reduce((n, s) => n + s.gross, 0)).toBe(13_000);
    expect(all.reduce((n, s) => n + s.refunds, 0)).toBe(2_000);
    expect(all.reduce((n, s) => n + s.net, 0)).toBe(11_000);
  }, 120_000);

  it('pages newest first with a cursor; another merchant\'s settlement, an unknown id and a malformed one answer 404/400', async () => {
    const merchant = await newMerchant({ default: { bps: 60, fixed: 0 }, methods: {} });
    for (let i = 0; i < 3; i += 1) {
      await paid(merchant, 1_000 + i);
      // One batch per run: wait for this payment's before paying the next.
      await eventually(async () => ((await merchant.get('/v1/settlements')).body.data as unknown[]).length === i + 1, 60_000, `batch ${i + 1}`);
    }
    const page1 = await merchant.get('/v1/settlements?limit=2');
    expect(page1.body.data).toHaveLength(2);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await merchant.get(`/v1/settlements?limit=2&cursor=${encodeURIComponent(page1.body.nextCursor)}`);
    expect(page2.body.data).toHaveLength(1);
    expect(page2.body.nextCursor).toBeNull();
    const settledAt = [...page1.body.data, ...page2.body.data].map((s: { settledAt: string }) => s.settledAt);
    expect([...settledAt].sort().reverse()).toEqual(settledAt);

    const other = await newMerchant({ default: { bps: 60, fixed: 0 }, methods: {} });
    const foreign = await other.get(`/v1/settlements/${page1.body.data[0].id}`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error).toMatchObject({ code: 'resource_missing', requestId: expect.any(String) });
    expect((await other.get('/v1/settlements')).body.data).toEqual([]);
    expect((await other.get(`/v1/settlements?cursor=${encodeURIComponent(page1.body.nextCursor)}`)).body.error.code).toBe('cursor_invalid');
    expect((await merchant.get('/v1/settlements/stl_00000000000000000000000000')).status).toBe(404);
    expect((await merchant.get('/v1/settlements/nope')).status).toBe(400);
    expect((await merchant.get('/v1/settlements?limit=0')).status).toBe(400);
  }, 150_000);
});
