import { isAuthorizationExpired, type AuthorizationOutcome } from '../domain/authorization.js';
import { ConflictError, ServiceUnavailableError, UnprocessableError } from '../domain/errors.js';
import type { AuthorizationClaim, Order } from '../domain/order.js';
import { logger } from '../logger.js';
import type { ChannelAdapter, ChannelPaymentState } from '../ports/channel-flows.js';
import { ChannelRejectedError } from '../ports/payment-channel.js';
import type { Merchant } from '../ports/stores.js';
import { channelOf, flowOf, type Deps } from './deps.js';
import { scheduleAuthorizationExpiry, schedulePaymentQuery } from './janitor-timers.js';
import { loadOrder } from './orders.js';
import { claimAuthorization, commitAuthorizationOutcome } from './state-writer.js';

/**
 * Capture and void of a pre-authorization (contract, "Capture and void"; docs/decisions.md, entries 113-118). Each is
 * a channel flow in three steps, as the close of a challenged order is: claim the AUTHORIZED order (one conditional
 * write, so of a capture and a void, or two captures, exactly one proceeds and the other gets 409), ask the channel,
 * commit its answer through the one writer. An answer that does not come (timeout, crash) leaves the order claimed,
 * PROCESSING, and the janitor's query settles it from the channel's own records: never a guess.
 */

export interface AuthorizationResponse {
  /** 200 with the settled order; 202 when the channel's answer is not known yet (the order stays PROCESSING). */
  readonly statusCode: 200 | 202;
  readonly order: Order;
}

type Claim = Omit<AuthorizationClaim, 'claimedAt'>;

/** `POST /v1/orders/{id}/capture`: the whole authorization, or `amount` of it; the channel releases the rest. */
export async function captureOrder(deps: Deps, merchant: Merchant, orderId: string, request: { amount?: number }): Promise<AuthorizationResponse> {
  const order = await loadOrder(deps, merchant.merchantId, orderId);
  assertHeld(order, 'order_not_capturable', deps.now());
  const authorized = amountAuthorized(order);
  const amount = request.amount ?? authorized;
  if (amount > authorized) {
    throw new UnprocessableError('capture_exceeds_authorized', `The capture of ${amount} exceeds the ${authorized} authorized.`, 'amount');
  }
  return claimAndSettle(deps, order, { kind: 'capture', amount, closeReason: null }, 'order_not_capturable');
}

/** `POST /v1/orders/{id}/void`: the hold is released at the channel, the order CLOSED (`closeReason: voided`). */
export async function voidOrder(deps: Deps, merchant: Merchant, orderId: string): Promise<AuthorizationResponse> {
  const order = await loadOrder(deps, merchant.merchantId, orderId);
  assertHeld(order, 'order_not_voidable', null);
  return claimAndSettle(deps, order, { kind: 'void', amount: amountAuthorized(order), closeReason: 'voided' }, 'order_not_voidable');
}

function amountAuthorized(order: Order): number {
  return order.payment?.amountAuthorized ?? order.amount;
}

/**
 * The order holds an authorization this request may take: AUTHORIZED (a claimed one, PROCESSING, belongs to the
 * request that claimed it) and, for a capture (`nowMs`), not past its captureBefore.
 */
function assertHeld(order: Order, code: 'order_not_capturable' | 'order_not_voidable', nowMs: number | null): void {
  if (order.status === 'CLOSED' && order.closeReason === 'authorization_expired') {
    throw new ConflictError('authorization_expired', 'The authorization expired and was voided.');
  }
  if (order.status !== 'AUTHORIZED') {
    const held = order.status === 'PROCESSING' && order.authorizationClaim;
    throw new ConflictError(code, held ? `The authorization is being ${order.authorizationClaim!.kind === 'capture' ? 'captured' : 'voided'} by another request.` : `An order in status ${order.status} holds no authorization.`);
  }
  if (nowMs !== null && isAuthorizationExpired(order, nowMs)) {
    throw new ConflictError('authorization_expired', `The authorization could be captured until ${order.payment!.captureBefore}.`);
  }
}

async function claimAndSettle(deps: Deps, order: Order, claim: Claim, code: 'order_not_capturable' | 'order_not_voidable'): Promise<AuthorizationResponse> {
  const payment = order.payment!;
  // Resolved before the claim: a missing adapter is a deployment bug that must leave the order as it was.
  channelOf(deps, payment.channel!);
  // The janitor's query is set before the claim, so no crash or lost answer after it leaves the claim unresolved; it
  // does nothing once the claim has ended. A losing request's leftover is as harmless, so it is not cancelled.
  await schedulePaymentQuery(deps, { orderId: order.id, paymentId: payment.id }, deps.now());
  const claimed = await claimAuthorization(deps, order, claim);
  if (!claimed) {
    // Another capture, void or the expiry claimed it between the read and the write: say which state it is in now.
    assertHeld(await loadOrder(deps, order.merchantId, order.id), code, claim.kind === 'capture' ? deps.now() : null);
    throw new ConflictError(code, 'The authorization is being captured or voided by another request.');
  }
  const settled = await settleClaim(deps, claimed);
  return answerFor(settled, claim);
}

