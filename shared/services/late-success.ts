import type { Attempt } from '../domain/attempt.js';
import { logger } from '../logger.js';
import { callbackUrl } from './channel-outcomes.js';
import { channelOf, flowOf, type Deps } from './deps.js';
import { recordLateRefund } from './state-writer.js';

/**
 * Refunds a late success at its channel (docs/decisions.md, entry 76): the channel took the payer's money for an
 * order that no longer pays (CLOSED, or paid by another attempt), so the money goes back, under the refund id chosen
 * when the late success was recorded (a retry asks for the same refund). The callback handler and the janitor call
 * this after commitAttemptOutcome answered `late_success`; it is safe to call again until the refund has ended.
 */
export async function refundLateSuccess(deps: Deps, attempt: Attempt): Promise<Attempt> {
  const refund = attempt.lateRefund;
  if (!attempt.lateSuccess || !refund || refund.status === 'SUCCEEDED' || refund.status === 'FAILED') return attempt;
  if (!attempt.channel || !attempt.channelPaymentId) throw new Error(`Late success ${attempt.id} has no channel payment to refund`);
  const result = await flowOf(channelOf(deps, attempt.channel), 'refund')({
    refundId: refund.id,
    paymentId: attempt.id,
    channelPaymentId: attempt.channelPaymentId,
    amount: attempt.amount,
    paymentAmount: attempt.amount,
    currency: attempt.currency,
    reason: 'Paid after the order was closed',
    callbackUrl: callbackUrl(deps, attempt.channel),
  });
  const recorded = await recordLateRefund(deps, { orderId: attempt.orderId, paymentId: attempt.id, result });
  if (recorded.lateRefund?.status === 'FAILED') {
    logger.error('late success: the channel refused its refund; the payer is still owed', {
      orderId: attempt.orderId,
      paymentId: attempt.id,
      channel: attempt.channel,
      code: recorded.lateRefund.code,
    });
  }
  return recorded;
}
