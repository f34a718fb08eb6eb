import { attemptFromOrder, newAttempt, paymentSummary, type Attempt, type AttemptPointer } from '../domain/attempt.js';
import { ConflictError, DomainError, NotFoundError } from '../domain/errors.js';
import {
  applyAuthorizationOutcome,
  captureBeforeOf,
  claimedAuthorization,
  type AuthorizationOutcome,
} from '../domain/authorization.js';
import { merchantFeesOf, type MerchantFees } from '../domain/fees.js';
import { newId } from '../domain/ids.js';
import { latePaymentLines, lateRefundLines, refundLines, type LedgerEntry } from '../domain/ledger.js';
import { merchantBalanceIn } from '../ledger/reads.js';
import { postHold, voidHold, type Hold, type HoldStep } from '../ledger/holds.js';
import { authorizationHoldId, authorizationOf, endAuthorizationHold, placeAuthorizationHold } from '../ledger/authorization-holds.js';
import { BALANCE_CHANNEL } from '../domain/customer.js';
import type { AuthorizationClaim, Order, Payment, Refund } from '../domain/order.js';
import type { RiskDecision } from '../domain/risk.js';
import type { CounterIncrement } from '../domain/velocity.js';
import type { AttemptRouting } from '../domain/channel-ranking.js';
import {
  assertAttemptTransition,
  assertRefundTransition,
  assertTransition,
  FINAL_ATTEMPT_STATUSES,
} from '../domain/order-state.js';
import { applyOutcome, attemptAfter, attemptStatusOf, type AttemptOutcome } from '../domain/payment-outcome.js';
import { withCheckoutPage } from '../checkout/issue.js';
import { logger } from '../logger.js';
import { recordLatePayment, recordPaymentOutcome } from '../metrics.js';
import type { ChannelRefundState } from '../ports/channel-flows.js';
import type { ChannelCallCount } from '../ports/channel-health.js';
import type { AgreementPeriodCount, DomainEvent, NonceGuard, StateChange } from '../ports/stores.js';
import type { Deps } from './deps.js';
import { orderEvent, refundEvent } from './events.js';

/**
 * The one writer of state (docs/decisions.md, entry 75). Every transition of an order, a pay attempt or a refund
 * goes through here: each status change is checked against its state table (shared/domain/order-state.ts), then
 * written with its conditions, ledger entry and outbox event in one transaction (OrderStore.commit). No store method
 * decides a status; no service writes one except through these functions.
 */

type WriterDeps = Pick<Deps, 'orders' | 'merchants' | 'now' | 'settings' | 'checkout' | 'authorizationWindowSeconds'>;

/**
 * Pay's claim: CREATED → PROCESSING without reading the order (of any number of concurrent pays exactly one commits),
 * and the pointer from our attempt id to the order, so a channel that answers late (or a janitor's query by our id)
 * finds the attempt before its channel payment id is known. The attempt's own item is written with its first
 * outcome; until then the order's payment summary is the attempt.
 */
export async function claimForPayment(
  deps: Pick<Deps, 'orders'>,
  claim: { orderId: string; merchantId: string; payment: Payment; nowMs: number; guard?: NonceGuard },
): Promise<boolean> {
  return (await claimChange(deps, claim)).committed;
}

/**
 * A debit's claim under an agreement: as claimForPayment, with the agreement's ACTIVE status checked in the same
 * transaction, so a termination committed first refuses the debit before any channel call (docs/decisions.md, 126).
 * Says which condition failed: the order's (not payable) or the agreement's (no longer active).
 */
export async function claimForDebit(
  deps: Pick<Deps, 'orders'>,
  claim: Parameters<typeof claimForPayment>[1] & { agreementId: string; period?: AgreementPeriodCount },
): Promise<'claimed' | 'order' | 'agreement' | 'period'> {
  const { period, ...rest } = claim;
  const outcome = await claimChange(deps, rest, { agreementActive: { agreementId: claim.agreementId }, ...(period ? { agreementPeriod: period } : {}) });
  if (outcome.committed) return 'claimed';
  if (outcome.failed === 'agreementPeriod') return 'period';
  return outcome.failed === 'agreement' ? 'agreement' : 'order';
}