/** What the capture or void answers for the order its channel's answer left. */
function answerFor(order: Order, claim: Claim): AuthorizationResponse {
  if (order.status === 'PROCESSING') return { statusCode: 202, order };
  if (claim.kind === 'capture' && order.status === 'SUCCEEDED') return { statusCode: 200, order };
  if (claim.kind === 'void' && order.status === 'CLOSED') return { statusCode: 200, order };
  if (order.status === 'AUTHORIZED') {
    throw new ServiceUnavailableError('channel_error', `The payment channel refused the ${claim.kind}; the order is AUTHORIZED again, retry.`);
  }
  // The channel's records say otherwise: the hold was gone (expired there) or already captured.
  if (order.status === 'CLOSED') throw new ConflictError('authorization_expired', 'The channel no longer holds the authorization; the order is CLOSED.');
  throw new ConflictError('order_not_voidable', `The channel had already captured the authorization; the order is ${order.status}.`);
}

/**
 * Asks the channel for what the claim says (capture or void; idempotent there, keyed by our attempt id, so a retry
 * is the same capture) and commits its answer. A timeout or a transport error leaves the order claimed (PROCESSING)
 * for the janitor. A definite refusal is settled by what the channel's records say: captured, voided, or still
 * authorized (the claim is released: the channel will not do it). Returns the order as it now stands.
 */
export async function settleClaim(deps: Deps, claimed: Order): Promise<Order> {
  const claim = claimed.authorizationClaim!;
  const payment = claimed.payment!;
  const channel = channelOf(deps, payment.channel!);
  const facts = { orderId: claimed.id, paymentId: payment.id, channel: channel.id, kind: claim.kind };
  let outcome: AuthorizationOutcome | undefined;
  try {
    outcome = outcomeOfAnswer(claimed, await askChannel(channel, claimed), 'answer');
  } catch (error) {
    if (!(error instanceof ChannelRejectedError)) {
      logger.warn('authorization: the channel did not answer; the janitor will ask it', { ...facts, error: errorName(error) });
      return claimed;
    }
    logger.warn('authorization: the channel refused; reading its records', { ...facts, error: error.message });
    try {
      outcome = outcomeOfAnswer(claimed, await flowOf(channel, 'queryPayment')({ paymentId: payment.id, channelPaymentId: payment.channelPaymentId }), 'answer');
    } catch (queryError) {
      logger.warn('authorization: the channel did not answer the query; the janitor will ask it', { ...facts, error: errorName(queryError) });
      return claimed;
    }
  }
  if (!outcome) {
    logger.warn('authorization: the channel gave no final answer; the janitor will ask it', facts);
    return claimed;
  }
  const order = await commitAuthorizationOutcome(deps, { orderId: claimed.id, paymentId: payment.id, outcome });
  logger.info('authorization settled by the channel\'s answer', { ...facts, outcome: outcome.kind, status: order.status });
  return order;
}

function askChannel(channel: ChannelAdapter, claimed: Order): Promise<ChannelPaymentState> {
  const payment = claimed.payment!;
  const ref = { paymentId: payment.id, channelPaymentId: payment.channelPaymentId };
  const claim = claimed.authorizationClaim!;
  if (claim.kind === 'void') return flowOf(channel, 'void')(ref);
  return flowOf(channel, 'capture')({ ...ref, amount: claim.amount, currency: claimed.currency });
}

/**
 * A channel's state of a claimed authorization as its outcome. Captured is believed only for an amount within the
 * authorization in the order's currency (anything else is left for an operator, unchanged). Still authorized means
 * the capture or void did not happen: released when it is the answer to our call, left to the caller for a query.
 */
function outcomeOfAnswer(claimed: Order, state: ChannelPaymentState, source: 'answer' | 'query'): AuthorizationOutcome | undefined {
  switch (state.status) {
    case 'succeeded': {
      const amount = state.amount ?? claimed.authorizationClaim!.amount;
      if (amount < 1 || amount > amountAuthorized(claimed) || (state.currency !== undefined && state.currency !== claimed.currency)) {
        logger.error('authorization: the channel reports a capture the authorization cannot have; left for an operator', {
          orderId: claimed.id,
          amount,
          currency: state.currency,
        });
        return undefined;
      }
      return { kind: 'captured', amount };
    }
    case 'closed':
      return { kind: 'voided' };
    case 'authorized':
      return source === 'answer' ? { kind: 'released' } : undefined;
    default:
      return undefined;
  }
}

