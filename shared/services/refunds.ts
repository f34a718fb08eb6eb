import { ConflictError, NotFoundError, UnprocessableError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { REFUND_WINDOW_MS, type Refund } from '../domain/order.js';
import { ChannelTimeoutError } from '../ports/payment-channel.js';
import type { Merchant } from '../ports/stores.js';
import type { CreateRefundRequest } from '../schemas/requests.js';
import { callbackUrl } from './channel-outcomes.js';
import { channelOf, flowOf, type Deps } from './deps.js';
import { refundQueryKey, scheduleRefundQuery } from './janitor-timers.js';
import { loadOrder } from './orders.js';
import { completeRefund, failRefund } from './state-writer.js';
import { holdForTopupRefund, refundsWithoutChannel, releaseTopupRefundHold } from './topup-refunds.js';

export interface RefundResponse {
  readonly created: boolean;
  /** The channel's answer was lost: the refund stays PROCESSING (202) until the janitor's query ends it. */
  readonly unknown?: boolean;
  readonly refund: Refund;
}

/**
 * Refunds in two steps around the channel call. First the amount is reserved against the order's refundable
 * remainder together with the outRefundNo, in one transaction, so that no number of concurrent refunds can exceed
 * the captured amount. Then the channel refunds, and the result commits with its ledger entry and event.
 */
export async function createRefund(
  deps: Deps,
  merchant: Merchant,
  orderId: string,
  request: CreateRefundRequest,
): Promise<RefundResponse> {
  const order = await loadOrder(deps, merchant.merchantId, orderId);
  const existing = await sameRefund(deps, orderId, request);
  if (existing) return { created: false, refund: existing };
  const nowMs = deps.now();
  assertRefundable(order, request.amount, nowMs);

  const now = new Date(nowMs).toISOString();
  const refund: Refund = {
    id: newId('rf', nowMs),
    orderId,
    merchantId: merchant.merchantId,
    outRefundNo: request.outRefundNo,
    amount: request.amount,
    currency: order.currency,
    status: 'PROCESSING',
    reason: request.reason ?? null,
    channel: order.payment!.channel!,
    channelRefundId: null,
    failureCode: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  // The janitor's query is set before the reservation (which makes the refund PROCESSING), so no crash after it can
  // leave the refund without one; it finds nothing to do for a refund never written, and is removed when this loses.
  const topup = order.purpose === 'topup';
  if (topup) await holdForTopupRefund(deps, order, refund, nowMs);
  await scheduleRefundQuery(deps, refund, nowMs);
  const reservation = await deps.orders.reserveRefund(refund);
  if (reservation !== 'reserved') await deps.timers.cancel(refundQueryKey(refund.id));
  if (reservation !== 'reserved' && topup) await releaseTopupRefundHold(deps, refund);
  if (reservation === 'duplicate') {
    const winner = await sameRefund(deps, orderId, request);
    if (winner) return { created: false, refund: winner };
    throw new Error('outRefundNo lock without a refund');
  }
  if (reservation === 'rejected') {
    // Re-read to say precisely why: the order left SUCCEEDED, or the remainder is too small.
    assertRefundable(await loadOrder(deps, merchant.merchantId, orderId), request.amount, nowMs);
    throw new UnprocessableError('refund_exceeds_captured', 'Refunds would exceed the captured amount.', 'amount');
  }

  // Reserved and PROCESSING: from here on only the channel's answer ends it (a lost answer or a crash is left to the
  // query set above); the query is removed once the answer is final.
  const payment = order.payment!;
  if (refundsWithoutChannel(refund)) {
    const completed = await completeRefund(deps, { order, refund, channelRefundId: refund.id, nowMs: deps.now() });
    await deps.timers.cancel(refundQueryKey(refund.id));
    return { created: true, refund: completed };
  }
  let result;
  try {
    result = await flowOf(channelOf(deps, refund.channel), 'refund')({
      refundId: refund.id,
      paymentId: payment.id,
      channelPaymentId: payment.channelPaymentId!,
      amount: refund.amount,
      paymentAmount: order.amountCaptured,
      currency: refund.currency,
      ...(refund.reason ? { reason: refund.reason } : {}),
      callbackUrl: callbackUrl(deps, refund.channel),
    });
  } catch (error) {
    if (!(error instanceof ChannelTimeoutError)) throw error;
    return { created: true, unknown: true, refund };
  }
  const doneMs = deps.now();
  // The query is removed only once the final answer is committed: a crash between the two must leave it pending (the
  // chaos run found a refund killed after an earlier cancel and before its commit, PROCESSING with no query left).
  switch (result.status) {
    case 'succeeded':
      return {
        created: true,
        refund: await endedThenUnscheduled(deps, refund, () =>
          completeRefund(deps, { order, refund, channelRefundId: result.channelRefundId ?? refund.id, nowMs: doneMs }),
        ),
      };
    case 'failed':
    case 'not_found':
      return {
        created: true,
        refund: await endedThenUnscheduled(deps, refund, () => failRefund(deps, { order, refund, code: result.code ?? 'refund_failed', nowMs: doneMs })),
      };
    case 'processing':
      // Accepted, not finished (wallets refund asynchronously): the refund stays PROCESSING, its reservation held,
      // until the channel's refund callback or the janitor's query ends it through the writer.
      return { created: true, refund };
  }
}

async function endedThenUnscheduled(deps: Deps, refund: Refund, end: () => Promise<Refund>): Promise<Refund> {
  const ended = await endedOnce(deps, refund, end);
  await deps.timers.cancel(refundQueryKey(refund.id));
  return ended;
}

/**
 * Ends the refund by the channel's answer, unless the channel's refund notice (shared/services/callbacks.ts) ended it
 * while the answer was on its way: then the refund as the notice left it is the answer, not a 500.
 */
async function endedOnce(deps: Deps, refund: Refund, end: () => Promise<Refund>): Promise<Refund> {
  try {
    return await end();
  } catch (error) {
    const now = await deps.orders.getRefund(refund.id);
    if (!now || now.status === 'PROCESSING') throw error;
    return now;
  }
}

/** outRefundNo is idempotent per order: the same number and amount is the same refund; another amount is a 409. */
async function sameRefund(deps: Deps, orderId: string, request: CreateRefundRequest): Promise<Refund | undefined> {
  const existing = await deps.orders.findRefundByOutRefundNo(orderId, request.outRefundNo);
  if (!existing) return undefined;
  if (existing.amount !== request.amount) {
    throw new ConflictError('duplicate_out_refund_no', 'This outRefundNo was used with another amount.', {
      refundId: existing.id,
    });
  }
  return existing;
}

function assertRefundable(order: { status: string; capturedAt: string | null; refundableRemaining: number }, amount: number, nowMs: number): void {
  if (order.status !== 'SUCCEEDED') {
    throw new ConflictError('order_not_refundable', `An order in status ${order.status} cannot be refunded.`);
  }
  if (order.capturedAt && Date.parse(order.capturedAt) + REFUND_WINDOW_MS < nowMs) {
    throw new ConflictError('refund_window_expired', 'Refunds are accepted for 365 days after capture.');
  }
  if (amount > order.refundableRemaining) {
    throw new UnprocessableError('refund_exceeds_captured', 'Refunds would exceed the captured amount.', 'amount');
  }
}

export async function getRefund(deps: Deps, merchantId: string, refundId: string): Promise<Refund> {
  const refund = await deps.orders.getRefund(refundId);
  if (!refund || refund.merchantId !== merchantId) throw new NotFoundError('refund', 'id');
  return refund;
}
