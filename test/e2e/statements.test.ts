import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLedger } from '../../shared/services/ledger-check.js';
import { createMerchant, setMerchantFees } from '../../shared/services/merchants.js';
import type { ApiClient } from '../support/api-client.js';
import { useTestRuntime } from '../support/runtime.js';
import { eventually } from '../support/webhook-receiver.js';

/**
 * GET /v1/statements/{date} over HTTP against the local runtime (contract, "Merchant balance, settlement and
 * statements"): a day with fee-bearing payments, a refund, a settlement by the runtime's own schedule (2 s delay), a
 * paid-out payout (sandbox account ending 0001) and a failed one (0002). The CSV's net column sums exactly to the
 * change of available + pending that GET /v1/balance shows, every row names its ids, and nobody else sees it.
 */
// The janitor's query 2 s after a payout, as in payouts.test.ts: on a loaded machine the bank's notice can miss its
// first delivery, and its retry (a minute later) would outlast the test; the query is the platform's own way to the truth.
// PAY_RETRY_TIME_SCALE 0.01: a timer whose handler failed once on a loaded machine (a bank query that timed out) is
// received again after the timers queue's visibility timeout, 180 s unscaled, and the bank's notice retries after 60 s:
// either outlasts the test. Scaled, they come back within seconds, as they would in a test of the real schedule.
const env = useTestRuntime({ settlementDelaySeconds: 2, janitorAfterSeconds: 2, retryTimeScale: 0.01 });

afterAll(async () => {
  expect((await checkLedger(env.runtime.deps.ledger)).balanced).toBe(true);
});

const HEADER = 'time,type,orderId,outTradeNo,refundId,payoutId,amount,fee,net,currency,channel,settlementId,entryId';
type Row = Record<string, string>;

async function merchant(): Promise<{ api: ApiClient; merchantId: string }> {
  const credentials = await createMerchant(env.runtime.deps, { name: `Statement ${randomBytes(3).toString('hex')}` });
  await setMerchantFees(env.runtime.deps, credentials.merchantId, { default: { bps: 100, fixed: 20 }, methods: {} });
  return { api: env.api.as(credentials), merchantId: credentials.merchantId };
}

const total = (rows: { currency: string; amount: number }[]) => rows.filter((r) => r.currency === 'CNY').reduce((sum, r) => sum + r.amount, 0);

async function balance(api: ApiClient): Promise<{ available: number; pending: number }> {
  const res = await api.get('/v1/balance');
  expect(res.status).toBe(200);
  return { available: total(res.body.available), pending: total(res.body.pending) };
}

/** The statement's lines as records by the header's names; the raw answer alongside. */
async function statement(api: ApiClient, day: string): Promise<{ rows: Row[]; text: string; contentType: string | null }> {
  const res = await api.get(`/v1/statements/${day}`);
  expect(res.status, res.text).toBe(200);
  expect(res.text.endsWith('\r\n')).toBe(true);
  const [header, ...lines] = res.text.slice(0, -2).split('\r\n');
  expect(header).toBe(HEADER);
  const names = header!.split(',');
  const rows = lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [names[i]!, value])));
  return { rows, text: res.text, contentType: res.headers.get('content-type') };
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function payout(api: ApiClient, account: string, amount: number, status: string): Promise<string> {
  const res = await api.post('/v1/payouts', {
    outPayoutNo: `P-${randomBytes(4).toString('hex')}`,
    amount,
    currency: 'CNY',
    destination: { type: 'bank_account', bankCode: 'ICBC', accountNumber: `622202000000${account}`, accountName: '张三' },
  });
  expect(res.status, res.text).toBe(201);
  await eventually(async () => ((await api.get(`/v1/payouts/${res.body.id}`)).body.status === status ? true : undefined), 60_000, `payout ${status}`);
  return res.body.id;
}

