import { attemptFromOrder, type Attempt } from '../domain/attempt.js';
import { ConflictError, ServiceUnavailableError } from '../domain/errors.js';
import { isClosing, type Order } from '../domain/order.js';
import { CLOSABLE, FINAL_ATTEMPT_STATUSES } from '../domain/order-state.js';
import type { AttemptOutcome } from '../domain/payment-outcome.js';
import { logger } from '../logger.js';
import { recordOldestUnresolvedPayment } from '../metrics.js';
import type { ChannelAdapter, PaymentRef } from '../ports/channel-flows.js';
import type { Timer } from '../ports/timers.js';
import { outcomeOfState } from './channel-outcomes.js';
import { channelOf, flowOf, type Deps } from './deps.js';
import { scheduleOrderExpiry, schedulePaymentQuery, scheduleRefundQuery, scheduleSweep, SWEEP_INTERVAL_SECONDS } from './janitor-timers.js';
import { expireAuthorization, resolveAuthorizationClaim } from './capture.js';
import { refundLateSuccess } from './late-success.js';
import { refundsWithoutChannel } from './topup-refunds.js';
import { closeExpiredInFlight, closeOrder, endAtChannel, finishClose } from './orders.js';
import { commitAttemptOutcome, completeRefund, failRefund, OutcomeMismatchError } from './state-writer.js';

/**
 * The janitor (contract, "Janitor"; docs/decisions.md, entries 81-83): what a due per-object timer does. Each handler
 * reads the object now and acts only if its deadline still applies (a timer is a reminder, delivered at least once).
 * It never guesses: a channel that does not answer, or answers "still pending", gets asked again on the backoff
 * schedule; only the channel's own answer moves a payment or a refund, through the one writer.
 */

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
const stepOf = (timer: Timer): number => (typeof timer.payload.step === 'number' && Number.isSafeInteger(timer.payload.step) ? timer.payload.step : 0);
const errorName = (error: unknown): string => (error instanceof Error ? error.name : String(error));

/** `payment.query` {orderId, paymentId}: asks the channel about an attempt whose outcome is unknown. */
export async function handlePaymentQuery(deps: Deps, timer: Timer): Promise<void> {
  const orderId = text(timer.payload.orderId);
  const paymentId = text(timer.payload.paymentId);
  if (!orderId || !paymentId) return logger.error('payment.query timer without its ids', { key: timer.key });
  const order = await deps.orders.getOrder(orderId);
  if (!order) return logger.error('payment.query timer for an unknown order', { orderId, paymentId });
  const attempt = (await deps.orders.getAttempt(orderId, paymentId)) ?? (order.payment?.id === paymentId ? attemptFromOrder(order) : undefined);
  // The pay claim writes the pointer; a timer set for a claim that then lost (409) names no attempt: nothing to do.
  if (!attempt) return;
  if (attempt.lateSuccess && attempt.lateRefund?.status === 'PENDING') {
    await refundLateSuccess(deps, attempt);
    return;
  }
  if (FINAL_ATTEMPT_STATUSES.includes(attempt.status)) {
    // A failover ended this attempt and started another at the next channel; if the order is still waiting on that
    // one (the workflow stopped after the failover), it is the one to ask about now.
    const next = order.payment;
    if (order.status === 'PROCESSING' && !isClosing(order) && next && next.id !== paymentId) {
      await handlePaymentQuery(deps, { ...timer, payload: { ...timer.payload, paymentId: next.id } });
    }
    return;
  }
  if (isClosing(order) && order.payment?.id === attempt.id) return finishCloseOrRetry(deps, order, stepOf(timer));
  const step = stepOf(timer);
  // A capture, void or expiry claimed the authorization and its answer was lost: the channel's records settle it.
  if (order.status === 'PROCESSING' && order.authorizationClaim && order.payment?.id === attempt.id) {
    return resolveAuthorizationClaim(deps, order, () => schedulePaymentQuery(deps, { orderId, paymentId }, deps.now(), step + 1));
  }
  // An authorization waits for its capture window, not for the janitor.
  if (attempt.status === 'AUTHORIZED') return;
  // Waiting for the payer: a wallet or bank reports by callback, and a lost callback is found by this query.
  await resolveAttempt(deps, order, attempt, step, () => schedulePaymentQuery(deps, { orderId, paymentId }, deps.now(), step + 1));
}

