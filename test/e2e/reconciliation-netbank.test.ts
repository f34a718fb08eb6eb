import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHANNEL_PAYOUT_FEE, channelDay } from '../../shared/reconciliation/bill.js';
import type { ReconciliationRow } from '../../shared/reconciliation/match.js';
import type { ReconciliationReport } from '../../shared/reconciliation/report.js';
import { createMerchant } from '../../shared/services/merchants.js';
import { runSettlement } from '../../shared/services/settlement.js';
import { useTestRuntime } from '../support/runtime.js';
import { eventually } from '../support/webhook-receiver.js';

/**
 * The netbank payout statement end to end (docs/decisions.md, 190): real payouts through the API to the sandbox
 * bank's payout desk (paid, paid then returned, failed), the bank's statement fetched over HTTP by the netbank
 * adapter and read by its parser, matched against the platform's payouts and returns through the operations API;
 * then the statement tampered with each kind and each discrepancy class seen, every unmatched item checked at the
 * bank's payout query first (auto-resolution).
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
let returned = '';
let failed = '';
let today = '';
const rowOf = (rows: readonly ReconciliationRow[], id: string, kind: ReconciliationRow['kind'] = 'payout') => rows.find((r) => r.paymentId === id && r.kind === kind);

describe('reconciliation of the netbank payout statement', () => {
  it('a clean day: every payout, the returned one and its return matched; the failed one expected on no statement', async () => {
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
    const statusOf = async (id: string) => (await api.get(`/v1/payouts/${id}`)).body.status as string;
    await eventually(async () => (await Promise.all(paidOut.map(statusOf))).every((s) => s === 'SUCCEEDED'), 60_000, 'the payouts paid');
    await eventually(async () => (await statusOf(returned)) === 'RETURNED', 60_000, 'the returned payout');
    await eventually(async () => (await statusOf(failed)) === 'FAILED', 60_000, 'the failed payout');
    today = channelDay(CHANNEL, new Date().toISOString());

    const report = await reconcile(today);
    // Seven payouts (the failed one too) and one return on the platform's side; six payouts and one return billed.
    expect(report).toMatchObject({ channel: CHANNEL, date: today, billLines: 7, platformItems: 8, discrepancies: 0 });
    expect(report.counts).toMatchObject({ matched: 7, channel_only: 0, platform_only: 0, amount_mismatch: 0, status_mismatch: 0, fee_mismatch: 0 });
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
    expect(report.counts).toMatchObject({ matched: 3, platform_only: 1, amount_mismatch: 1, fee_mismatch: 1, status_mismatch: 1, channel_only: 1 });
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

  it('the statement file itself: header, PAYOUT and RETURN records in Beijing time, a trailer that adds up', async () => {
    const res = await fetch(`${env.runtime.url}/sandbox/channels/${CHANNEL}/bills/${today}`);
    expect(res.status).toBe(200);
    const records = (await res.text()).trim().split('\r\n');
    expect(records[0]).toMatch(new RegExp(`^H\\|NBPAYOUT\\|1\\.0\\|[^|]*\\|${today.replaceAll('-', '')}$`));
    expect(records.filter((r) => r.startsWith('D|')).map((r) => r.split('|')[2])).toEqual(expect.arrayContaining(['PAYOUT', 'RETURN']));
    expect(records.at(-1)).toMatch(/^T\|\d+\|\d+\|\d+\|1\|10000\|\d+$/);
  });
});