function claimChange(
  deps: Pick<Deps, 'orders'>,
  claim: Parameters<typeof claimForPayment>[1],
  agreement?: Pick<StateChange, 'agreementActive' | 'agreementPeriod'>,
) {
  assertTransition('CREATED', 'PROCESSING');
  return deps.orders.commit({
    claim: { ...claim, from: 'CREATED', to: 'PROCESSING' },
    pointers: [{ channel: null, channelPaymentId: null, orderId: claim.orderId, paymentId: claim.payment.id }],
    guard: claim.guard,
    ...agreement,
  });
}

/** The order's current attempt: its item, or (before its first outcome, or on older data) its payment summary. */
export async function currentAttempt(deps: Pick<Deps, 'orders'>, order: Order): Promise<{ attempt: Attempt; stored: boolean } | undefined> {
  if (!order.payment) return undefined;
  const stored = await deps.orders.getAttempt(order.id, order.payment.id);
  if (stored) return { attempt: stored, stored: true };
  return { attempt: attemptFromOrder(order)!, stored: false };
}

function attemptWrite(attempt: Attempt, after: Attempt, stored: boolean): NonNullable<StateChange['attempts']>[number] {
  return { after, expect: stored ? { status: attempt.status, version: attempt.version } : null };
}

/**
 * A transition of the order (and, with it, of its current attempt) that the caller decided: a confirm's or a close's
 * claim, a close of an order with nothing at a channel. Checked against the state tables; false when the stored
 * order (or attempt) changed since it was read.
 */
export async function transitionOrder(
  deps: Pick<Deps, 'orders'>,
  t: {
    before: Order;
    after: Order;
    attempt?: { before: Attempt; after: Attempt; stored: boolean };
    ledger?: LedgerEntry;
    event?: DomainEvent;
    guard?: NonceGuard;
  },
): Promise<boolean> {
  if (t.before.status !== t.after.status) assertTransition(t.before.status, t.after.status);
  if (t.attempt && t.attempt.before.status !== t.attempt.after.status) {
    assertAttemptTransition(t.attempt.before.status, t.attempt.after.status);
  }
  const outcome = await deps.orders.commit({
    order: { after: t.after, expect: { status: t.before.status, version: t.before.version } },
    attempts: t.attempt ? [attemptWrite(t.attempt.before, t.attempt.after, t.attempt.stored)] : undefined,
    ledger: t.ledger,
    event: t.event,
    guard: t.guard,
  });
  return outcome.committed;
}

/**
 * Claims a challenged order and its current attempt (REQUIRES_ACTION → PROCESSING) for a confirm or a close: a
 * conditional write that excludes the other, so only one of them talks to the channel.
 */
export async function claimWithAttempt(deps: Pick<Deps, 'orders'>, before: Order, after: Order): Promise<boolean> {
  const current = await currentAttempt(deps, before);
  const attempt = current && {
    before: current.attempt,
    after: { ...current.attempt, status: 'PROCESSING' as const, nextAction: after.payment?.nextAction ?? null, version: current.attempt.version + 1, updatedAt: after.updatedAt },
    stored: current.stored,
  };
  return transitionOrder(deps, { before, after, attempt });
}

/**
 * Records, before the channel is called, which channel the current attempt goes to: if its answer is then lost
 * (timeout, crash), the order says where the janitor must query. False if the order no longer pays with it.
 */
export async function recordAttemptChannel(
  deps: Pick<Deps, 'orders'>,
  a: { orderId: string; paymentId: string; channel: string; routing?: AttemptRouting },
): Promise<boolean> {
  return (await deps.orders.commit({ attemptChannel: a })).committed;
}

/** What committing an attempt's outcome did. */
export type AttemptCommit =
  /** The order and attempt moved (or only the attempt, when it no longer is the order's current one). */
  | { readonly kind: 'committed'; readonly order: Order; readonly attempt: Attempt }
  /** The attempt already had this outcome (a retried step, a duplicate callback): nothing was written. */
  | { readonly kind: 'duplicate'; readonly order: Order; readonly attempt: Attempt }
  /**
   * The channel took the money for an attempt the order no longer pays with (the order is CLOSED, or another attempt
   * replaced this one): recorded on the attempt and in the ledger, the order unchanged; the caller refunds it at the
   * channel (docs/decisions.md, entry 76).
   */
  | { readonly kind: 'late_success'; readonly order: Order; readonly attempt: Attempt };

