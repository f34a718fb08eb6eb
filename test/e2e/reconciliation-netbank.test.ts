import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHANNEL_PAYOUT_FEE, channelDay, channelFee } from '../../shared/reconciliation/bill.js';
import type { ReconciliationRow } from '../../shared/reconciliation/match.js';
import type { ReconciliationReport } from '../../shared/reconciliation/report.js';
import { createMerchant } from '../../shared/services/merchants.js';
import { runSettlement } from '../../shared/services/settlement.js';
import { useTestRuntime } from '../support/runtime.js';
import { eventually } from '../support/webhook-receiver.js';

/**
 * The netbank statements end to end (docs/decisions.md, 190 and 241): real payouts through the API to the sandbox
 * bank's payout desk (paid, paid then returned, failed), and redirect payments the payer confirms on the bank's page
 * with a refund; the bank's payout and collections statements fetched over HTTP by the netbank adapter and read by
 * their parsers, matched against the platform's payouts, returns, attempts and refunds through the operations API;
 * then each statement tampered with and each discrepancy class seen, every unmatched item checked at the bank's
 * payout, payment or refund query first (auto-resolution).
 */
const dataDir = mkdtempSync(join(tmpdir(), 'pay-recon-netbank-'));
// PAY_RETRY_TIME_SCALE 0.01: a timer whose handler failed once on a loaded machine (a bank query that timed out) is
// received again after the timers queue's visibility timeout, 180 s unscaled, and the bank's notice retries after 60 s:
// either outlasts the test. Scaled, they come back within seconds, as they would in a test of the real schedule.
const env = useTestRuntime({ janitorAfterSeconds: 2, dataDir, retryTimeScale: 0.01 });
const CHANNEL = 'netbank';

