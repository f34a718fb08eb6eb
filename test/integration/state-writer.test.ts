import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../shared/domain/ids.js';
import { trialBalance, type LedgerEntry } from '../../shared/domain/ledger.js';
import type { Order } from '../../shared/domain/order.js';
import { createOrder, closeOrder } from '../../shared/services/orders.js';
import type { Deps } from '../../shared/services/deps.js';
import {
  claimForPayment,
  commitAttemptOutcome,
  failoverAttempt,
  OutcomeMismatchError,
  transitionOrder,
} from '../../shared/services/state-writer.js';
import { refundLateSuccess } from '../../shared/services/late-success.js';
import { PAYMENT_METRICS, setMetricSink, type MetricDocument } from '../../shared/metrics.js';
import { GatedChannel, serviceDeps, TEST_MERCHANT } from '../support/service-deps.js';

/**
 * The one writer of state against DynamoDB Local: the commit step every path (workflow, confirm, close, callback,
 * janitor) ends in, with the attempts as items and the pointers that lead a channel's answer back to them.
 */
const channel = new GatedChannel('card_a');
let deps: Deps;
let close: () => void;
let allEntries: () => Promise<LedgerEntry[]>;

beforeAll(async () => {
  const env = await serviceDeps([channel]);
  deps = env.deps;
  close = env.close;
  allEntries = async () => {
    const out: LedgerEntry[] = [];
    for await (const entry of deps.ledger.allEntries()) out.push(entry);
    return out;
  };
});
afterAll(() => close());

/** A CREATED order claimed for a new attempt, as pay leaves it before the workflow runs. */
async function claimed(amount = 1999): Promise<{ order: Order; paymentId: string }> {
  const order = await createOrder(deps, TEST_MERCHANT, {
    outTradeNo: `SW-${randomBytes(6).toString('hex')}`,
    amount,
    currency: 'CNY',
    subject: 'State writer',
    metadata: {},
    expiresInSeconds: 1800,
  } as never);
  const nowMs = deps.now();
  const paymentId = newId('pay', nowMs);
  const payment = {
    id: paymentId,
    method: 'card' as const,
    capture: true,
    channel: null,
    channelPaymentId: null,
    card: null,
    payerId: null,
    nextAction: null,
    fee: 0,
    riskDecision: null,
    otpFailures: 0,
    createdAt: new Date(nowMs).toISOString(),
  };
  expect(await claimForPayment(deps, { orderId: order.id, merchantId: order.merchantId, payment, nowMs })).toBe(true);
  return { order, paymentId };
}

const succeeded = (channelPaymentId: string, extra: { amount?: number; currency?: 'CNY' | 'USD' } = {}) =>
  ({ outcome: 'succeeded', channel: 'card_a', channelPaymentId, ...extra }) as const;