/** How many times a commit reads again after its conditional write lost to another writer. */
const COMMIT_ROUNDS = 4;

/**
 * Two ways in, one way to commit: the sync workflow's commit step, confirm, close, and (next) the callback handler
 * and the janitor's query all end an attempt here. Reads the order and the attempt, decides, and writes the order,
 * the attempt, the channel-payment pointer, the ledger entry and the outbox event in one transaction. Idempotent: an
 * outcome the attempt already has is a no-op that returns the current order. An amount or currency that differs from
 * the attempt's is refused (OutcomeMismatchError) and changes nothing.
 */
export async function commitAttemptOutcome(
  deps: WriterDeps,
  input: {
    orderId: string;
    paymentId: string;
    outcome: AttemptOutcome;
    fees?: MerchantFees;
    otpFailures?: number;
    /** The pay workflow's commit: the risk decision the attempt keeps, and its velocity counts (decisions, 217-218). */
    risk?: RiskDecision;
    velocity?: readonly CounterIncrement[];
    /** The charge's answered call, counted in its channel's health with this commit (docs/decisions.md, 204). */
    channelCall?: ChannelCallCount;
    /** The route step's decision for an attempt no channel was called for (none eligible), which no charge recorded. */
    routing?: AttemptRouting;
  },
): Promise<AttemptCommit> {
  for (let round = 0; round < COMMIT_ROUNDS; round += 1) {
    // The attempt first, then the order: another writer's commit (the channel's notice racing the pay's own answer)
    // that lands between the two reads is then in the order read, never only in the attempt, so a duplicate answers
    // the order as that commit left it, not a PROCESSING read from before it. A stale attempt beside a newer order
    // loses its conditional write below and is read again.
    const stored = await deps.orders.getAttempt(input.orderId, input.paymentId);
    const order = await deps.orders.getOrder(input.orderId);
    if (!order) throw new NotFoundError('order', 'id');
    const attempt = stored ?? (order.payment?.id === input.paymentId ? attemptFromOrder(order) : undefined);
    if (!attempt) throw new NotFoundError('payment', 'paymentId');
    assertSameMoney(attempt, input.outcome);

    const target = attemptStatusOf(input.outcome.outcome);
    const isCurrent = order.payment?.id === attempt.id && order.status !== 'CLOSED';
    const paid = target === 'SUCCEEDED' || target === 'AUTHORIZED';
    if (attempt.status === target && (FINAL_ATTEMPT_STATUSES.includes(target) || !isCurrent || sameOrderState(order, target))) {
      return { kind: 'duplicate', order, attempt };
    }
    if (FINAL_ATTEMPT_STATUSES.includes(attempt.status) && !(paid && attempt.status === 'CANCELLED')) {
      // A final attempt keeps its outcome; a contradicting report is logged for reconciliation, never applied.
      logger.warn('outcome for a final attempt ignored', { orderId: order.id, paymentId: attempt.id, status: attempt.status, outcome: input.outcome.outcome });
      return { kind: 'duplicate', order, attempt };
    }

    const nowMs = deps.now();
    const now = new Date(nowMs).toISOString();
    let change: StateChange;
    let result: AttemptCommit;
    if (paid && (!isCurrent || attempt.status === 'CANCELLED')) {
      const after: Attempt = {
        ...attemptAfter(attempt, { ...input.outcome, outcome: 'succeeded' } as AttemptOutcome, order, now, true),
        lateRefund: attempt.lateRefund ?? { id: newId('rf', nowMs), status: 'PENDING', channelRefundId: null, code: null },
      };
      assertAttemptTransition(attempt.status, after.status, true);
      change = {
        attempts: [attemptWrite(attempt, after, stored !== undefined)],
        pointers: pointersOf(after),
        ledger: latePaymentEntry(order, after, nowMs),
      };
      result = { kind: 'late_success', order, attempt: after };
    } else if (!isCurrent) {
      // An attempt the order no longer pays with ends on its own; the order is not touched.
      const after = attemptAfter(attempt, input.outcome, order, now);
      assertAttemptTransition(attempt.status, after.status);
      change = { attempts: [attemptWrite(attempt, after, stored !== undefined)], pointers: pointersOf(after) };
      result = { kind: 'committed', order, attempt: after };
    } else {
      const decided = await withCheckoutPage(deps.checkout, order, input.outcome, nowMs);
      const fees = input.fees ?? merchantFeesOf(await deps.merchants.get(order.merchantId), deps.settings.defaultFeeBps);
      const captureBefore = decided.outcome === 'authorized' ? holdUntil(deps, attempt, decided.channel, nowMs) : undefined;
      const applied = applyOutcome(order, decided, { now, fees, ledgerEntryId: newId('le', nowMs), captureBefore });
      const withFailures = input.otpFailures === undefined ? applied.after.payment! : { ...applied.after.payment!, otpFailures: input.otpFailures };
      const provisional: Order = { ...applied.after, payment: withFailures };
      const after = withRouting(withRisk(attemptAfter(attempt, decided, provisional, now), input.risk), input.routing);
      assertAttemptTransition(attempt.status, after.status);
      const orderAfter: Order = { ...provisional, payment: paymentSummary(after) };
      // An authorization holds its amount in the ledger from the commit that makes it one (entry 139).
      const hold = orderAfter.status === 'AUTHORIZED' ? placeAuthorizationHold(authorizationOf(orderAfter), { entryId: newId('le', nowMs), nowMs }) : undefined;
      change = {
        order: { after: orderAfter, expect: { status: order.status, version: order.version } },
        attempts: [attemptWrite(attempt, after, stored !== undefined)],
        pointers: pointersOf(after),
        ledger: hold?.entry ?? applied.ledger,
        hold: hold?.write,
        event: applied.eventType ? orderEvent(applied.eventType, orderAfter, nowMs) : undefined,
        channelUsage: channelUsageOf(order, orderAfter, nowMs),
      };
      result = { kind: 'committed', order: orderAfter, attempt: after };
    }
    const written = await deps.orders.commit({
      ...change,
      ...(input.velocity ? { velocity: input.velocity } : {}),
      ...(input.channelCall ? { channelCall: input.channelCall } : {}),
    });
    if (written.committed) {
      if (result.kind === 'late_success') {
        logger.warn('late success: the channel took money for an order that no longer pays; it must be refunded', {
          orderId: order.id,
          paymentId: attempt.id,
          channel: result.attempt.channel,
        });
        // Counted here, where it is recorded once per attempt, and alarmed at one (docs/decisions.md, entry 95).
        recordLatePayment(result.attempt.channel, { orderId: order.id, paymentId: attempt.id }, nowMs);
      }
      countPaymentOutcome(order, result, nowMs);
      return result;
    }
    if (written.failed === 'pointer') {
      throw new Error(`Channel payment id of attempt ${input.paymentId} already points to another attempt`);
    }
    // A guarded account (a customer's balance) would go below zero: nothing was written; reading again cannot help.
    if (written.failed === 'balance') throw new InsufficientBalanceError(input.orderId);
    // Another writer moved the order or the attempt since the read: decide again on what is stored now.
  }
  throw new OrderChangedError(input.orderId);
}