/**
 * Queries the attempt's channel and commits what it reports; anything short of an answer is asked again later
 * (`again`: the caller's own timer on its backoff). A payment still PROCESSING that its channel reports waiting for
 * the payer past the order's expiry is closed there as expired (entry 105): its pay died after the channel's create.
 */
async function resolveAttempt(deps: Deps, order: Order, attempt: Attempt, step: number, again: () => Promise<void>): Promise<void> {
  const ids = { orderId: order.id, paymentId: attempt.id };
  if (!attempt.channel) {
    // The Charge step names the channel before it calls it, so no channel was ever asked: the claim is released.
    await commitAttemptOutcome(deps, { ...ids, outcome: notAtChannel(null, null) });
    logger.warn('janitor: released a payment that never reached a channel', ids);
    return;
  }
  const channel = channelOf(deps, attempt.channel);
  const ref: PaymentRef = { paymentId: attempt.id, channelPaymentId: attempt.channelPaymentId };
  let outcome: AttemptOutcome | undefined;
  try {
    const state = await flowOf(channel, 'queryPayment')(ref);
    // A payment waiting for the payer that the channel does not know is left to the order's expiry, which closes it.
    const waiting = attempt.status === 'REQUIRES_ACTION';
    outcome = state.status === 'not_found' && !waiting ? await outcomeOfNothing(channel, ref) : outcomeOfState(channel.id, state);
  } catch (error) {
    logger.warn('janitor: the channel did not answer the query; asking again later', { ...ids, channel: channel.id, step, error: errorName(error) });
    return again();
  }
  if (!outcome) {
    if (attempt.status === 'PROCESSING' && inFlightPastExpiry(deps, order)) return closeInFlight(deps, order, step);
    logger.info('janitor: the channel reports the payment still pending; asking again later', { ...ids, channel: channel.id, step });
    return again();
  }
  try {
    const committed = await commitAttemptOutcome(deps, { ...ids, outcome });
    logger.info('janitor: payment resolved by the channel\'s answer', { ...ids, channel: channel.id, outcome: outcome.outcome, kind: committed.kind });
    if (committed.kind === 'late_success') await refundLateSuccess(deps, committed.attempt);
  } catch (error) {
    if (!(error instanceof OutcomeMismatchError)) throw error;
    // Another amount or currency than ours: nothing is written, an operator must look (the age alarm keeps it visible).
    logger.error('janitor: the channel reports another amount or currency; left for an operator', { ...ids, channel: channel.id, error: error.message });
    return again();
  }
}

/**
 * The channel has no record of the payment. A create still in flight could yet reach it, so it is ended there first
 * (close or void, which also refuse a late create); only then is the attempt failed. A close answered "already paid"
 * is the payment's success after all.
 */
async function outcomeOfNothing(channel: ChannelAdapter, ref: PaymentRef): Promise<AttemptOutcome | undefined> {
  const ended = await endAtChannel(channel, ref);
  if (ended.outcome === 'already_paid') return outcomeOfState(channel.id, ended.state);
  return notAtChannel(channel.id, ref.channelPaymentId);
}

function notAtChannel(channel: string | null, channelPaymentId: string | null): AttemptOutcome {
  return {
    outcome: 'declined',
    channel,
    channelPaymentId,
    code: 'processing_error',
    message: 'The payment channel has no record of this payment; nothing was charged. It can be paid again.',
  };
}

/**
 * `order.expire` {orderId}: an unpaid order past its expiry is closed at its channel, then CLOSED (closeReason
 * `expired`, order.closed), through the same close as the merchant's. A payer who paid first makes it SUCCEEDED; a
 * channel that does not confirm the close leaves the order claimed for the close and is asked again.
 */
export async function handleOrderExpiry(deps: Deps, timer: Timer): Promise<void> {
  const orderId = text(timer.payload.orderId);
  if (!orderId) return logger.error('order.expire timer without its order id', { key: timer.key });
  const order = await deps.orders.getOrder(orderId);
  if (!order) return logger.error('order.expire timer for an unknown order', { orderId });
  const step = stepOf(timer);
  // An authorization is not an unpaid order: its own timer (authorization.expire) ends it.
  if (order.authorizationClaim) return;
  if (isClosing(order)) return finishCloseOrRetry(deps, order, step);
  if (order.status === 'PROCESSING') return expireInFlight(deps, order, step);
  if (!CLOSABLE.includes(order.status)) return; // paid or closed
  if (Date.parse(order.expiresAt) > deps.now()) return scheduleOrderExpiry(deps, order); // fired early: set it again
  await closeExpired(deps, order, step);
}

