import { fromDecimalString, toDecimalString } from '../../domain/money.js';
import type {
  ChannelPaymentState,
  ChannelRefundRequest,
  ChannelRefundState,
  CreatePaymentRequest,
} from '../../ports/channel-flows.js';
import type { NetbankCreateBody, NetbankOrder, NetbankRefundBody, NetbankRefundState } from './wire.js';

/** Request and answer mapping between the channel port and the bank's wire format; no I/O here. */
export function toCreateBody(request: CreatePaymentRequest, merchantNo: string): NetbankCreateBody {
  return {
    merchantNo,
    orderNo: request.paymentId,
    amount: toDecimalString(request),
    currency: request.currency,
    subject: request.subject,
    ...(request.bank ? { bankCode: request.bank } : {}),
    notifyUrl: request.callbackUrl,
    ...(request.returnUrl ? { returnUrl: request.returnUrl } : {}),
    expireTime: request.expiresAt,
    ...(request.payerIp ? { payerIp: request.payerIp } : {}),
  };
}

const ORDER_STATUS: Record<NetbankOrder['status'], ChannelPaymentState['status']> = {
  PENDING: 'pending',
  PAID: 'succeeded',
  FAILED: 'failed',
  CLOSED: 'closed',
};

/** Undefined when the amount does not read in its currency: the caller treats the answer as not understood. */
export function toPaymentState(order: NetbankOrder): ChannelPaymentState | undefined {
  const amount = fromDecimalString(order.amount, order.currency);
  if (amount === undefined) return undefined;
  return {
    status: ORDER_STATUS[order.status],
    channelPaymentId: order.bankOrderId,
    paymentId: order.orderNo,
    amount,
    currency: order.currency,
    // The bank's own reason (PAYER_CANCELLED, PAYMENT_FAILED, ORDER_EXPIRED), as the port asks.
    ...(order.failCode ? { code: order.failCode } : {}),
    ...(order.paidTime ? { paidAt: order.paidTime } : {}),
  };
}

export function toRefundBody(request: ChannelRefundRequest, merchantNo: string): NetbankRefundBody {
  return {
    merchantNo,
    orderNo: request.paymentId,
    refundNo: request.refundId,
    amount: toDecimalString(request),
    currency: request.currency,
    ...(request.reason ? { reason: request.reason } : {}),
    notifyUrl: request.callbackUrl,
  };
}

const REFUND_STATUS: Record<NetbankRefundState['status'], ChannelRefundState['status']> = {
  SUCCESS: 'succeeded',
  PROCESSING: 'processing',
  FAILED: 'failed',
};

export function toRefundState(refund: NetbankRefundState): ChannelRefundState {
  return {
    status: REFUND_STATUS[refund.status],
    refundId: refund.refundNo,
    channelRefundId: refund.bankRefundId,
    ...(refund.failCode ? { code: refund.failCode.toLowerCase() } : {}),
  };
}
