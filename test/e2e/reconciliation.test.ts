import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { channelDay } from '../../shared/reconciliation/bill.js';
import type { ReconciliationRow } from '../../shared/reconciliation/match.js';
import type { ReconciliationReport } from '../../shared/reconciliation/report.js';
import { useTestRuntime } from '../support/runtime.js';
import { eventually } from '../support/webhook-receiver.js';

/**
 * Reconciliation (对账) end to end: real payments and refunds through the local runtime over HTTP, the sandbox
 * channel's bill fetched over HTTP by the channel's adapter in its own format, matched against the platform's
 * records through the operations API (`POST /ops/v1/reconciliations`), a report stored under the data folder's
 * reports/ and read back; then the bill tampered with each kind and each discrepancy class seen.
 */

interface Format {
  readonly channel: string;
  /** One paid payment (and its order) through the API, as the channel takes it. */
  readonly pay: (env: Env) => Promise<{ orderId: string; paymentId: string }>;
}

type Env = ReturnType<typeof useTestRuntime>;

/** A wallet payment: the QR code's order paid by the sandbox payer, SUCCEEDED by the channel's notification. */
const walletPay = (channel: 'wechat_pay' | 'alipay') => async (env: Env) => {
  const order = await env.api.createOrder();
  const paid = await env.api.post(`/v1/orders/${order.id}/pay`, { method: channel });
  expect(paid.body.status).toBe('REQUIRES_ACTION');
  const complete = await fetch(`${env.runtime.url}/sandbox/channels/${channel}/payments/${paid.body.payment.channelPaymentId}/complete`, { method: 'POST' });
  expect(complete.status).toBeLessThan(300);
  await eventually(async () => (await env.api.get(`/v1/orders/${order.id}`)).body.status === 'SUCCEEDED', 20_000, `the ${channel} payment`);
  return { orderId: order.id as string, paymentId: paid.body.payment.id as string };
};

const FORMATS: readonly Format[] = [
  { channel: 'wechat_pay', pay: walletPay('wechat_pay') },
  { channel: 'alipay', pay: walletPay('alipay') },
  {
    channel: 'unionpay',
    pay: async (env) => {
      const order = await env.api.createOrder();
      const paid = await env.api.post(`/v1/orders/${order.id}/pay`, { method: 'unionpay', card: { number: '6200000000000005', expMonth: 12, expYear: 2030, cvc: '123' } });
      expect(paid.body).toMatchObject({ status: 'SUCCEEDED', payment: { channel: 'unionpay' } });
      return { orderId: order.id, paymentId: paid.body.payment.id };
    },
  },
  {
    channel: 'card_a',
    pay: async (env) => {
      const order = await env.api.createOrder();
      const paid = await env.api.pay(order.id);
      expect(paid.body).toMatchObject({ status: 'SUCCEEDED', payment: { channel: 'card_a' } });
      return { orderId: order.id, paymentId: paid.body.payment.id };
    },
  },
];

