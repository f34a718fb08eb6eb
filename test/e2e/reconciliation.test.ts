import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoReconciliationStore } from '../../shared/adapters/dynamodb/reconciliation-store.js';
import { FileObjectStore } from '../../shared/adapters/local/file-object-store.js';
import { channelDay } from '../../shared/reconciliation/bill.js';
import type { ReconciliationRow } from '../../shared/reconciliation/match.js';
import { getReconciliation, listReconciliations, runReconciliation, type ReconciliationDeps } from '../../shared/services/reconciliation.js';
import { useTestRuntime } from '../support/runtime.js';
import { eventually } from '../support/webhook-receiver.js';

/**
 * Reconciliation (对账) end to end: real payments and refunds through the local runtime over HTTP, the sandbox
 * channel's bill fetched over HTTP by the channel's adapter in its own format, matched against the platform's
 * records, a report stored and read back; then the bill tampered with each kind and each discrepancy class seen.
 */

interface Format {
  readonly channel: string;
  /** One paid payment (and its order) through the API, as the channel takes it. */
  readonly pay: (env: Env) => Promise<{ orderId: string; paymentId: string }>;
}

type Env = ReturnType<typeof useTestRuntime>;

const FORMATS: readonly Format[] = [
  {
    channel: 'wechat_pay',
    pay: async (env) => {
      const order = await env.api.createOrder();
      const paid = await env.api.post(`/v1/orders/${order.id}/pay`, { method: 'wechat_pay' });
      expect(paid.body.status).toBe('REQUIRES_ACTION');
      const complete = await fetch(`${env.runtime.url}/sandbox/channels/wechat_pay/payments/${paid.body.payment.channelPaymentId}/complete`, { method: 'POST' });
      expect(complete.status).toBeLessThan(300);
      await eventually(async () => (await env.api.get(`/v1/orders/${order.id}`)).body.status === 'SUCCEEDED', 20_000, 'the WeChat payment');
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
  const env = useTestRuntime({ retryTimeScale: 0.001 });
  const reportsDir = mkdtempSync(join(tmpdir(), 'pay-reports-'));
  let deps: ReconciliationDeps;
  const payments: { orderId: string; paymentId: string }[] = [];
  let refundId = '';
  let today = '';

  let client: ReturnType<typeof createDocumentClient> | undefined;
  afterAll(() => client?.destroy());

  const depsOf = (): ReconciliationDeps => {
    client = createDocumentClient({ endpoint: env.runtime.dynamoEndpoint, region: 'local' });
    return {
      channels: env.runtime.deps.channels,
      orders: env.runtime.deps.orders,
      runs: new DynamoReconciliationStore(client, env.runtime.config.TABLE_NAME),
      reports: new FileObjectStore(reportsDir),
      now: () => Date.now(),
    };
  };
  const rowOf = (rows: readonly ReconciliationRow[], id: string) => rows.filter((r) => r.paymentId === id && r.kind === 'payment');

  it('a clean day: every payment and the refund matched, no discrepancy, the report stored and read back', async () => {
    deps = depsOf();
    for (let i = 0; i < 5; i += 1) payments.push(await pay(env));
    const refund = await env.api.post(`/v1/orders/${payments[4]!.orderId}/refunds`, { outRefundNo: 'R-1', amount: 500 });
    expect(refund.status).toBe(201);
    refundId = refund.body.id;
    await eventually(async () => (await env.api.get(`/v1/refunds/${refundId}`)).body.status === 'SUCCEEDED', 20_000, 'the refund');
    today = channelDay(channel, new Date().toISOString());

    const report = await runReconciliation(deps, { channel, date: today });
    expect(report).toMatchObject({ channel, date: today, billLines: 6, platformItems: 6, discrepancies: 0 });
    expect(report.counts).toMatchObject({ matched: 6, channel_only: 0, platform_only: 0, amount_mismatch: 0, status_mismatch: 0, fee_mismatch: 0 });
    expect(report.rows.find((r) => r.kind === 'refund')).toMatchObject({ class: 'matched', refundId, channelAmount: 500, platformAmount: 500 });
    const payment = rowOf(report.rows, payments[0]!.paymentId)[0]!;
    expect(payment).toMatchObject({ class: 'matched', channelAmount: 1999, platformAmount: 1999, orderId: payments[0]!.orderId });
    expect(payment.channelFee).toBe(payment.expectedFee);
    expect(payment.channelFee).toBeGreaterThan(0);

    const read = await getReconciliation(deps, report.id);
    expect(read).toEqual(JSON.parse(JSON.stringify(report)));
    expect((await listReconciliations(deps)).map((r) => r.id)).toContain(report.id);
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
    const report = await runReconciliation(deps, { channel, date: today });
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
    expect((await getReconciliation(deps, report.id)).counts).toEqual(report.counts);
  });

  it('refuses a channel without a bill, an unknown channel and a malformed or future date with 400', async () => {
    await expect(runReconciliation(deps, { channel: 'nope', date: today })).rejects.toMatchObject({ statusCode: 400, param: 'channel' });
    await expect(runReconciliation(deps, { channel, date: '2026-02-30' })).rejects.toMatchObject({ statusCode: 400, param: 'date' });
    await expect(runReconciliation(deps, { channel, date: '2999-01-01' })).rejects.toMatchObject({ statusCode: 400, param: 'date' });
    await expect(getReconciliation(deps, 'rec_00000000000000000000000000')).rejects.toMatchObject({ statusCode: 404 });
    const badKind = await fetch(`${env.runtime.url}/sandbox/channels/${channel}/bills/${today}/tamper`, { method: 'POST', body: '{"kind":"rot"}' });
    expect(badKind.status).toBe(400);
    expect((await fetch(`${env.runtime.url}/sandbox/channels/${channel}/bills/2026-13-01`)).status).toBe(400);
  });
});