describe('statements', () => {
  it('a day of payments, a refund, a settlement and two payouts: Σ net = Δ(available + pending), every row with its ids', async () => {
    const { api } = await merchant();
    const startedMs = Date.now();
    const before = await balance(api);

    const first = await api.createOrder({ amount: 10_000 });
    expect((await api.pay(first.id)).body.status).toBe('SUCCEEDED');
    const second = await api.createOrder({ amount: 5_000 });
    expect((await api.pay(second.id)).body.status).toBe('SUCCEEDED');
    const refund = await api.post(`/v1/orders/${second.id}/refunds`, { outRefundNo: 'R-1', amount: 1_000 });
    expect(refund.body.status).toBe('SUCCEEDED');
    // The runtime's own schedule settles both payments (less the refund) into available a few seconds later.
    const expectedAvailable = 10_000 - 120 + (5_000 - 70) - 1_000;
    await eventually(async () => ((await balance(api)).available === expectedAvailable ? true : undefined), 30_000, 'the settlement');
    const paidOut = await payout(api, '0001', 1_000, 'SUCCEEDED');
    const failed = await payout(api, '0002', 500, 'FAILED');
    const after = await balance(api);
    expect(after).toEqual({ available: expectedAvailable - 1_100, pending: 0 });

    const rows: Row[] = [];
    // A run that crosses midnight UTC reads both days' statements.
    for (const day of new Set([dayOf(startedMs), dayOf(Date.now())])) rows.push(...(await statement(api, day)).rows);
    const net = rows.reduce((sum, row) => sum + Number(row.net), 0);
    expect(net).toBe(after.available + after.pending - (before.available + before.pending));

    const byType = (type: string) => rows.filter((row) => row.type === type);
    expect(byType('payment')).toEqual([
      expect.objectContaining({ orderId: first.id, outTradeNo: first.outTradeNo, amount: '10000', fee: '120', net: '9880', currency: 'CNY', channel: expect.stringMatching(/\w/) }),
      expect.objectContaining({ orderId: second.id, outTradeNo: second.outTradeNo, amount: '5000', fee: '70', net: '4930', currency: 'CNY' }),
    ]);
    expect(byType('refund')).toEqual([
      expect.objectContaining({ orderId: second.id, outTradeNo: second.outTradeNo, refundId: refund.body.id, amount: '-1000', fee: '0', net: '-1000' }),
    ]);
    // Settlement moves pending to available: its amount is what its batch moved, its net 0.
    expect(byType('settlement').length).toBeGreaterThan(0);
    for (const row of byType('settlement')) {
      expect(row).toMatchObject({ net: '0', fee: '0', orderId: '', settlementId: expect.stringMatching(/^stl_/) });
      expect(Number(row.amount)).toBe((await api.get(`/v1/settlements/${row.settlementId}`)).body.net);
    }
    expect(byType('payout')).toEqual([
      expect.objectContaining({ payoutId: paidOut, amount: '-1000', fee: '100', net: '-1100' }),
      expect.objectContaining({ payoutId: failed, amount: '-500', fee: '100', net: '-600' }),
    ]);
    expect(byType('payout_failure')).toEqual([expect.objectContaining({ payoutId: failed, amount: '500', fee: '-100', net: '600' })]);
    // Every row: a time of the day in order, its entry id, and the ids its type names.
    expect(rows.map((row) => row.time)).toEqual(rows.map((row) => row.time).sort());
    expect(new Set(rows.map((row) => row.entryId)).size).toBe(rows.length);
    for (const row of rows) {
      expect(row.entryId).toMatch(/^le_/);
      expect(Number(row.amount) - Number(row.fee)).toBe(row.type === 'settlement' ? Number(row.amount) : Number(row.net));
    }
  });

  it('another merchant sees none of it, and a day without movements is the header alone', async () => {
    const owner = await merchant();
    const order = await owner.api.createOrder({ amount: 2_000 });
    expect((await owner.api.pay(order.id)).body.status).toBe('SUCCEEDED');
    const day = new Date().toISOString().slice(0, 10);
    const own = await statement(owner.api, day);
    expect(own.contentType).toMatch(/^text\/csv/);
    expect(own.rows.map((row) => row.orderId)).toContain(order.id);

    const stranger = await merchant();
    const theirs = await statement(stranger.api, day);
    expect(theirs.text).toBe(`${HEADER}\r\n`);
    expect(theirs.text).not.toContain(order.id);
    expect((await statement(owner.api, '2020-02-29')).text).toBe(`${HEADER}\r\n`);
  });

  it('a malformed or impossible date is a 400 JSON error naming date', async () => {
    const { api } = await merchant();
    for (const day of ['2026-02-30', '2026-13-01', '26-1-1', '2026-1-01', '2026-11-27x', '2025-02-29']) {
      const res = await api.get(`/v1/statements/${day}`);
      expect(res.status, day).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.body.error).toMatchObject({ type: 'invalid_request', code: 'parameter_invalid', param: 'date', requestId: expect.any(String) });
      expect(res.headers.get('x-request-id')).toBe(res.body.error.requestId);
    }
  });
});
