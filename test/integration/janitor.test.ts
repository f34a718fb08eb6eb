import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoEventStore } from '../../shared/adapters/dynamodb/event-store.js';
import type { Order, Refund } from '../../shared/domain/order.js';
import type { ChannelAdapter, ChannelPaymentState, ChannelRefundState, CloseResult, PaymentRef } from '../../shared/ports/channel-flows.js';
import { ChannelTimeoutError } from '../../shared/ports/payment-channel.js';
import type { Deps } from '../../shared/services/deps.js';
import { handleOrderExpiry, handlePaymentQuery, handleRefundQuery, handleSweep } from '../../shared/services/janitor.js';
import { JANITOR_METRICS, setMetricSink, type MetricDocument } from '../../shared/metrics.js';
import {
  orderExpireKey,
  paymentQueryKey,
  refundQueryKey,
  scheduleOrderExpiry,
  schedulePaymentQuery,
  scheduleRefundQuery,
  scheduleSweep,
  sweepKey,
  SWEEP_INTERVAL_SECONDS,
} from '../../shared/services/janitor-timers.js';
import { claimWithAttempt, commitAttemptOutcome } from '../../shared/services/state-writer.js';
import { createRefund } from '../../shared/services/refunds.js';
import type { MemoryTimers } from '../support/memory-timers.js';
import { TEST_MERCHANT, seedChallengedOrder, serviceDeps } from '../support/service-deps.js';

/**
 * The janitor's handlers over the real DynamoDB adapters, with a channel whose next answers each test scripts: what
 * a query, a close and a refund query do to the stored objects, and that anything short of an answer is asked again
 * on the backoff schedule instead of being guessed.
 */
type Answer<T> = T | 'timeout';
class ScriptedChannel implements ChannelAdapter {
  readonly id = 'scripted';
  query: Answer<ChannelPaymentState['status']>[] = [];
  closes: Answer<CloseResult['outcome']>[] = [];
  refundQueries: Answer<ChannelRefundState['status']>[] = [];
  readonly calls: string[] = [];

  private next<T>(answers: Answer<T>[], what: string): T {
    const answer = answers.shift();
    if (answer === undefined) throw new Error(`no scripted answer for ${what}`);
    if (answer === 'timeout') throw new ChannelTimeoutError(this.id);
    return answer;
  }

  async queryPayment(ref: PaymentRef): Promise<ChannelPaymentState> {
    this.calls.push(`query:${ref.paymentId}`);
    return { status: this.next(this.query, 'query'), paymentId: ref.paymentId, channelPaymentId: ref.channelPaymentId };
  }

  async closePayment(ref: PaymentRef): Promise<CloseResult> {
    this.calls.push(`close:${ref.paymentId}`);
    const outcome = this.next(this.closes, 'close');
    if (outcome === 'closed') return { outcome };
    return { outcome, state: { status: 'succeeded', paymentId: ref.paymentId, channelPaymentId: ref.channelPaymentId } };
  }

  refunds: Answer<ChannelRefundState['status']>[] = [];

  async refund(request: { refundId: string }): Promise<ChannelRefundState> {
    this.calls.push(`refund:${request.refundId}`);
    return { status: this.next(this.refunds, 'refund'), refundId: request.refundId, channelRefundId: 'scripted_rf_0' };
  }

  async queryRefund(request: { refundId: string }): Promise<ChannelRefundState> {
    this.calls.push(`queryRefund:${request.refundId}`);
    return { status: this.next(this.refundQueries, 'refund query'), refundId: request.refundId, channelRefundId: 'scripted_rf_1', code: 'refund_declined' };
  }
}

const channel = new ScriptedChannel();
let deps: Deps;
let timers: MemoryTimers;
let events: DynamoEventStore;
let close: () => void;

beforeAll(async () => {
  ({ deps, timers, events, close } = await serviceDeps([channel]));
  await deps.merchants.create(TEST_MERCHANT);
});
afterAll(() => close());