/**
 * A charge the order just became paid by counts towards its channel's daily quota, in the same transaction
 * (docs/decisions.md, 210); a customer's balance is no routed channel.
 */
function channelUsageOf(before: Order, after: Order, nowMs: number): StateChange['channelUsage'] {
  const channel = after.payment?.channel;
  const paid = after.status === 'SUCCEEDED' || after.status === 'AUTHORIZED';
  if (!paid || before.status === after.status || !channel || channel === BALANCE_CHANNEL) return undefined;
  return { channel, currency: after.currency, amount: after.amount, nowMs };
}

/** The attempt with the risk step's decision: in full on the attempt, its action in the order's payment summary. */
function withRisk(attempt: Attempt, risk: RiskDecision | undefined): Attempt {
  return risk ? { ...attempt, risk, riskDecision: risk.action } : attempt;
}

/** The attempt with the route step's decision, unless the charge step already recorded one (decisions, 208). */
function withRouting(attempt: Attempt, routing: AttemptRouting | undefined): Attempt {
  return routing && !attempt.routing ? { ...attempt, routing } : attempt;
}

/** An authorization's captureBefore: now plus the window of its channel and card brand (docs/decisions.md, entry 113). */
function holdUntil(deps: Pick<Deps, 'authorizationWindowSeconds'>, attempt: Attempt, channel: string, nowMs: number): string {
  return captureBeforeOf(nowMs, { channel, brand: attempt.card?.brand ?? null }, deps.authorizationWindowSeconds);
}