async function reconcile(date: string): Promise<ReconciliationReport> {
  const res = await fetch(`${env.runtime.url}/ops/v1/reconciliations`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${env.runtime.opsToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel: CHANNEL, date }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as ReconciliationReport;
}

const paidOut: string[] = [];
/** The day's bank payments in the order the payer paid them (the collections statement's time order), the first refunded. */
const collected: { orderId: string; paymentId: string; bankOrderId: string; amount: number }[] = [];
let refundId = '';
let returned = '';
let failed = '';
let today = '';
const rowOf = (rows: readonly ReconciliationRow[], id: string, kind: ReconciliationRow['kind'] = 'payout') => rows.find((r) => r.paymentId === id && r.kind === kind);

/** A bank redirect payment as the payer makes it: the bank's page of the pay answer's bank order, a bank picked, confirmed. */
async function payAtBank(api: ReturnType<typeof env.api.as>, amount: number) {
  const order = await api.createOrder({ amount });
  const paid = await api.post(`/v1/orders/${order.id}/pay`, { method: 'netbank' });
  expect(paid.body).toMatchObject({ status: 'REQUIRES_ACTION', payment: { channel: 'netbank' } });
  const bankOrderId = paid.body.payment.channelPaymentId as string;
  const page = `${env.runtime.url}/sandbox/channels/${CHANNEL}/pay/${bankOrderId}`;
  const pageToken = /name="pageToken" value="([0-9a-f]+)"/.exec(await (await fetch(page)).text())![1]!;
  const confirmed = await fetch(page, { method: 'POST', body: new URLSearchParams({ pageToken, bank: 'CMB', action: 'confirm' }), redirect: 'manual' });
  expect(confirmed.status).toBe(303);
  // SUCCEEDED by the bank's signed notice to the platform's callback.
  await eventually(async () => (await api.get(`/v1/orders/${order.id}`)).body.status === 'SUCCEEDED', 30_000, 'the bank payment');
  return { orderId: order.id as string, paymentId: paid.body.payment.id as string, bankOrderId, amount };
}

describe('reconciliation of the netbank statements (collections and payouts)', () => {
  it('a clean day: every payout, the returned one and its return, the bank payments and the refund matched; the failed payout expected on no statement', async () => {
    const credentials = await createMerchant(env.runtime.deps, { name: `Payee ${randomBytes(3).toString('hex')}` });
    const api = env.api.as(credentials);
    // Money in available the way it gets there: card payments, then settlement past its delay.
    for (let i = 0; i < 4; i += 1) expect((await api.pay((await api.createOrder({ amount: 50_000 })).id)).body.status).toBe('SUCCEEDED');
    await runSettlement(env.runtime.deps, { now: Date.now() + (env.runtime.deps.settlementDelaySeconds + 1) * 1000 });

    const payout = async (account: string) => {
      const res = await api.post('/v1/payouts', {
        outPayoutNo: `P-${randomBytes(4).toString('hex')}`, amount: 10_000, currency: 'CNY',
        destination: { type: 'bank_account', bankCode: 'ICBC', accountNumber: `622202000000${account}`, accountName: '张三' },
      });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    // The sandbox bank by the account's last four digits: 0001 pays, 0004 pays and is returned, 0002 fails.
    for (let i = 0; i < 5; i += 1) paidOut.push(await payout('0001'));
    returned = await payout('0004');
    failed = await payout('0002');
    // While the bank pays out: two payments collected through the bank's page, the first partly refunded.
    collected.push(await payAtBank(api, 12_345), await payAtBank(api, 8_800));
    const refund = await api.post(`/v1/orders/${collected[0]!.orderId}/refunds`, { outRefundNo: 'NB-R1', amount: 500 });
    expect(refund.status).toBe(201);
    refundId = refund.body.id;
    await eventually(async () => (await api.get(`/v1/refunds/${refundId}`)).body.status === 'SUCCEEDED', 30_000, 'the refund');
    const statusOf = async (id: string) => (await api.get(`/v1/payouts/${id}`)).body.status as string;
    await eventually(async () => (await Promise.all(paidOut.map(statusOf))).every((s) => s === 'SUCCEEDED'), 60_000, 'the payouts paid');
    await eventually(async () => (await statusOf(returned)) === 'RETURNED', 60_000, 'the returned payout');
    await eventually(async () => (await statusOf(failed)) === 'FAILED', 60_000, 'the failed payout');
    today = channelDay(CHANNEL, new Date().toISOString());

    const report = await reconcile(today);
    // Seven payouts (the failed one too) and one return on the platform's side, two payments and a refund; six
    // payouts and one return billed on the payout statement, the payments and the refund on the collections statement.
    expect(report).toMatchObject({ channel: CHANNEL, date: today, billLines: 10, platformItems: 11, discrepancies: 0 });
    expect(report.counts).toMatchObject({ matched: 10, channel_only: 0, platform_only: 0, amount_mismatch: 0, status_mismatch: 0, fee_mismatch: 0 });
    const [first, second] = collected as [(typeof collected)[number], (typeof collected)[number]];
    expect(rowOf(report.rows, first.paymentId, 'payment')).toMatchObject({
      class: 'matched', orderId: first.orderId, merchantId: credentials.merchantId, channelPaymentId: first.bankOrderId, channelAmount: 12_345,
      platformAmount: 12_345, channelFee: channelFee(CHANNEL, 12_345), expectedFee: channelFee(CHANNEL, 12_345), channelStatus: 'succeeded', platformStatus: 'SUCCEEDED',
    });
    expect(rowOf(report.rows, second.paymentId, 'payment')).toMatchObject({ class: 'matched', channelAmount: 8_800, channelFee: channelFee(CHANNEL, 8_800) });
    expect(report.rows.find((r) => r.kind === 'refund')).toMatchObject({
      class: 'matched', paymentId: first.paymentId, refundId, orderId: first.orderId, channelAmount: 500, platformAmount: 500, channelFee: 0, expectedFee: 0,
    });
    expect(rowOf(report.rows, paidOut[0]!)).toMatchObject({
      class: 'matched', orderId: paidOut[0], merchantId: credentials.merchantId, channelAmount: 10_000, platformAmount: 10_000,
      channelFee: CHANNEL_PAYOUT_FEE.netbank, expectedFee: CHANNEL_PAYOUT_FEE.netbank, platformStatus: 'SUCCEEDED',
    });
    expect(rowOf(report.rows, returned)).toMatchObject({ class: 'matched', platformStatus: 'RETURNED' });
    expect(rowOf(report.rows, returned, 'payout_return')).toMatchObject({ class: 'matched', channelAmount: 10_000, channelFee: 0, expectedFee: 0 });
    expect(report.rows.filter((r) => r.paymentId === failed)).toEqual([]);
    expect(JSON.parse(readFileSync(join(dataDir, 'reports', report.reportKey), 'utf8'))).toEqual(report);
  });

  it("a tampered statement: each kind of tamper shows as its class, checked at the bank's payout query first", async () => {
    // The n-th tamper hits the day's n-th payout record: drop the first, bill the second 1 fen more, charge the third
    // 1 fen more fee, bill the fourth as failed; and a payout the platform never made.
    for (const kind of ['drop', 'amount', 'fee', 'status', 'extra']) {
      const res = await fetch(`${env.runtime.url}/sandbox/channels/${CHANNEL}/bills/${today}/tamper`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind }),
      });
      expect(res.status).toBe(200);
    }
    const report = await reconcile(today);
    // Three payouts matched, and the untouched collections statement's payments and refund.
    expect(report.counts).toMatchObject({ matched: 6, platform_only: 1, amount_mismatch: 1, fee_mismatch: 1, status_mismatch: 1, channel_only: 1 });
    expect(report.discrepancies).toBe(5);
    const [dropped, amount, fee, status] = paidOut.map((id) => rowOf(report.rows, id)!);
    // 短款: the platform paid it out, the statement lacks it; the bank's own query says it was paid.
    expect(dropped).toMatchObject({ class: 'platform_only', platformAmount: 10_000, channelAmount: null, channelQuery: { status: 'succeeded' } });
    expect(amount).toMatchObject({ class: 'amount_mismatch', channelAmount: 10_001, platformAmount: 10_000 });
    expect(fee).toMatchObject({ class: 'fee_mismatch', channelFee: CHANNEL_PAYOUT_FEE.netbank! + 1, expectedFee: CHANNEL_PAYOUT_FEE.netbank });
    expect(status).toMatchObject({ class: 'status_mismatch', channelStatus: 'failed', platformStatus: 'SUCCEEDED', channelQuery: { status: 'succeeded' } });
    // 长款: a payout the platform never made, unknown to the bank's query as well.
    const extra = report.rows.find((r) => r.class === 'channel_only')!;
    expect(extra).toMatchObject({ kind: 'payout', orderId: null, platformAmount: null, channelAmount: 1000, channelQuery: { status: 'not_found' } });
    expect(rowOf(report.rows, paidOut[4]!)!.class).toBe('matched');
  });

  it("a tampered collections statement: a dropped payment, a payment billed 1 fen more, a payment nobody made, each checked at the bank's query", async () => {
    // The collections statement's tampers are its own: the first hits the day's first payment, the second the second.
    for (const kind of ['drop', 'amount', 'extra']) {
      const res = await fetch(`${env.runtime.url}/sandbox/channels/${CHANNEL}/bills/${today}/tamper?type=collection`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ type: 'collection', tampered: kind });
    }
    const report = await reconcile(today);
    const [first, second] = collected as [(typeof collected)[number], (typeof collected)[number]];
    const bankRows = report.rows.filter((r) => r.kind === 'payment' || r.kind === 'refund');
    expect(bankRows.map((r) => r.class).sort()).toEqual(['amount_mismatch', 'channel_only', 'matched', 'platform_only']);
    // 短款: the platform has the payment, the statement lacks it; the bank's own payment query says it was paid.
    expect(rowOf(report.rows, first.paymentId, 'payment')).toMatchObject({
      class: 'platform_only', orderId: first.orderId, platformAmount: 12_345, channelAmount: null, channelQuery: { status: 'succeeded', amount: 12_345 },
    });
    expect(rowOf(report.rows, second.paymentId, 'payment')).toMatchObject({ class: 'amount_mismatch', channelAmount: 8_801, platformAmount: 8_800 });
    // 长款: a payment the platform never took, unknown to the bank's query as well.
    expect(bankRows.find((r) => r.class === 'channel_only')).toMatchObject({
      kind: 'payment', orderId: null, platformAmount: null, channelAmount: 1000, channelQuery: { status: 'not_found' },
    });
    // The refund of the dropped payment is still on the statement, and the payout statement's tampers are unchanged.
    expect(report.rows.find((r) => r.kind === 'refund')).toMatchObject({ class: 'matched', refundId });
    expect(report.counts).toMatchObject({ matched: 4, platform_only: 2, amount_mismatch: 2, fee_mismatch: 1, status_mismatch: 1, channel_only: 2 });
    expect(report.discrepancies).toBe(8);
  });

  it('the statement files themselves: header, records in Beijing time, a trailer that adds up; the collections by their type', async () => {
    const res = await fetch(`${env.runtime.url}/sandbox/channels/${CHANNEL}/bills/${today}`);
    expect(res.status).toBe(200);
    const records = (await res.text()).trim().split('\r\n');
    expect(records[0]).toMatch(new RegExp(`^H\\|NBPAYOUT\\|1\\.0\\|[^|]*\\|${today.replaceAll('-', '')}$`));
    expect(records.filter((r) => r.startsWith('D|')).map((r) => r.split('|')[2])).toEqual(expect.arrayContaining(['PAYOUT', 'RETURN']));
    expect(records.at(-1)).toMatch(/^T\|\d+\|\d+\|\d+\|1\|10000\|\d+$/);
    const explicit = await fetch(`${env.runtime.url}/sandbox/channels/${CHANNEL}/bills/${today}?type=payout`);
    expect((await explicit.text()).trim().split('\r\n')).toEqual(records);

    const collections = await fetch(`${env.runtime.url}/sandbox/channels/${CHANNEL}/bills/${today}?type=collection`);
    expect(collections.status).toBe(200);
    const rows = (await collections.text()).trim().split('\r\n');
    expect(rows[0]).toMatch(new RegExp(`^H\\|NBCOLLECT\\|1\\.0\\|[^|]*\\|${today.replaceAll('-', '')}$`));
    // As tampered above: the second payment billed 1 fen more, the extra payment of 10.00, the refund of 5.00.
    expect(rows.slice(1, -1).map((r) => r.split('|').slice(2, 4).join('|'))).toEqual(
      expect.arrayContaining([`PAYMENT|${collected[1]!.paymentId}`, `REFUND|${collected[0]!.paymentId}`]),
    );
    expect(rows.at(-1)).toBe(`T|3|2|${8_801 + 1000}|1|500|${channelFee(CHANNEL, 8_800)}`);
    for (const type of ['statement', 'toString']) {
      expect((await fetch(`${env.runtime.url}/sandbox/channels/${CHANNEL}/bills/${today}?type=${type}`)).status).toBe(400);
    }
  });
});