const eventTypes = async (orderId: string) => (await events.listEventsOfOrder(orderId)).map((e) => e.type).sort();

/** A challenged order whose confirm claimed it PROCESSING and then lost the channel's answer. */
async function processingOrder(): Promise<Order> {
  const order = await seedChallengedOrder(deps, channel.id);
  const claimed: Order = { ...order, status: 'PROCESSING', version: order.version + 1 };
  expect(await claimWithAttempt(deps, order, claimed)).toBe(true);
  await schedulePaymentQuery(deps, { orderId: order.id, paymentId: order.payment!.id }, deps.now());
  return claimed;
}

/** Fires the pending timer of `key` (the timer queue's delivery), bracketing the call with the clock. */
async function fire(key: string, handle: typeof handlePaymentQuery): Promise<{ before: number; after: number }> {
  const timer = timers.take(key);
  const before = Date.now();
  await handle(deps, timer);
  return { before, after: Date.now() };
}

const base = () => deps.janitorAfterSeconds * 1000;

describe('payment.query', () => {
  it('a channel that does not answer, then answers pending, is asked again on the ×5 backoff; its success then commits', async () => {
    const order = await processingOrder();
    const key = paymentQueryKey(order.payment!.id);
    expect(timers.pending.get(key)?.payload.step).toBe(0);

    channel.query.push('timeout');
    const first = await fire(key, handlePaymentQuery);
    expect((await deps.orders.getOrder(order.id))?.status).toBe('PROCESSING');
    const second = timers.pending.get(key)!;
    expect(second.payload.step).toBe(1);
    expect(second.dueAtMs).toBeGreaterThanOrEqual(first.before + 5 * base());
    expect(second.dueAtMs).toBeLessThanOrEqual(first.after + 5 * base());

    channel.query.push('pending');
    const secondRun = await fire(key, handlePaymentQuery);
    expect((await deps.orders.getOrder(order.id))?.status).toBe('PROCESSING');
    const third = timers.pending.get(key)!;
    expect(third.payload.step).toBe(2);
    expect(third.dueAtMs).toBeGreaterThanOrEqual(secondRun.before + 25 * base());

    channel.query.push('succeeded');
    await fire(key, handlePaymentQuery);
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'SUCCEEDED', amountCaptured: order.amount });
    expect(await eventTypes(order.id)).toEqual(['order.succeeded']);
    expect(timers.pending.has(key)).toBe(false);

    // A redelivered timer finds the attempt final and neither asks the channel nor writes.
    const calls = channel.calls.length;
    await handlePaymentQuery(deps, second);
    expect(channel.calls.length).toBe(calls);
    expect((await deps.orders.getOrder(order.id))?.version).toBe(order.version + 1);
  });

  it('a channel reporting the payment failed releases the order to CREATED with lastPaymentError', async () => {
    const order = await processingOrder();
    channel.query.push('failed');
    await fire(paymentQueryKey(order.payment!.id), handlePaymentQuery);
    const stored = await deps.orders.getOrder(order.id);
    expect(stored).toMatchObject({ status: 'CREATED', lastPaymentError: { paymentId: order.payment!.id } });
    expect(await eventTypes(order.id)).toEqual(['order.payment_failed']);
  });

  it('nothing at the channel: the payment is closed there first; a close that finds it paid commits the success instead', async () => {
    const order = await processingOrder();
    channel.query.push('not_found');
    channel.closes.push('already_paid');
    await fire(paymentQueryKey(order.payment!.id), handlePaymentQuery);
    expect((await deps.orders.getOrder(order.id))?.status).toBe('SUCCEEDED');
    expect(channel.calls.slice(-2)).toEqual([`query:${order.payment!.id}`, `close:${order.payment!.id}`]);
  });

  it('nothing at the channel and a close that does not answer: nothing is decided, the query comes again', async () => {
    const order = await processingOrder();
    channel.query.push('not_found');
    channel.closes.push('timeout');
    await fire(paymentQueryKey(order.payment!.id), handlePaymentQuery);
    expect((await deps.orders.getOrder(order.id))?.status).toBe('PROCESSING');
    expect(timers.pending.get(paymentQueryKey(order.payment!.id))?.payload.step).toBe(1);
  });
});