/**
 * PaymentsSucceeded / PaymentsFailed, by channel, counted where every path ends (the workflow, confirm, a channel's
 * callback, the janitor's query), once per committed change: the order became paid, or its attempt ended unpaid and
 * the order is payable again. A challenge kept open (a wrong OTP with tries left) ends nothing and counts nothing.
 */
function countPaymentOutcome(before: Order, result: AttemptCommit, nowMs: number): void {
  if (result.kind !== 'committed' || result.order === before || result.order.status === before.status) return;
  const after = result.order;
  const paid = after.status === 'SUCCEEDED' || after.status === 'AUTHORIZED';
  if (!paid && after.status !== 'CREATED') return;
  const properties = { orderId: after.id, channel: result.attempt.channel, code: paid ? null : (after.lastPaymentError?.code ?? null) };
  recordPaymentOutcome(paid ? 'succeeded' : 'failed', properties, nowMs);
}

/** The order already shows this attempt's (non-final) state, e.g. a retried commit of a challenge. */
function sameOrderState(order: Order, target: Attempt['status']): boolean {
  return (target === 'REQUIRES_ACTION' && order.status === 'REQUIRES_ACTION') || (target === 'AUTHORIZED' && order.status === 'AUTHORIZED');
}

function assertSameMoney(attempt: Attempt, outcome: AttemptOutcome): void {
  if (outcome.outcome !== 'succeeded' && outcome.outcome !== 'authorized') return;
  if ((outcome.amount !== undefined && outcome.amount !== attempt.amount) || (outcome.currency !== undefined && outcome.currency !== attempt.currency)) {
    throw new OutcomeMismatchError(attempt, outcome.amount, outcome.currency);
  }
}

function pointersOf(attempt: Attempt): AttemptPointer[] {
  if (!attempt.channel || !attempt.channelPaymentId) return [];
  return [{ channel: attempt.channel, channelPaymentId: attempt.channelPaymentId, orderId: attempt.orderId, paymentId: attempt.id }];
}

function latePaymentEntry(order: Order, attempt: Attempt, nowMs: number): LedgerEntry {
  const channel = attempt.channel ?? 'unknown';
  return {
    id: newId('le', nowMs),
    kind: 'late_payment',
    merchantId: order.merchantId,
    orderId: order.id,
    refundId: null,
    channel,
    currency: attempt.currency,
    lines: latePaymentLines({ channel, amount: attempt.amount }),
    createdAt: new Date(nowMs).toISOString(),
  };
}

/**
 * Records the channel's answer to the refund of a late success: SUCCEEDED (with the ledger entry that pays the payer
 * back), FAILED (left owed in the late-payments account, for an operator) or still PROCESSING. A refund already
 * ended is not written again.
 */
export async function recordLateRefund(
  deps: Pick<Deps, 'orders' | 'now'>,
  r: { orderId: string; paymentId: string; result: ChannelRefundState },
): Promise<Attempt> {
  const attempt = await deps.orders.getAttempt(r.orderId, r.paymentId);
  const refund = attempt?.lateRefund;
  if (!attempt || !refund || !attempt.lateSuccess) throw new Error(`Attempt ${r.paymentId} has no late success to refund`);
  if (refund.status === 'SUCCEEDED' || refund.status === 'FAILED') return attempt;
  const status = r.result.status === 'succeeded' ? 'SUCCEEDED' : r.result.status === 'processing' ? 'PROCESSING' : 'FAILED';
  if (status === refund.status) return attempt;
  const nowMs = deps.now();
  const now = new Date(nowMs).toISOString();
  const after: Attempt = {
    ...attempt,
    lateRefund: { ...refund, status, channelRefundId: r.result.channelRefundId ?? refund.channelRefundId, code: r.result.code ?? null },
    updatedAt: now,
    version: attempt.version + 1,
  };
  const channel = attempt.channel ?? 'unknown';
  const written = await deps.orders.commit({
    attempts: [{ after, expect: { status: attempt.status, version: attempt.version } }],
    ledger: status === 'SUCCEEDED'
      ? {
          id: newId('le', nowMs),
          kind: 'late_refund',
          merchantId: attempt.merchantId,
          orderId: attempt.orderId,
          refundId: refund.id,
          channel,
          currency: attempt.currency,
          lines: lateRefundLines({ channel, amount: attempt.amount }),
          createdAt: now,
        }
      : undefined,
  });
  if (written.committed) return after;
  // A concurrent recording of the same answer won: what it wrote is the answer.
  return (await deps.orders.getAttempt(r.orderId, r.paymentId))!;
}

