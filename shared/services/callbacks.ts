import { randomUUID } from 'node:crypto';
import { logger } from '../logger.js';
import { recordCallbackRejected, type CallbackRejectReason } from '../metrics.js';
import type { Refund } from '../domain/order.js';
import {
  CallbackRejectedError,
  type CallbackAck,
  type ChannelAdapter,
  type ChannelPaymentState,
  type ChannelRefundState,
} from '../ports/channel-flows.js';
import { outcomeOfState } from './channel-outcomes.js';
import type { Deps } from './deps.js';
import { refundQueryKey } from './janitor-timers.js';
import { refundLateSuccess } from './late-success.js';
import { commitAttemptOutcome, completeRefund, failRefund, OutcomeMismatchError, recordLateRefund } from './state-writer.js';
import { AgreementReportRefused, settleAgreementReport } from './wallet-agreements.js';

export interface ChannelCallback {
  readonly channel: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: string;
  readonly requestId: string;
}

/** The answer to the channel, in its own format; `verdict` says what the platform made of the callback. */
export interface CallbackAnswer {
  readonly ack: CallbackAck;
  readonly verdict: 'accepted' | 'duplicate' | 'rejected';
  readonly reason?: CallbackRejectReason;
}

/** A callback that must change nothing, with the reason counted in CallbacksRejected. */
class Refused extends Error {
  constructor(
    readonly reason: CallbackRejectReason,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * `POST /callbacks/{channel}` (contract, Channel callbacks). In order: the raw callback is stored (audit, even when
 * refused); the channel's adapter verifies and decodes it (its own signature scheme); the attempt is found by its
 * pointer and must be this channel's; the reported state becomes an outcome committed by the one writer
 * (`commitAttemptOutcome`: order, attempt, ledger and outbox in one transaction, which also cross-checks amount and
 * currency). Duplicates are no-ops. A refused callback changes nothing and gets the channel's refusal (4xx); an
 * accepted one its acknowledgement. A late success (paid after the order closed) is refunded at the channel here.
 * A refund notice ends its refund the same way (`settleRefundReport`); a wallet's agreement notice its agreement
 * (`settleAgreementReport`, shared/services/wallet-agreements.ts).
 */
export async function receiveCallback(deps: Deps, input: ChannelCallback): Promise<CallbackAnswer | undefined> {
  const adapter = deps.channels.get(input.channel);
  // No adapter (an unknown or unconfigured channel): nothing to verify with, so nothing is stored either.
  if (!adapter?.parseCallback || !adapter.callbackAck) {
    recordCallbackRejected(input.channel.slice(0, 32), 'unknown_channel', { requestId: input.requestId }, deps.now());
    return undefined;
  }
  const ref = { channel: input.channel, id: randomUUID() };
  await deps.callbacks.put({ ...ref, receivedAt: new Date(deps.now()).toISOString(), headers: input.headers, rawBody: input.rawBody });
  try {
    const settled = await settleCallback(deps, adapter, input);
    await deps.callbacks.settle(ref, settled);
    return { ack: adapter.callbackAck('ok'), verdict: settled.verdict };
  } catch (error) {
    const refused = asRefused(error);
    if (!refused) throw error;
    recordCallbackRejected(input.channel, refused.reason, { requestId: input.requestId }, deps.now());
    logger.warn('channel callback refused', { channel: input.channel, reason: refused.reason, detail: refused.message, requestId: input.requestId });
    await deps.callbacks.settle(ref, { verdict: 'rejected', reason: refused.reason });
    return { ack: adapter.callbackAck('rejected'), verdict: 'rejected', reason: refused.reason };
  }
}

/** What became of an accepted callback, and what it concerned (kept on the raw callback for audit). */
interface Settled {
  readonly verdict: 'accepted' | 'duplicate';
  readonly orderId?: string;
  readonly paymentId?: string;
  readonly refundId?: string;
}

function asRefused(error: unknown): Refused | undefined {
  if (error instanceof Refused) return error;
  if (error instanceof CallbackRejectedError) return new Refused(error.reason, error.message);
  if (error instanceof OutcomeMismatchError) return new Refused('mismatch', error.message);
  if (error instanceof AgreementReportRefused) return new Refused(error.reason, error.message);
  return undefined;
}

async function settleCallback(
  deps: Deps,
  adapter: ChannelAdapter,
  input: ChannelCallback,
): Promise<Settled> {
  const verified = await adapter.parseCallback!({ headers: input.headers, rawBody: input.rawBody });
  if (verified.kind === 'refund') return settleRefundReport(deps, input.channel, verified.state);
  // A wallet's sign / unsign notice: the agreement writer applies it (its id kept as the callback's orderId, entry 128).
  if (verified.kind === 'agreement') return settleAgreementReport(deps, input.channel, verified.state);
  // Other notices (a trade notification that says nothing we act on) are acknowledged, so the channel stops sending.
  if (verified.kind !== 'payment') return { verdict: 'accepted' };
  const state = verified.state;
  const found = await findReported(deps, input.channel, state);
  if (!found) throw new Refused('unknown_payment', `no attempt for ${input.channel} payment ${state.channelPaymentId ?? state.paymentId}`);
  const attempt = await deps.orders.getAttempt(found.orderId, found.paymentId);
  if (attempt && (attempt.channel !== input.channel || (state.paymentId && state.paymentId !== attempt.id))) {
    throw new Refused('mismatch', `attempt ${found.paymentId} is not ${input.channel}'s payment ${state.paymentId}`);
  }
  const outcome = outcomeOfState(input.channel, state);
  // Still pending at the channel: nothing to commit; the acknowledgement stops the channel from sending it again.
  if (!outcome) return { verdict: 'accepted', ...found };
  const committed = await commitAttemptOutcome(deps, { orderId: found.orderId, paymentId: found.paymentId, outcome });
  if (committed.kind === 'late_success') {
    // The money is recorded as owed back; the refund is attempted now and, if this fails, again by the janitor.
    await refundLateSuccess(deps, committed.attempt).catch((error: unknown) =>
      logger.error('late success refund not done yet', { paymentId: found.paymentId, error: error instanceof Error ? error.message : String(error) }),
    );
  }
  return { verdict: committed.kind === 'duplicate' ? 'duplicate' : 'accepted', ...found };
}

/** The attempt a callback reports on: by the channel's payment id, or by our attempt id (the merchant order number). */
async function findReported(deps: Deps, channel: string, state: ChannelPaymentState) {
  const byChannelId = state.channelPaymentId ? await deps.orders.findAttempt({ channel, channelPaymentId: state.channelPaymentId }) : undefined;
  if (byChannelId) return byChannelId;
  if (!state.paymentId) return undefined;
  return (
    (await deps.orders.findAttempt({ channel, channelPaymentId: state.paymentId })) ??
    (await deps.orders.findAttempt({ channel: null, channelPaymentId: null, paymentId: state.paymentId }))
  );
}

/**
 * A channel's refund notice (WeChat's REFUND.*, Alipay's trade notification after a refund): found by our refund id
 * (the channel's refund number), cross-checked against the refund, its order and its payment, then ended by the one
 * writer as the janitor's refund query ends it (`completeRefund`: refund, order totals, ledger and refund.succeeded in
 * one transaction; `failRefund`: the reservation given back and refund.failed). A refund already final is a duplicate:
 * the first final word stands, nothing is posted twice. A notice that is still `processing` is only acknowledged.
 */
async function settleRefundReport(deps: Deps, channel: string, state: ChannelRefundState): Promise<Settled> {
  const refund = await deps.orders.getRefund(state.refundId);
  if (!refund) return settleLateRefundReport(deps, channel, state);
  const order = await deps.orders.getOrder(refund.orderId);
  if (!order) throw new Refused('unknown_refund', `no order for refund ${state.refundId}`);
  if (refund.merchantId !== order.merchantId) throw new Refused('mismatch', `refund ${refund.id} belongs to another merchant than its order`);
  assertSameRefund(channel, state, {
    id: refund.id,
    channel: refund.channel,
    paymentId: order.payment?.id,
    amount: refund.amount,
    currency: refund.currency,
    capturedAmount: order.amountCaptured,
  });
  const settled = { orderId: order.id, paymentId: order.payment?.id, refundId: refund.id } as const;
  if (state.status !== 'succeeded' && state.status !== 'failed') return { verdict: 'accepted', ...settled };
  const reported = state.status === 'succeeded' ? 'SUCCEEDED' : 'FAILED';
  if (refund.status !== 'PROCESSING') return { verdict: finalAlready(refund, reported), ...settled };
  const nowMs = deps.now();
  try {
    if (reported === 'SUCCEEDED') await completeRefund(deps, { order, refund, channelRefundId: state.channelRefundId ?? refund.id, nowMs });
    else await failRefund(deps, { order, refund, code: state.code ?? 'refund_failed', nowMs });
  } catch (error) {
    // Another path (the refund's own answer, the janitor's query, this notice's retry) ended it first.
    const now = await deps.orders.getRefund(refund.id);
    if (!now || now.status === 'PROCESSING') throw error;
    return { verdict: finalAlready(now, reported), ...settled };
  }
  await cancelRefundQuery(deps, refund.id);
  logger.info('refund ended by the channel\'s notice', { refundId: refund.id, status: reported });
  return { verdict: 'accepted', ...settled };
}

/**
 * The refund of a late success (decisions 76) is no refund item: it lives on the attempt (`lateRefund`, its id chosen
 * when the late success was recorded), found by the trade the notice names. Cross-checked against the attempt and
 * recorded by `recordLateRefund` (the late_refund ledger entry that pays the payer back), once.
 */
async function settleLateRefundReport(deps: Deps, channel: string, state: ChannelRefundState): Promise<Settled> {
  const found = state.paymentId ? await deps.orders.findAttempt({ channel: null, channelPaymentId: null, paymentId: state.paymentId }) : undefined;
  const attempt = found ? await deps.orders.getAttempt(found.orderId, found.paymentId) : undefined;
  const lateRefund = attempt?.lateSuccess ? attempt.lateRefund : null;
  if (!attempt || lateRefund?.id !== state.refundId) throw new Refused('unknown_refund', `no refund ${state.refundId}`);
  assertSameRefund(channel, state, {
    id: lateRefund.id,
    channel: attempt.channel,
    paymentId: attempt.id,
    amount: attempt.amount,
    currency: attempt.currency,
    capturedAmount: attempt.amount,
  });
  const settled = { orderId: attempt.orderId, paymentId: attempt.id, refundId: lateRefund.id } as const;
  if (state.status !== 'succeeded' && state.status !== 'failed') return { verdict: 'accepted', ...settled };
  if (lateRefund.status === 'SUCCEEDED' || lateRefund.status === 'FAILED') return { verdict: 'duplicate', ...settled };
  await recordLateRefund(deps, { orderId: attempt.orderId, paymentId: attempt.id, result: state });
  return { verdict: 'accepted', ...settled };
}

/** What a refund notice is checked against: a refund item with its order, or a late success's refund. */
interface RefundFacts {
  readonly id: string;
  readonly channel: string | null;
  readonly paymentId: string | undefined;
  readonly amount: number;
  readonly currency: string;
  readonly capturedAmount: number;
}

/**
 * A validly signed notice must still be about this refund: of this channel, against the payment the refund was made
 * on, for the refund's amount and currency. Alipay reports only the trade's cumulative refunded amount, which must at
 * least cover this refund and at most the captured amount. Anything else changes nothing.
 */
function assertSameRefund(channel: string, state: ChannelRefundState, refund: RefundFacts): void {
  const mismatch = (what: string) => new Refused('mismatch', `refund ${refund.id}: ${what}`);
  if (refund.channel !== channel) throw mismatch(`made at ${refund.channel ?? 'no channel'}, reported by ${channel}`);
  if (state.paymentId !== undefined && state.paymentId !== refund.paymentId) throw mismatch(`reported against payment ${state.paymentId}`);
  if (state.currency !== refund.currency) throw mismatch(`reported in ${state.currency ?? 'no currency'}`);
  if (state.amount !== undefined) {
    if (state.amount !== refund.amount) throw mismatch(`reported ${state.amount}, refund is ${refund.amount}`);
  } else if (state.refundedTotal === undefined || state.refundedTotal < refund.amount || state.refundedTotal > refund.capturedAmount) {
    throw mismatch(`reported refunded total ${state.refundedTotal ?? 'none'} for ${refund.amount} of ${refund.capturedAmount}`);
  }
}

/** A notice for a refund that is already final: harmless; a contradicting one is logged for an operator, not applied. */
function finalAlready(refund: Refund, reported: 'SUCCEEDED' | 'FAILED'): 'duplicate' {
  if (refund.status !== reported) {
    logger.warn('refund notice contradicts a final refund; the first final word stands', { refundId: refund.id, status: refund.status, reported });
  }
  return 'duplicate';
}

/**
 * The refund's janitor query is no longer needed once the notice ended it. Best effort: a leftover timer finds the
 * refund final and does nothing, and a composition without timers (a function not given the scheduler) keeps it.
 */
async function cancelRefundQuery(deps: Deps, refundId: string): Promise<void> {
  try {
    await deps.timers.cancel(refundQueryKey(refundId));
  } catch (error) {
    logger.info('refund query left in place', { refundId, error: error instanceof Error ? error.message : String(error) });
  }
}