describe('payment.query of a payment waiting for the payer', () => {
  it('finds a success whose callback was lost; a payment the channel does not know is left to the expiry', async () => {
    const paid = await seedChallengedOrder(deps, channel.id);
    await schedulePaymentQuery(deps, { orderId: paid.id, paymentId: paid.payment!.id }, deps.now());
    channel.query.push('succeeded');
    await fire(paymentQueryKey(paid.payment!.id), handlePaymentQuery);
    expect((await deps.orders.getOrder(paid.id))?.status).toBe('SUCCEEDED');

    const unknown = await seedChallengedOrder(deps, channel.id);
    await schedulePaymentQuery(deps, { orderId: unknown.id, paymentId: unknown.payment!.id }, deps.now());
    channel.query.push('not_found');
    const calls = channel.calls.length;
    await fire(paymentQueryKey(unknown.payment!.id), handlePaymentQuery);
    expect((await deps.orders.getOrder(unknown.id))?.status).toBe('REQUIRES_ACTION');
    expect(channel.calls.slice(calls)).toEqual([`query:${unknown.payment!.id}`]); // no close: the expiry does that
    expect(timers.pending.get(paymentQueryKey(unknown.payment!.id))?.payload.step).toBe(1);
  });
});

describe('order.expire', () => {
  /** A challenged order whose expiry has passed (stored with expiresAt in the past). */
  async function expiredChallenge(): Promise<Order> {
    const seeded = await seedChallengedOrder(deps, channel.id);
    const expired: Order = { ...seeded, expiresAt: new Date(deps.now() - 1000).toISOString(), version: seeded.version + 1 };
    await commitAttemptOutcome(deps, {
      orderId: seeded.id,
      paymentId: seeded.payment!.id,
      outcome: { outcome: 'requires_action', channel: channel.id, channelPaymentId: seeded.payment!.channelPaymentId!, nextAction: seeded.payment!.nextAction! },
    });
    await deps.orders.commit({ order: { after: expired, expect: { status: seeded.status, version: seeded.version } } });
    await scheduleOrderExpiry(deps, expired);
    return expired;
  }

  it('a channel that does not confirm the close keeps the order from reading CLOSED, and the close is tried again', async () => {
    const order = await expiredChallenge();
    const key = orderExpireKey(order.id);
    channel.closes.push('timeout');
    await fire(key, handleOrderExpiry);
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'PROCESSING', closeReason: 'expired' });
    expect(timers.pending.get(key)?.payload.step).toBe(1);

    channel.closes.push('closed');
    await fire(key, handleOrderExpiry);
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'CLOSED', closeReason: 'expired', closedAt: order.expiresAt });
    expect((await deps.orders.getAttempt(order.id, order.payment!.id))?.status).toBe('CANCELLED');
    expect(await eventTypes(order.id)).toEqual(['order.closed']);
  });

  it('a payer who paid before the close reached the channel: the order ends SUCCEEDED, not CLOSED', async () => {
    const order = await expiredChallenge();
    channel.closes.push('already_paid');
    await fire(orderExpireKey(order.id), handleOrderExpiry);
    expect((await deps.orders.getOrder(order.id))?.status).toBe('SUCCEEDED');
    expect(await eventTypes(order.id)).toEqual(['order.succeeded']);
  });

  it('an order not yet expired (a timer that fired early) is left alone and its expiry set again', async () => {
    const order = await seedChallengedOrder(deps, channel.id);
    await scheduleOrderExpiry(deps, order);
    const calls = channel.calls.length;
    await fire(orderExpireKey(order.id), handleOrderExpiry);
    expect((await deps.orders.getOrder(order.id))?.status).toBe('REQUIRES_ACTION');
    expect(channel.calls.length).toBe(calls);
    expect(timers.pending.get(orderExpireKey(order.id))?.dueAtMs).toBe(Date.parse(order.expiresAt));
  });
});