/**
 * Failover: the attempt at `channel` timed out and was cancelled there; a new attempt (its own id, so the next
 * channel sees a new merchant order number) becomes the order's current one. The first attempt is kept, CANCELLED,
 * instead of being overwritten. Idempotent: a retried step finds the order already on the new attempt.
 */
export async function failoverAttempt(
  deps: Pick<Deps, 'orders' | 'now'>,
  f: { orderId: string; fromPaymentId: string; toPaymentId: string; channel: string; routing?: AttemptRouting },
): Promise<Order> {
  const order = await deps.orders.getOrder(f.orderId);
  if (!order) throw new NotFoundError('order', 'id');
  if (order.payment?.id === f.toPaymentId) return order;
  if (order.status !== 'PROCESSING' || order.payment?.id !== f.fromPaymentId) {
    throw new ConflictError('order_changed', `Order ${f.orderId} is no longer processing payment ${f.fromPaymentId}.`);
  }
  const current = (await currentAttempt(deps, order))!;
  const nowMs = deps.now();
  const now = new Date(nowMs).toISOString();
  const cancelled = attemptAfter(
    { ...current.attempt, channel: f.channel },
    { outcome: 'cancelled', channel: f.channel, channelPaymentId: null },
    order,
    now,
  );
  assertAttemptTransition(current.attempt.status, 'CANCELLED');
  const payment: Payment = { ...order.payment, id: f.toPaymentId, channel: null, channelPaymentId: null, nextAction: null, createdAt: now, ...(f.routing ? { routing: f.routing } : {}) };
  const next = newAttempt(order, payment);
  const after: Order = { ...order, payment, version: order.version + 1, updatedAt: now };
  const written = await deps.orders.commit({
    order: { after, expect: { status: order.status, version: order.version } },
    attempts: [attemptWrite(current.attempt, cancelled, current.stored), { after: next, expect: null }],
    pointers: [{ channel: null, channelPaymentId: null, orderId: order.id, paymentId: f.toPaymentId }],
  });
  if (written.committed) return after;
  const reread = await deps.orders.getOrder(f.orderId);
  if (reread?.payment?.id === f.toPaymentId) return reread;
  throw new OrderChangedError(f.orderId);
}

/** How many times a refund's completion flips its guess of being the final one before giving up. */
const REFUND_ROUNDS = 20;

/**
 * The channel refunded: the refund SUCCEEDED, the order's amountRefunded grows, and the refund that brings it to the
 * captured amount moves the order SUCCEEDED → REFUNDED, with the ledger entry and refund.succeeded in one transaction.
 * Which refund is the last can only be known at write time, so the write is conditioned on the guess and flips.
 */