async function closeExpired(deps: Deps, order: Order, step: number): Promise<void> {
  try {
    const closed = await closeOrder(deps, order.merchantId, order.id);
    logger.info('janitor: expired order closed', { orderId: order.id, status: closed.status, closeReason: closed.closeReason });
  } catch (error) {
    await closeFailed(deps, order, step, error);
  }
}

/**
 * The pay must not be cut off in its last instant: a payment in flight at the expiry is given the janitor's first
 * window (PAY_JANITOR_AFTER_SECONDS) to end on its own before the expiry asks its channel.
 */
function inFlightPastExpiry(deps: Deps, order: Order): boolean {
  return Date.parse(order.expiresAt) + deps.janitorAfterSeconds * 1000 <= deps.now();
}

/**
 * An order past its expiry with a payment still in flight (entry 105). Its own payment query may be far out on its
 * backoff, so the expiry asks the channel now: an answer is committed, "waiting for the payer" closes it at the
 * channel, no answer asks again on the expiry's backoff; an order that this leaves unpaid (the channel had nothing)
 * is then closed as expired like any other.
 */
async function expireInFlight(deps: Deps, order: Order, step: number): Promise<void> {
  if (!inFlightPastExpiry(deps, order)) return scheduleOrderExpiry(deps, order, { fromMs: Date.parse(order.expiresAt), step: 0 });
  const retry = () => scheduleOrderExpiry(deps, order, { fromMs: deps.now(), step });
  const paymentId = order.payment?.id;
  const attempt = paymentId ? ((await deps.orders.getAttempt(order.id, paymentId)) ?? attemptFromOrder(order)) : undefined;
  // PROCESSING with no live attempt is a commit between two of its writes (a failover): look again later.
  if (!attempt || attempt.status !== 'PROCESSING') return retry();
  await resolveAttempt(deps, order, attempt, step, retry);
  const after = await deps.orders.getOrder(order.id);
  if (after && CLOSABLE.includes(after.status)) await closeExpired(deps, after, step);
}

async function closeInFlight(deps: Deps, order: Order, step: number): Promise<void> {
  try {
    const closed = await closeExpiredInFlight(deps, order);
    logger.info('janitor: expired order with a payment in flight closed at its channel', { orderId: order.id, status: closed.status });
  } catch (error) {
    await closeFailed(deps, order, step, error);
  }
}

async function finishCloseOrRetry(deps: Deps, order: Order, step: number): Promise<void> {
  try {
    await finishClose(deps, order);
  } catch (error) {
    await closeFailed(deps, order, step, error);
  }
}

async function closeFailed(deps: Deps, order: Order, step: number, error: unknown): Promise<void> {
  if (error instanceof ServiceUnavailableError) {
    // The channel did not confirm the close: the order must not read CLOSED while the payer could still pay.
    logger.warn('janitor: the channel did not confirm the close; asking again later', { orderId: order.id, step });
    return scheduleOrderExpiry(deps, order, { fromMs: deps.now(), step });
  }
  // The payer paid before the close reached the channel (the order is SUCCEEDED), or another request moved the order.
  if (error instanceof ConflictError) return logger.info('janitor: the order was not closed', { orderId: order.id, reason: error.message });
  throw error;
}

/** `authorization.expire` {orderId, paymentId}: voids at the channel and closes an authorization past its captureBefore. */
export async function handleAuthorizationExpiry(deps: Deps, timer: Timer): Promise<void> {
  const orderId = text(timer.payload.orderId);
  const paymentId = text(timer.payload.paymentId);
  if (!orderId || !paymentId) return logger.error('authorization.expire timer without its ids', { key: timer.key });
  await expireAuthorization(deps, { orderId, paymentId }, stepOf(timer));
}