describe('order.expire of a payment still in flight (its pay died after the channel\'s create)', () => {
  /** A PROCESSING order (claimed, channel called, answer never stored) whose expiry passed `agoMs` ago. */
  async function inFlightExpired(agoMs: number): Promise<Order> {
    const claimed = await processingOrder();
    const expired: Order = { ...claimed, expiresAt: new Date(deps.now() - agoMs).toISOString(), version: claimed.version + 1 };
    await deps.orders.commit({ order: { after: expired, expect: { status: claimed.status, version: claimed.version } } });
    await scheduleOrderExpiry(deps, expired);
    return expired;
  }

  it('a channel still waiting for the payer is closed there and the order CLOSED as expired (order.closed)', async () => {
    const order = await inFlightExpired(base() + 1000);
    channel.query.push('pending');
    channel.closes.push('closed');
    const calls = channel.calls.length;
    await fire(orderExpireKey(order.id), handleOrderExpiry);
    expect(channel.calls.slice(calls)).toEqual([`query:${order.payment!.id}`, `close:${order.payment!.id}`]);
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'CLOSED', closeReason: 'expired', closedAt: order.expiresAt });
    expect((await deps.orders.getAttempt(order.id, order.payment!.id))?.status).toBe('CANCELLED');
    expect(await eventTypes(order.id)).toEqual(['order.closed']);
  });

  it('a close the channel answers "already paid" ends SUCCEEDED; a close with no answer leaves it claimed and asks again', async () => {
    const paid = await inFlightExpired(base() + 1000);
    channel.query.push('pending');
    channel.closes.push('already_paid');
    await fire(orderExpireKey(paid.id), handleOrderExpiry);
    expect((await deps.orders.getOrder(paid.id))?.status).toBe('SUCCEEDED');
    expect(await eventTypes(paid.id)).toEqual(['order.succeeded']);

    const silent = await inFlightExpired(base() + 1000);
    channel.query.push('pending');
    channel.closes.push('timeout');
    await fire(orderExpireKey(silent.id), handleOrderExpiry);
    expect(await deps.orders.getOrder(silent.id)).toMatchObject({ status: 'PROCESSING', closeReason: 'expired' });
    expect(timers.pending.get(orderExpireKey(silent.id))?.payload.step).toBe(1);
    channel.closes.push('closed');
    await fire(orderExpireKey(silent.id), handleOrderExpiry);
    expect(await deps.orders.getOrder(silent.id)).toMatchObject({ status: 'CLOSED', closeReason: 'expired' });
  });

  it('nothing at the channel: the attempt is ended there and failed, then the unpaid order is closed as expired', async () => {
    const order = await inFlightExpired(base() + 1000);
    channel.query.push('not_found');
    channel.closes.push('closed');
    await fire(orderExpireKey(order.id), handleOrderExpiry);
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'CLOSED', closeReason: 'expired', lastPaymentError: { paymentId: order.payment!.id } });
    expect(await eventTypes(order.id)).toEqual(['order.closed', 'order.payment_failed']);
  });

  it('the payment\'s own query past the expiry closes it too, instead of asking again on its backoff', async () => {
    const order = await inFlightExpired(base() + 1000);
    channel.query.push('pending');
    channel.closes.push('closed');
    await fire(paymentQueryKey(order.payment!.id), handlePaymentQuery);
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'CLOSED', closeReason: 'expired' });
  });

  it('a pay in its last instant gets the janitor\'s first window: no channel call, the expiry set again for then', async () => {
    const order = await inFlightExpired(1000);
    const calls = channel.calls.length;
    await fire(orderExpireKey(order.id), handleOrderExpiry);
    expect(channel.calls.length).toBe(calls);
    expect((await deps.orders.getOrder(order.id))?.status).toBe('PROCESSING');
    expect(timers.pending.get(orderExpireKey(order.id))?.dueAtMs).toBe(Date.parse(order.expiresAt) + base());
  });
});