describe('commitAttemptOutcome', () => {
  it('commits order, attempt, pointer, ledger entry and event once; a duplicate outcome is a no-op', async () => {
    const { order, paymentId } = await claimed();
    const metrics: MetricDocument[] = [];
    setMetricSink((d) => metrics.push(d));
    const first = await commitAttemptOutcome(deps, { orderId: order.id, paymentId, outcome: succeeded('ch_1', { amount: 1999, currency: 'CNY' }), fees: { default: { bps: 60, fixed: 0 }, methods: {} } });
    expect(first.kind).toBe('committed');
    // Counted where every path (workflow, confirm, callback, janitor) ends: once, by channel.
    expect(metrics).toEqual([expect.objectContaining({ [PAYMENT_METRICS.succeeded]: 1, Service: 'payments', Channel: 'card_a', orderId: order.id })]);
    expect(first.order).toMatchObject({ status: 'SUCCEEDED', amountCaptured: 1999, payment: { id: paymentId, channelPaymentId: 'ch_1', fee: 12 } });
    expect(await deps.orders.listAttempts(order.id)).toMatchObject([
      { id: paymentId, status: 'SUCCEEDED', channel: 'card_a', channelPaymentId: 'ch_1', amount: 1999, currency: 'CNY', version: 1 },
    ]);
    expect(await deps.orders.findAttempt({ channel: 'card_a', channelPaymentId: 'ch_1' })).toEqual({ orderId: order.id, paymentId });

    const again = await commitAttemptOutcome(deps, { orderId: order.id, paymentId, outcome: succeeded('ch_1'), fees: { default: { bps: 60, fixed: 0 }, methods: {} } });
    expect(again.kind).toBe('duplicate');
    expect(metrics).toHaveLength(1);
    setMetricSink(undefined);
    expect(again.order.version).toBe(first.order.version);
    expect((await allEntries()).filter((e) => e.orderId === order.id)).toHaveLength(1);
  });

  it("a duplicate answers the order as the other writer's commit left it, when that commit lands between the writer's reads", async () => {
    // The pay's own answer and the channel's notice report the same success; the notice commits while the pay's
    // commit is between its two reads (a wallet debit whose notice is sent before its answer, on a busy machine).
    const { order, paymentId } = await claimed(900);
    const outcome = succeeded('ch_race', { amount: 900, currency: 'CNY' });
    let raced = false;
    const orders = new Proxy(deps.orders, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (prop !== 'getOrder' && prop !== 'getAttempt') return value.bind(target);
        return async (...args: unknown[]) => {
          const read = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (!raced) {
            raced = true;
            expect((await commitAttemptOutcome(deps, { orderId: order.id, paymentId, outcome })).kind).toBe('committed');
          }
          return read;
        };
      },
    });
    const answer = await commitAttemptOutcome({ ...deps, orders }, { orderId: order.id, paymentId, outcome });
    expect(raced).toBe(true);
    expect(answer.kind).toBe('duplicate');
    expect(answer.order).toMatchObject({ status: 'SUCCEEDED', amountCaptured: 900 });
    expect((await allEntries()).filter((e) => e.orderId === order.id)).toHaveLength(1);
  });

  it('refuses an amount or currency that differs from the attempt and writes nothing', async () => {
    const { order, paymentId } = await claimed(500);
    for (const wrong of [{ amount: 499 }, { currency: 'USD' as const }]) {
      await expect(
        commitAttemptOutcome(deps, { orderId: order.id, paymentId, outcome: succeeded('ch_m', wrong), fees: { default: { bps: 60, fixed: 0 }, methods: {} } }),
      ).rejects.toBeInstanceOf(OutcomeMismatchError);
    }
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'PROCESSING', version: 2 });
    expect(await deps.orders.listAttempts(order.id)).toEqual([]);
    expect(await deps.orders.findAttempt({ channel: 'card_a', channelPaymentId: 'ch_m' })).toBeUndefined();
  });

  it('a success for an order already CLOSED is a late success: recorded and booked, the order stays CLOSED', async () => {
    const { order, paymentId } = await claimed(700);
    // The channel challenged the attempt (as the pay workflow leaves a 3-D Secure card or a wallet's QR code).
    const current = (await deps.orders.getOrder(order.id))!;
    const payment = { ...current.payment!, nextAction: { type: 'otp' as const, url: 'https://x.invalid/otp' }, channel: 'card_a', channelPaymentId: 'ch_late' };
    expect(await transitionOrder(deps, { before: current, after: { ...current, status: 'REQUIRES_ACTION', version: current.version + 1, payment } })).toBe(true);
    const closed = await closeOrder(deps, TEST_MERCHANT.merchantId, order.id);
    expect(closed.status).toBe('CLOSED');
    expect((await deps.orders.getAttempt(order.id, paymentId))?.status).toBe('CANCELLED');
    const entriesBefore = (await allEntries()).length;
    const metrics: MetricDocument[] = [];
    setMetricSink((d) => metrics.push(d));
    const latePayments = () => metrics.filter((d) => d[PAYMENT_METRICS.latePayments] === 1);

    const late = await commitAttemptOutcome(deps, { orderId: order.id, paymentId, outcome: succeeded('ch_late', { amount: 700, currency: 'CNY' }) });
    // Operators see it: one LatePayments count, by channel (alarmed at one).
    expect(latePayments()).toEqual([expect.objectContaining({ Service: 'payments', Channel: 'card_a', orderId: order.id, paymentId })]);
    expect(late.kind).toBe('late_success');
    expect(late.order.status).toBe('CLOSED');
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'CLOSED', version: closed.version, amountCaptured: 0 });
    expect(await deps.orders.getAttempt(order.id, paymentId)).toMatchObject({ status: 'SUCCEEDED', lateSuccess: true });
    const booked = (await allEntries()).filter((e) => e.orderId === order.id);
    expect(booked).toHaveLength(1);
    expect(booked[0]).toMatchObject({ kind: 'late_payment', channel: 'card_a' });
    expect(trialBalance(booked)[0]!.unbalancedEntries).toEqual([]);
    expect((await allEntries()).length).toBe(entriesBefore + 1);
    // The same callback again changes nothing.
    expect((await commitAttemptOutcome(deps, { orderId: order.id, paymentId, outcome: succeeded('ch_late') })).kind).toBe('duplicate');
    expect((await allEntries()).length).toBe(entriesBefore + 1);
    expect(latePayments()).toHaveLength(1);
    setMetricSink(undefined);

    // The caller refunds it at the channel, under the refund id chosen with the late success; once, however often.
    const refundId = late.attempt.lateRefund!.id;
    expect(late.attempt.lateRefund).toMatchObject({ status: 'PENDING', id: expect.stringMatching(/^rf_/) });
    const refunded = await refundLateSuccess(deps, late.attempt);
    expect(refunded.lateRefund).toMatchObject({ id: refundId, status: 'SUCCEEDED', channelRefundId: `card_a_${refundId}` });
    expect(await refundLateSuccess(deps, (await deps.orders.getAttempt(order.id, paymentId))!)).toMatchObject({ version: refunded.version });
    expect(channel.calls.filter((c) => c.kind === 'refund' && c.paymentId === paymentId)).toHaveLength(1);
    const afterRefund = (await allEntries()).filter((e) => e.orderId === order.id);
    expect(afterRefund.map((e) => e.kind).sort()).toEqual(['late_payment', 'late_refund']);
    // What was owed to the payer is paid back: the late-payments account nets to zero, the books balance.
    const owed = afterRefund.flatMap((e) => e.lines).filter((l) => l.account === 'platform:late_payments:card_a');
    expect(owed.reduce((sum, l) => sum + (l.direction === 'credit' ? l.amount : -l.amount), 0)).toBe(0);
    expect(trialBalance(afterRefund)[0]).toMatchObject({ unbalancedEntries: [], debits: 1400, credits: 1400 });
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'CLOSED', amountCaptured: 0 });
  });

  it('failover keeps the cancelled attempt and makes a new one current; the decline then ends only the new one', async () => {
    const { order, paymentId } = await claimed(300);
    const next = newId('pay');
    const moved = await failoverAttempt(deps, { orderId: order.id, fromPaymentId: paymentId, toPaymentId: next, channel: 'card_a' });
    expect(moved).toMatchObject({ status: 'PROCESSING', payment: { id: next, channel: null } });
    // A retried failover step finds the order already on the new attempt.
    expect((await failoverAttempt(deps, { orderId: order.id, fromPaymentId: paymentId, toPaymentId: next, channel: 'card_a' })).version).toBe(moved.version);
    const declined = await commitAttemptOutcome(deps, {
      orderId: order.id,
      paymentId: next,
      outcome: { outcome: 'declined', channel: null, channelPaymentId: null, code: 'no_channel_available', message: 'none' },
      fees: { default: { bps: 60, fixed: 0 }, methods: {} },
    });
    expect(declined.order).toMatchObject({ status: 'CREATED', lastPaymentError: { code: 'no_channel_available', paymentId: next } });
    const attempts = await deps.orders.listAttempts(order.id);
    expect(attempts.map((a) => [a.id, a.status, a.channel])).toEqual(
      [[paymentId, 'CANCELLED', 'card_a'], [next, 'FAILED', null]].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    // A late "failed" for the cancelled attempt changes nothing.
    const stale = await commitAttemptOutcome(deps, {
      orderId: order.id,
      paymentId,
      outcome: { outcome: 'declined', channel: 'card_a', channelPaymentId: null, code: 'card_declined', message: 'x' },
    });
    expect(stale.kind).toBe('duplicate');
  });

  it('refuses a transition the state table does not allow, and writes nothing', async () => {
    const { order } = await claimed(100);
    const stored = (await deps.orders.getOrder(order.id))!;
    await expect(transitionOrder(deps, { before: stored, after: { ...stored, status: 'REFUNDED', version: stored.version + 1 } }))
      .rejects.toMatchObject({ code: 'invalid_state_transition' });
    expect((await deps.orders.getOrder(order.id))?.version).toBe(stored.version);
  });
});