export async function completeRefund(
  deps: Pick<Deps, 'orders' | 'ledger'>,
  c: { order: Order; refund: Refund; channelRefundId: string; nowMs: number },
): Promise<Refund> {
  assertRefundTransition(c.refund.status, 'SUCCEEDED');
  const done = new Date(c.nowMs).toISOString();
  const succeeded: Refund = { ...c.refund, status: 'SUCCEEDED', channelRefundId: c.channelRefundId, version: c.refund.version + 1, updatedAt: done };
  const capturedBefore = c.order.amountCaptured - c.refund.amount;
  let final = c.order.amountRefunded + c.refund.amount === c.order.amountCaptured;
  // A top-up's refund posts the hold it placed on the customer's balance to the channel (entry 122).
  const topup = c.order.purpose === 'topup' ? await topupRefundHold(deps, c.refund, (hold, ctx) => postHold(hold, undefined, ctx), c.nowMs) : undefined;
  const ledger: LedgerEntry = topup?.entry ?? {
    id: newId('le', c.nowMs),
    kind: 'refund',
    merchantId: c.order.merchantId,
    orderId: c.order.id,
    outTradeNo: c.order.outTradeNo,
    refundId: c.refund.id,
    channel: c.refund.channel,
    currency: c.refund.currency,
    // Taken from available first, then pending (entry 109): the split is decided on the balance read now. A balance
    // payment's refund goes back to the customer's balance (entry 121).
    lines: refundLines({
      merchantId: c.order.merchantId,
      channel: c.refund.channel,
      amount: c.refund.amount,
      balance: await merchantBalanceIn(deps.ledger, c.order.merchantId, c.refund.currency),
      ...(c.refund.channel === BALANCE_CHANNEL && c.order.payment?.customerId ? { customerId: c.order.payment.customerId } : {}),
    }),
    createdAt: done,
  };
  const event = refundEvent('refund.succeeded', succeeded, c.order.notifyUrl, c.nowMs);
  for (let round = 0; round < REFUND_ROUNDS; round += 1) {
    if (final) assertTransition('SUCCEEDED', 'REFUNDED');
    const written = await deps.orders.commit({
      refundTotals: {
        orderId: c.order.id,
        merchantId: c.order.merchantId,
        amount: c.refund.amount,
        refundedBefore: capturedBefore,
        toStatus: final ? 'REFUNDED' : null,
        now: done,
      },
      refund: { after: succeeded, expect: c.refund.status },
      ledger,
      hold: topup?.write,
      event,
    });
    if (written.committed) return succeeded;
    if (written.failed !== 'refundTotals') throw new Error(`Refund ${c.refund.id} is no longer ${c.refund.status}`);
    final = !final;
  }
  throw new Error(`Refund ${c.refund.id} could not be completed after repeated contention`);
}

/**
 * The step that ends a top-up refund's hold on the customer's balance (placed before its reservation, entry 122),
 * for the refund's own commit; undefined when the hold is already ended (a retried completion).
 */
async function topupRefundHold(
  deps: Pick<Deps, 'ledger'>,
  refund: Refund,
  end: (hold: Hold, ctx: { entryId: string; nowMs: number }) => HoldStep,
  nowMs: number,
): Promise<HoldStep | undefined> {
  const hold = await deps.ledger.getHold(refund.id);
  if (!hold || hold.status !== 'PENDING') return undefined;
  return end(hold, { entryId: newId('le', nowMs), nowMs });
}

/** The channel refused the refund: FAILED, its reservation given back to the order, refund.failed. */
export async function failRefund(
  deps: Pick<Deps, 'orders' | 'ledger'>,
  f: { order: Order; refund: Refund; code: string; nowMs: number },
): Promise<Refund> {
  assertRefundTransition(f.refund.status, 'FAILED');
  const failed: Refund = { ...f.refund, status: 'FAILED', failureCode: f.code, version: f.refund.version + 1, updatedAt: new Date(f.nowMs).toISOString() };
  // A top-up's refund gives the customer's balance back what its hold kept aside.
  const topup = f.order.purpose === 'topup' ? await topupRefundHold(deps, f.refund, voidHold, f.nowMs) : undefined;
  const written = await deps.orders.commit({
    refund: { after: failed, expect: f.refund.status },
    releaseRefund: { orderId: f.refund.orderId, amount: f.refund.amount },
    ...(topup ? { ledger: topup.entry, hold: topup.write } : {}),
    event: refundEvent('refund.failed', failed, f.order.notifyUrl, f.nowMs),
  });
  if (!written.committed) throw new Error(`Refund ${f.refund.id} is no longer ${f.refund.status}`);
  return failed;
}

/**
 * Claims an AUTHORIZED order for one capture or void (AUTHORIZED → PROCESSING with its authorizationClaim), a
 * conditional write on the order's status and version: of a capture and a void, two captures, or a void and the
 * expiry, exactly one gets it and talks to the channel; the others read PROCESSING and get 409 (entry 114). The
 * attempt stays AUTHORIZED: nothing happened at the channel yet. The claimed order, or undefined when another won.
 */
export async function claimAuthorization(
  deps: Pick<Deps, 'orders' | 'now'>,
  order: Order,
  claim: Omit<AuthorizationClaim, 'claimedAt'>,
): Promise<Order | undefined> {
  const claimed = claimedAuthorization(order, claim, new Date(deps.now()).toISOString());
  return (await transitionOrder(deps, { before: order, after: claimed })) ? claimed : undefined;
}

