import { janitorQueryDueAtMs } from '../domain/janitor-schedule.js';
import type { Order, Refund } from '../domain/order.js';
import type { Deps } from './deps.js';

/**
 * Where the platform's deadlines are set: one timer per object (docs/decisions.md, entries 79 and 82), keyed
 * `<kind>:<object id>`, so a reschedule replaces the pending one. The janitor's handlers (janitor.ts) reschedule with
 * the next backoff step through the same functions.
 */
type TimerDeps = Pick<Deps, 'timers' | 'janitorAfterSeconds'>;

export const paymentQueryKey = (paymentId: string): string => `payment.query:${paymentId}`;
export const refundQueryKey = (refundId: string): string => `refund.query:${refundId}`;
export const orderExpireKey = (orderId: string): string => `order.expire:${orderId}`;
export const sweepKey = (merchantId: string): string => `janitor.sweep:${merchantId}`;
export const authorizationExpireKey = (orderId: string): string => `authorization.expire:${orderId}`;

/** How often each merchant's safety-net sweep runs (docs/decisions.md, entry 84). */
export const SWEEP_INTERVAL_SECONDS = 900;

/**
 * The merchant's next safety-net sweep, `SWEEP_INTERVAL_SECONDS` after `fromMs` (its creation, or the previous sweep).
 * Sweep number `step` looks at the orders created in one interval-long window; the first (step 0) at all of them.
 */
export function scheduleSweep(deps: TimerDeps, merchantId: string, fromMs: number, step = 0): Promise<void> {
  return deps.timers.schedule({
    key: sweepKey(merchantId),
    kind: 'janitor.sweep',
    dueAtMs: fromMs + SWEEP_INTERVAL_SECONDS * 1000,
    payload: { merchantId, step },
  });
}

/** The janitor's query of an attempt whose outcome may stay unknown: query number `step`, counted from `fromMs`. */
export function schedulePaymentQuery(deps: TimerDeps, ids: { orderId: string; paymentId: string }, fromMs: number, step = 0): Promise<void> {
  return deps.timers.schedule({
    key: paymentQueryKey(ids.paymentId),
    kind: 'payment.query',
    dueAtMs: janitorQueryDueAtMs(fromMs, step, deps.janitorAfterSeconds),
    payload: { orderId: ids.orderId, paymentId: ids.paymentId, step },
  });
}

export function scheduleRefundQuery(deps: TimerDeps, refund: Pick<Refund, 'orderId' | 'id'>, fromMs: number, step = 0): Promise<void> {
  return deps.timers.schedule({
    key: refundQueryKey(refund.id),
    kind: 'refund.query',
    dueAtMs: janitorQueryDueAtMs(fromMs, step, deps.janitorAfterSeconds),
    payload: { orderId: refund.orderId, refundId: refund.id, step },
  });
}

/**
 * The order's expiry: at expiresAt, or (a channel that did not confirm the close) at the janitor's next backoff
 * step after `retryFromMs`.
 */
export function scheduleOrderExpiry(deps: TimerDeps, order: Pick<Order, 'id' | 'expiresAt'>, retry?: { fromMs: number; step: number }): Promise<void> {
  const dueAtMs = retry ? janitorQueryDueAtMs(retry.fromMs, retry.step, deps.janitorAfterSeconds) : Date.parse(order.expiresAt);
  return deps.timers.schedule({
    key: orderExpireKey(order.id),
    kind: 'order.expire',
    dueAtMs,
    payload: { orderId: order.id, step: retry ? retry.step + 1 : 0 },
  });
}

/**
 * An authorization's expiry (docs/decisions.md, entry 115): at `fromMs` (its captureBefore, or the earliest it could
 * be), or, with `step`, at that backoff step after `fromMs` (a capture or void held the order, the channel refused
 * the void). One per order: only the attempt that holds the order can be authorized.
 */
export function scheduleAuthorizationExpiry(deps: TimerDeps, ids: { orderId: string; paymentId: string }, fromMs: number, step?: number): Promise<void> {
  return deps.timers.schedule({
    key: authorizationExpireKey(ids.orderId),
    kind: 'authorization.expire',
    dueAtMs: step === undefined ? fromMs : janitorQueryDueAtMs(fromMs, step, deps.janitorAfterSeconds),
    payload: { orderId: ids.orderId, paymentId: ids.paymentId, step: step ?? 0 },
  });
}