/** `refund.query` {orderId, refundId}: asks the channel about a refund still PROCESSING. */
export async function handleRefundQuery(deps: Deps, timer: Timer): Promise<void> {
  const refundId = text(timer.payload.refundId);
  if (!refundId) return logger.error('refund.query timer without its refund id', { key: timer.key });
  const refund = await deps.orders.getRefund(refundId);
  if (!refund || refund.status !== 'PROCESSING') return;
  const order = await deps.orders.getOrder(refund.orderId);
  if (!order) return logger.error('refund.query timer for an unknown order', { orderId: refund.orderId, refundId });
  // A balance payment's refund has no channel to ask: its reservation stands, so the ledger completes it (entry 121).
  if (refundsWithoutChannel(refund)) {
    await completeRefund(deps, { order, refund, channelRefundId: refund.id, nowMs: deps.now() });
    return;
  }
  const step = stepOf(timer);
  let state;
  try {
    state = await flowOf(channelOf(deps, refund.channel), 'queryRefund')({ refundId, paymentId: order.payment?.id ?? '' });
  } catch (error) {
    logger.warn('janitor: the channel did not answer the refund query; asking again later', { refundId, step, error: errorName(error) });
    return scheduleRefundQuery(deps, refund, deps.now(), step + 1);
  }
  const nowMs = deps.now();
  switch (state.status) {
    case 'succeeded':
      await completeRefund(deps, { order, refund, channelRefundId: state.channelRefundId ?? refund.id, nowMs });
      break;
    case 'failed':
    case 'not_found':
      await failRefund(deps, { order, refund, code: state.code ?? 'refund_failed', nowMs });
      break;
    case 'processing':
      return scheduleRefundQuery(deps, refund, nowMs, step + 1);
  }
  logger.info('janitor: refund resolved by the channel\'s answer', { refundId, status: state.status });
}

/** How many orders one sweep re-arms at most; the rest wait for the next sweep (the age metric still shows them). */
const SWEEP_PAGE = 100;

/**
 * `janitor.sweep` {merchantId}: the safety net under the per-object timers (a timer parked in the DLQ after a handler
 * kept failing, data restored from a backup, orders claimed before the janitor existed). Each merchant has one sweep,
 * every SWEEP_INTERVAL_SECONDS. It reads the merchant's PROCESSING partition of the orders-by-status index (never a
 * scan, never a key shared by merchants): the orders created in one interval-long window that ended
 * 10 × PAY_JANITOR_AFTER_SECONDS ago (the first sweep: all of them), so each order is looked at once, when its own
 * first query should long have settled it, and its payment query is armed again, due now. It also reports the age of
 * the merchant's oldest PROCESSING payment (one item read), which the alarm watches: an order the janitor cannot
 * resolve keeps growing older there rather than being guessed.
 */
export async function handleSweep(deps: Deps, timer: Timer): Promise<void> {
  const merchantId = text(timer.payload.merchantId);
  if (!merchantId) return logger.error('janitor.sweep timer without its merchant id', { key: timer.key });
  const step = stepOf(timer);
  const nowMs = deps.now();
  // Windows are counted from the due times, not from when each sweep ran, so consecutive windows tile exactly even
  // when a sweep is delivered late.
  const settledMs = timer.dueAtMs - 10 * deps.janitorAfterSeconds * 1000;
  const window = {
    merchantId,
    status: 'PROCESSING' as const,
    ...(step > 0 ? { createdFrom: new Date(settledMs - SWEEP_INTERVAL_SECONDS * 1000).toISOString() } : {}),
    createdTo: new Date(settledMs).toISOString(),
    limit: SWEEP_PAGE,
  };
  const { orders } = await deps.orders.listOrders(window);
  for (const order of orders) {
    if (!order.payment) continue;
    await schedulePaymentQuery(deps, { orderId: order.id, paymentId: order.payment.id }, nowMs - deps.janitorAfterSeconds * 1000);
  }
  if (orders.length > 0) logger.warn('janitor sweep: re-armed the queries of stale PROCESSING orders', { merchantId, count: orders.length });
  const oldest = await deps.orders.oldestOrderInStatus(merchantId, 'PROCESSING');
  const ageSeconds = oldest ? Math.max(0, Math.round((nowMs - Date.parse(oldest.updatedAt)) / 1000)) : 0;
  recordOldestUnresolvedPayment(ageSeconds, { merchantId, orderId: oldest?.id ?? null }, nowMs);
  await scheduleSweep(deps, merchantId, timer.dueAtMs, step + 1);
}