/**
 * Ends a claimed authorization with the channel's answer, through the state table, in one transaction: captured →
 * SUCCEEDED with amountCaptured, its ledger entry (the captured amount) and order.succeeded; voided → CLOSED
 * (closeReason from the claim) with order.closed; released → AUTHORIZED again, no event. Idempotent: an order that
 * already shows this outcome is returned as it is (the capture's own commit and the janitor's may both arrive), and a
 * lost condition reads and decides again. An order no longer claimed for this attempt is returned unchanged.
 */
export async function commitAuthorizationOutcome(
  deps: Pick<Deps, 'orders' | 'merchants' | 'ledger' | 'now' | 'settings'>,
  input: { orderId: string; paymentId: string; outcome: AuthorizationOutcome },
): Promise<Order> {
  for (let round = 0; round < COMMIT_ROUNDS; round += 1) {
    const order = await deps.orders.getOrder(input.orderId);
    if (!order) throw new NotFoundError('order', 'id');
    if (order.payment?.id !== input.paymentId || order.status !== 'PROCESSING' || !order.authorizationClaim) return order;
    const current = (await currentAttempt(deps, order))!;
    // An attempt item is written with its first outcome (AUTHORIZED); data older than attempts has only the summary.
    const attempt: Attempt = current.stored ? current.attempt : { ...current.attempt, status: 'AUTHORIZED' };
    const nowMs = deps.now();
    const applied = applyAuthorizationOutcome(order, attempt, input.outcome, {
      now: new Date(nowMs).toISOString(),
      fees: merchantFeesOf(await deps.merchants.get(order.merchantId), deps.settings.defaultFeeBps),
      ledgerEntryId: newId('le', nowMs),
    });
    if (applied.attempt !== attempt) assertAttemptTransition(attempt.status, applied.attempt.status);
    const orderAfter = applied.after;
    // The authorization's hold ends in the same transaction: posted for the captured amount (the rest released),
    // voided, or expired (entry 139); its conditional write is one more reason a lost round decides again.
    const hold = endAuthorizationHold(await deps.ledger.getHold(authorizationHoldId(attempt.id)), input.outcome, orderAfter.closeReason, {
      entryId: newId('le', nowMs),
      nowMs,
    });
    const written = await deps.orders.commit({
      order: { after: orderAfter, expect: { status: order.status, version: order.version } },
      attempts: applied.attempt !== attempt ? [attemptWrite(attempt, applied.attempt, current.stored)] : undefined,
      ledger: applied.ledger ?? hold?.entry,
      hold: hold?.write,
      holdEntry: applied.ledger ? hold?.entry : undefined,
      event: applied.eventType ? orderEvent(applied.eventType, orderAfter, nowMs) : undefined,
    });
    // Not counted in PaymentsSucceeded: the authorization was, when the order became AUTHORIZED.
    if (written.committed) return orderAfter;
    // Another writer (the janitor's query, a retried request) ended the claim since the read: decide again.
  }
  throw new OrderChangedError(input.orderId);
}

/**
 * A channel reported another amount or currency than the attempt's: nothing is written. Not a merchant-facing error:
 * the callback handler answers it 4xx and counts it, the janitor flags it for an operator.
 */
export class OutcomeMismatchError extends Error {
  constructor(attempt: Attempt, amount: number | undefined, currency: string | undefined) {
    super(`The channel reported ${amount ?? '?'} ${currency ?? '?'} for attempt ${attempt.id} of ${attempt.amount} ${attempt.currency}`);
    this.name = 'OutcomeMismatchError';
  }
}

/**
 * The commit's ledger entry would take a guarded account (a customer's balance) below zero, so the whole transaction
 * was refused by the balance item's condition. The caller decides the answer (a balance payment: FAILED and 402).
 */
export class InsufficientBalanceError extends Error {
  constructor(orderId: string) {
    super(`A guarded balance does not cover the ledger entry of order ${orderId}`);
    this.name = 'InsufficientBalanceError';
  }
}

export class OrderChangedError extends DomainError {
  constructor(orderId: string) {
    super(409, 'conflict', 'order_changed', `Order ${orderId} changed while its payment was being committed.`);
  }
}