describe.each(FORMATS)('reconciliation of $channel', ({ channel, pay }) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pay-recon-'));
  const env = useTestRuntime({ retryTimeScale: 0.001, dataDir });
  const payments: { orderId: string; paymentId: string }[] = [];
  let refundId = '';
  let today = '';

  async function ops(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${env.runtime.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${env.runtime.opsToken}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }
  async function reconcile(date: string): Promise<ReconciliationReport> {
    const res = await ops('POST', '/ops/v1/reconciliations', { channel, date });
    expect(res.status).toBe(201);
    return res.body as ReconciliationReport;
  }
  /** `npm run ops` as an operator runs it: a separate process with the data folder's token. */
  function cli(args: readonly string[]): Promise<{ code: number; stdout: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'infra/local/ops-cli.ts', ...args],
        { env: { PATH: process.env.PATH ?? '', OPS_API_URL: env.runtime.url, OPS_TOKEN_FILE: join(dataDir, 'ops-token') } },
        (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
      );
    });
  }
  const rowOf = (rows: readonly ReconciliationRow[], id: string) => rows.filter((r) => r.paymentId === id && r.kind === 'payment');

  it('a clean day: every payment and the refund matched, no discrepancy, the report stored and read back', async () => {
    for (let i = 0; i < 5; i += 1) payments.push(await pay(env));
    const refund = await env.api.post(`/v1/orders/${payments[4]!.orderId}/refunds`, { outRefundNo: 'R-1', amount: 500 });
    expect(refund.status).toBe(201);
    refundId = refund.body.id;
    await eventually(async () => (await env.api.get(`/v1/refunds/${refundId}`)).body.status === 'SUCCEEDED', 20_000, 'the refund');
    today = channelDay(channel, new Date().toISOString());

    const report = await reconcile(today);
    expect(report).toMatchObject({ channel, date: today, billLines: 6, platformItems: 6, discrepancies: 0 });
    expect(report.counts).toMatchObject({ matched: 6, channel_only: 0, platform_only: 0, amount_mismatch: 0, status_mismatch: 0, fee_mismatch: 0 });
    expect(report.rows.find((r) => r.kind === 'refund')).toMatchObject({ class: 'matched', refundId, channelAmount: 500, platformAmount: 500 });
    const payment = rowOf(report.rows, payments[0]!.paymentId)[0]!;
    expect(payment).toMatchObject({ class: 'matched', channelAmount: 1999, platformAmount: 1999, orderId: payments[0]!.orderId });
    expect(payment.channelFee).toBe(payment.expectedFee);
    expect(payment.channelFee).toBeGreaterThan(0);

    expect(JSON.parse(readFileSync(join(dataDir, 'reports', report.reportKey), 'utf8'))).toEqual(report);
    const read = await ops('GET', `/ops/v1/reconciliations/${report.id}`);
    expect(read).toEqual({ status: 200, body: report });
    const list = await ops('GET', '/ops/v1/reconciliations?limit=5');
    expect(list.body.data.map((r: { id: string }) => r.id)).toContain(report.id);
    expect(list.body.data[0]).not.toHaveProperty('rows');
  });

  it('a tampered bill: each kind of tamper shows as its class, checked at the channel query first', async () => {
    // The n-th tamper hits the day's n-th payment line: drop the first, bill the second 1 fen more, charge the third
    // 1 fen more fee, bill the fourth as failed; and a payment the platform never made.
    for (const kind of ['drop', 'amount', 'fee', 'status', 'extra']) {
      const res = await fetch(`${env.runtime.url}/sandbox/channels/${channel}/bills/${today}/tamper`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind }),
      });
      expect(res.status).toBe(200);
    }
    const report = await reconcile(today);
    expect(report.counts).toMatchObject({ matched: 2, platform_only: 1, amount_mismatch: 1, fee_mismatch: 1, status_mismatch: 1, channel_only: 1 });
    expect(report.discrepancies).toBe(5);
    const [dropped, amount, fee, status] = payments.map((p) => rowOf(report.rows, p.paymentId)[0]!);
    // 短款: the platform has it, the bill lacks it; the channel's own query says it was paid.
    expect(dropped).toMatchObject({ class: 'platform_only', platformAmount: 1999, channelAmount: null, channelQuery: { status: 'succeeded' } });
    expect(amount).toMatchObject({ class: 'amount_mismatch', channelAmount: 2000, platformAmount: 1999 });
    expect(fee!.class).toBe('fee_mismatch');
    expect(fee!.channelFee).toBe(fee!.expectedFee! + 1);
    expect(status).toMatchObject({ class: 'status_mismatch', channelStatus: 'failed', platformStatus: 'SUCCEEDED', channelQuery: { status: 'succeeded' } });
    // 长款: a line the platform never made, unknown to the channel's query as well.
    const extra = report.rows.find((r) => r.class === 'channel_only')!;
    expect(extra).toMatchObject({ orderId: null, platformAmount: null, channelAmount: 1000, channelQuery: { status: 'not_found' } });
    expect(rowOf(report.rows, payments[4]!.paymentId)[0]!.class).toBe('matched');
    expect((await ops('GET', `/ops/v1/reconciliations/${report.id}`)).body.counts).toEqual(report.counts);
  });

  it('npm run ops -- reconcile / reconciliation: the same report as JSON on stdout; a bad date exits 1', async () => {
    const run = await cli(['reconcile', channel, today]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as ReconciliationReport;
    expect(report).toMatchObject({ channel, date: today, discrepancies: 5 });
    const shown = await cli(['reconciliation', report.id]);
    expect(JSON.parse(shown.stdout)).toEqual(report);
    expect((await cli(['reconcile', channel, '2026-02-30'])).code).toBe(1);
  });

  it('refuses an unknown channel, a malformed or future date and an unknown report with 4xx, storing nothing', async () => {
    const before = (await ops('GET', '/ops/v1/reconciliations?limit=100')).body.data.length;
    const refusals = [
      [{ channel: 'nope', date: today }, 'channel'],
      [{ channel, date: '2026-02-30' }, 'date'],
      [{ channel, date: '2999-01-01' }, 'date'],
      [{ channel, date: today, extra: 1 }, 'extra'],
    ] as const;
    for (const [body, param] of refusals) {
      const res = await ops('POST', '/ops/v1/reconciliations', body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ param });
      expect(res.body.error.requestId).toBeTruthy();
    }
    expect((await ops('GET', '/ops/v1/reconciliations?limit=100')).body.data.length).toBe(before);
    expect((await ops('GET', '/ops/v1/reconciliations/rec_00000000000000000000000000')).status).toBe(404);
    expect((await ops('GET', '/ops/v1/reconciliations/nope')).status).toBe(400);
    const badKind = await fetch(`${env.runtime.url}/sandbox/channels/${channel}/bills/${today}/tamper`, { method: 'POST', body: '{"kind":"rot"}' });
    expect(badKind.status).toBe(400);
    expect((await fetch(`${env.runtime.url}/sandbox/channels/${channel}/bills/2026-13-01`)).status).toBe(400);
    expect(existsSync(join(dataDir, 'reports', 'reconciliation', 'nope'))).toBe(false);
  });
});