/**
 * The janitor's step for an authorization claimed by a capture, a void or the expiry whose answer was lost (the
 * `payment.query` timer finds the order PROCESSING with its claim): it reads the channel's records. Captured →
 * SUCCEEDED with the captured amount, voided → CLOSED; still authorized → the claimed capture or void is sent again
 * (the same idempotent request), or, for a capture whose captureBefore has passed, the claim is released to AUTHORIZED
 * and the expiry voids it. No answer → asked again on the backoff (`again`).
 */
export async function resolveAuthorizationClaim(deps: Deps, order: Order, again: () => Promise<void>): Promise<void> {
  const claim = order.authorizationClaim!;
  const payment = order.payment!;
  const ids = { orderId: order.id, paymentId: payment.id };
  // The request that claimed it may still be talking to the channel: its own window first.
  const firstQueryAtMs = Date.parse(claim.claimedAt) + deps.janitorAfterSeconds * 1000;
  if (firstQueryAtMs > deps.now()) return schedulePaymentQuery(deps, ids, Date.parse(claim.claimedAt));
  const channel = channelOf(deps, payment.channel!);
  let state: ChannelPaymentState;
  try {
    state = await flowOf(channel, 'queryPayment')({ paymentId: payment.id, channelPaymentId: payment.channelPaymentId });
  } catch (error) {
    logger.warn('janitor: the channel did not answer the query of a claimed authorization; asking again later', { ...ids, error: errorName(error) });
    return again();
  }
  let outcome = outcomeOfAnswer(order, state, 'query');
  if (!outcome && state.status === 'authorized') {
    if (claim.kind === 'capture' && isAuthorizationExpired(order, deps.now())) {
      outcome = { kind: 'released' };
    } else {
      const settled = await settleClaim(deps, order);
      if (settled.status === 'PROCESSING') return again();
      return logger.info('janitor: claimed authorization sent again and settled', { ...ids, status: settled.status });
    }
  }
  if (!outcome) {
    logger.warn('janitor: the channel has no final state for a claimed authorization; asking again later', { ...ids, status: state.status });
    return again();
  }
  const settled = await commitAuthorizationOutcome(deps, { ...ids, outcome });
  logger.info('janitor: claimed authorization resolved by the channel\'s records', { ...ids, outcome: outcome.kind, status: settled.status });
  if (settled.status === 'AUTHORIZED') await scheduleAuthorizationExpiry(deps, ids, deps.now());
}

/**
 * `authorization.expire` {orderId, paymentId}: an authorization not captured by its captureBefore is voided at the
 * channel, then CLOSED (`closeReason: authorization_expired`, order.closed), through the same claim as a void, so a
 * capture racing it gets 409. A timer early for the real captureBefore sets itself again; an order held by a capture
 * or void in flight is looked at again on the backoff; a channel that does not confirm the void leaves the claim to
 * the janitor's query.
 */
export async function expireAuthorization(deps: Deps, ids: { orderId: string; paymentId: string }, step: number): Promise<void> {
  const order = await deps.orders.getOrder(ids.orderId);
  if (!order) return logger.error('authorization.expire timer for an unknown order', ids);
  if (order.payment?.id !== ids.paymentId) return; // another attempt pays the order now (this one was declined)
  const nowMs = deps.now();
  if (order.status === 'PROCESSING' && order.authorizationClaim) {
    return scheduleAuthorizationExpiry(deps, ids, nowMs, step + 1);
  }
  if (order.status !== 'AUTHORIZED') return; // captured, voided, or never authorized
  const captureBefore = order.payment.captureBefore;
  if (captureBefore && Date.parse(captureBefore) > nowMs) return scheduleAuthorizationExpiry(deps, ids, Date.parse(captureBefore));
  await schedulePaymentQuery(deps, ids, nowMs);
  const claimed = await claimAuthorization(deps, order, { kind: 'void', amount: amountAuthorized(order), closeReason: 'authorization_expired' });
  // A capture or a void got it first: its outcome ends the authorization, and this timer looks again later.
  if (!claimed) return scheduleAuthorizationExpiry(deps, ids, nowMs, step + 1);
  const settled = await settleClaim(deps, claimed);
  logger.info('authorization expiry: voided at the channel', { ...ids, status: settled.status });
  // The channel refused the void and still holds it: try again later rather than leave a hold past its window.
  if (settled.status === 'AUTHORIZED') await scheduleAuthorizationExpiry(deps, ids, nowMs, step + 1);
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : String(error);
}

