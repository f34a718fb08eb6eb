import { effectiveOrder, type Order, type Refund } from '../domain/order.js';

/**
 * The public JSON of each object: what the API returns and what events carry. Internal fields (refundable
 * remainder, notify URL, channel ids of other attempts) stay inside.
 */
export function orderResource(stored: Order, nowMs: number, refunds?: readonly Refund[]): Record<string, unknown> {
  const order = effectiveOrder(stored, nowMs);
  const resource: Record<string, unknown> = {
    id: order.id,
    object: 'order',
    merchantId: order.merchantId,
    outTradeNo: order.outTradeNo,
    amount: order.amount,
    currency: order.currency,
    status: order.status,
    version: order.version,
    amountCaptured: order.amountCaptured,
    amountRefunded: order.amountRefunded,
    subject: order.subject,
    metadata: order.metadata,
    payment: order.payment
      ? {
          id: order.payment.id,
          method: order.payment.method,
          capture: order.payment.capture,
          channel: order.payment.channel,
          card: order.payment.card,
          nextAction: order.payment.nextAction,
          fee: order.payment.fee,
          createdAt: order.payment.createdAt,
        }
      : null,
    lastPaymentError: order.lastPaymentError,
    createdAt: order.createdAt,
    expiresAt: order.expiresAt,
    updatedAt: order.updatedAt,
    closedAt: order.closedAt,
    closeReason: order.closeReason,
  };
  if (refunds) resource.refunds = refunds.map(refundResource);
  return resource;
}

export function refundResource(refund: Refund): Record<string, unknown> {
  return {
    id: refund.id,
    object: 'refund',
    orderId: refund.orderId,
    outRefundNo: refund.outRefundNo,
    amount: refund.amount,
    currency: refund.currency,
    status: refund.status,
    reason: refund.reason,
    failureCode: refund.failureCode,
    version: refund.version,
    createdAt: refund.createdAt,
    updatedAt: refund.updatedAt,
  };
}