describe('refund.query', () => {
  async function processingRefund(): Promise<{ order: Order; refund: Refund }> {
    const challenged = await processingOrder();
    channel.query.push('succeeded');
    await fire(paymentQueryKey(challenged.payment!.id), handlePaymentQuery);
    const order = (await deps.orders.getOrder(challenged.id))!;
    const now = new Date(deps.now()).toISOString();
    const refund: Refund = {
      id: `rf_${order.id.slice(4)}`,
      orderId: order.id,
      merchantId: order.merchantId,
      outRefundNo: 'R-1',
      amount: 500,
      currency: order.currency,
      status: 'PROCESSING',
      reason: null,
      channel: channel.id,
      channelRefundId: null,
      failureCode: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    expect(await deps.orders.reserveRefund(refund)).toBe('reserved');
    await scheduleRefundQuery(deps, refund, deps.now());
    return { order, refund };
  }

  it('processing is asked again; a failed refund is FAILED with its reservation released (refund.failed)', async () => {
    const { order, refund } = await processingRefund();
    expect((await deps.orders.getOrder(order.id))?.refundableRemaining).toBe(order.amount - 500);
    channel.refundQueries.push('processing');
    await fire(refundQueryKey(refund.id), handleRefundQuery);
    expect((await deps.orders.getRefund(refund.id))?.status).toBe('PROCESSING');
    expect(timers.pending.get(refundQueryKey(refund.id))?.payload.step).toBe(1);

    channel.refundQueries.push('failed');
    await fire(refundQueryKey(refund.id), handleRefundQuery);
    expect(await deps.orders.getRefund(refund.id)).toMatchObject({ status: 'FAILED', failureCode: 'refund_declined' });
    expect((await deps.orders.getOrder(order.id))?.refundableRemaining).toBe(order.amount);
    expect(await eventTypes(order.id)).toEqual(['order.succeeded', 'refund.failed']);
  });

  it('a refund whose process dies right after its reservation already has its query pending', async () => {
    const challenged = await processingOrder();
    channel.query.push('succeeded');
    await fire(paymentQueryKey(challenged.payment!.id), handlePaymentQuery);
    const dying: Deps = {
      ...deps,
      orders: new Proxy(deps.orders, {
        get: (target, name, receiver) =>
          name === 'reserveRefund'
            ? async (refund: Refund) => {
                await target.reserveRefund(refund);
                throw new Error('the process died after the reservation');
              }
            : Reflect.get(target, name, receiver),
      }),
    };
    await expect(createRefund(dying, TEST_MERCHANT, challenged.id, { outRefundNo: 'R-crash', amount: 300 })).rejects.toThrow(/died/);
    const refund = (await deps.orders.findRefundByOutRefundNo(challenged.id, 'R-crash'))!;
    expect(refund.status).toBe('PROCESSING');
    expect(timers.pending.get(refundQueryKey(refund.id))?.payload).toMatchObject({ refundId: refund.id, step: 0 });
  });

  it('a refund whose process dies after the channel answered, before its commit, still has its query pending', async () => {
    const paid = await processingOrder();
    channel.query.push('succeeded');
    await fire(paymentQueryKey(paid.payment!.id), handlePaymentQuery);
    const dying: Deps = {
      ...deps,
      orders: new Proxy(deps.orders, {
        get: (target, name, receiver) =>
          name === 'commit'
            ? async () => {
                throw new Error('the process died before the commit');
              }
            : Reflect.get(target, name, receiver),
      }),
    };
    channel.refunds.push('succeeded');
    await expect(createRefund(dying, TEST_MERCHANT, paid.id, { outRefundNo: 'R-answered', amount: 300 })).rejects.toThrow(/died/);
    const refund = (await deps.orders.findRefundByOutRefundNo(paid.id, 'R-answered'))!;
    expect(refund.status).toBe('PROCESSING');
    expect(timers.pending.get(refundQueryKey(refund.id))?.payload).toMatchObject({ refundId: refund.id, step: 0 });
    channel.refundQueries.push('succeeded');
    await fire(refundQueryKey(refund.id), handleRefundQuery);
    expect((await deps.orders.getRefund(refund.id))?.status).toBe('SUCCEEDED');
  });

  it('a refund the channel finished is SUCCEEDED (refund.succeeded)', async () => {
    const { order, refund } = await processingRefund();
    channel.refundQueries.push('succeeded');
    await fire(refundQueryKey(refund.id), handleRefundQuery);
    expect(await deps.orders.getRefund(refund.id)).toMatchObject({ status: 'SUCCEEDED', channelRefundId: 'scripted_rf_1' });
    expect((await deps.orders.getOrder(order.id))?.amountRefunded).toBe(500);
    expect(await eventTypes(order.id)).toEqual(['order.succeeded', 'refund.succeeded']);
  });
});

describe('janitor.sweep', () => {
  it('re-arms the lost query of a stale PROCESSING order, reports the oldest one\'s age, and arms the next sweep', async () => {
    const order = await processingOrder();
    const key = paymentQueryKey(order.payment!.id);
    timers.take(key); // the per-object timer is lost (parked in its DLQ, say)
    const metrics: MetricDocument[] = [];
    setMetricSink((d) => metrics.push(d));
    try {
      // The first sweep of a merchant looks at every order that had ten janitor delays to settle: let it run as if
      // due an hour after those had passed for this order.
      const dueAtMs = Date.parse(order.updatedAt) + 10 * base() + 3_600_000;
      await scheduleSweep(deps, TEST_MERCHANT.merchantId, dueAtMs - SWEEP_INTERVAL_SECONDS * 1000);
      const sweep = timers.take(sweepKey(TEST_MERCHANT.merchantId));
      expect(sweep.dueAtMs).toBe(dueAtMs);
      const before = Date.now();
      await handleSweep(deps, sweep);

      const rearmed = timers.pending.get(key);
      expect(rearmed?.payload).toMatchObject({ orderId: order.id, paymentId: order.payment!.id, step: 0 });
      expect(rearmed!.dueAtMs).toBeGreaterThanOrEqual(before);
      expect(rearmed!.dueAtMs).toBeLessThanOrEqual(Date.now());
      const next = timers.pending.get(sweepKey(TEST_MERCHANT.merchantId))!;
      expect(next).toMatchObject({ kind: 'janitor.sweep', dueAtMs: dueAtMs + SWEEP_INTERVAL_SECONDS * 1000, payload: { step: 1 } });
      const age = metrics.find((m) => JANITOR_METRICS.oldestUnresolved in m)!;
      expect(age[JANITOR_METRICS.oldestUnresolved]).toBeGreaterThanOrEqual(0);
      expect(age.merchantId).toBe(TEST_MERCHANT.merchantId);

      // The re-armed query resolves it, as the lost one would have.
      channel.query.push('succeeded');
      await fire(key, handlePaymentQuery);
      expect((await deps.orders.getOrder(order.id))?.status).toBe('SUCCEEDED');

      // The next sweep looks only at its own window (the interval before its due time, less the settling time): an
      // order created long before that window is not looked at again.
      const fresh = await processingOrder();
      timers.take(paymentQueryKey(fresh.payment!.id));
      await handleSweep(deps, timers.take(sweepKey(TEST_MERCHANT.merchantId)));
      expect(timers.pending.has(paymentQueryKey(fresh.payment!.id))).toBe(false);
    } finally {
      setMetricSink(undefined);
    }
  });
});
