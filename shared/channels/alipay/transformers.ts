import { toDecimalString } from '../../domain/money.js';
import type {
  ChannelPaymentState,
  ChannelRefundRequest,
  ChannelRefundState,
  CreatePaymentRequest,
  VerifiedCallback,
} from '../../ports/channel-flows.js';

/**
 * Request and answer mapping for Alipay's open platform (like Hyperswitch's connectors/<name>/transformers.rs):
 * integer fen inside, yuan decimal strings ("19.99") and China-time timestamps only on the wire.
 */

/** A gateway answer's `<method>_response` object: `code` "10000" is success, anything else carries sub_code. */
export type AlipayAnswer = Readonly<Record<string, unknown>> & { readonly code: string; readonly msg?: string };

/** China Standard Time (UTC+8, no daylight saving): Alipay's `timestamp`, `time_expire`, `gmt_*` and `notify_time`. */
const CHINA_OFFSET_MS = 8 * 3_600_000;

/** `yyyy-MM-dd HH:mm:ss` in China time. */
export function chinaTime(date: Date): string {
  return new Date(date.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** The instant a China-time `yyyy-MM-dd HH:mm:ss` names; undefined for anything else. */
export function parseChinaTime(value: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value)) return undefined;
  const utc = Date.parse(`${value.replace(' ', 'T')}Z`);
  return Number.isNaN(utc) ? undefined : new Date(utc - CHINA_OFFSET_MS);
}

/** Fen → "19.99". Alipay domestic trades are CNY only; the adapter refuses other currencies before calling this. */
export function toYuan(amountFen: number): string {
  return toDecimalString({ amount: amountFen, currency: 'CNY' });
}

/** "19.99", "19.9" or "19" → fen, exactly; anything else (a sign, an exponent, a third decimal) → undefined. */
export function fromYuan(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

export function precreateBiz(request: CreatePaymentRequest): Record<string, string> {
  return {
    out_trade_no: request.paymentId,
    total_amount: toYuan(request.amount),
    // Alipay refuses a subject over 256 characters; the order's subject is shorter by contract, cut defensively.
    subject: request.subject.slice(0, 256),
    time_expire: chinaTime(new Date(request.expiresAt)),
  };
}

export function refundBiz(request: ChannelRefundRequest): Record<string, string> {
  return {
    out_trade_no: request.paymentId,
    refund_amount: toYuan(request.amount),
    out_request_no: request.refundId,
    ...(request.reason ? { refund_reason: request.reason.slice(0, 256) } : {}),
  };
}

function text(answer: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = answer[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isoOf(chinaTimeText: string | undefined): string | undefined {
  return chinaTimeText ? parseChinaTime(chinaTimeText)?.toISOString() : undefined;
}

/**
 * An `alipay.trade.query` success → the payment's state. A TRADE_CLOSED trade that was paid (it has a payment date)
 * was closed by a full refund: the payment itself succeeded. Undefined for a status this mapping does not know.
 */
export function paymentStateFromQuery(paymentId: string, answer: AlipayAnswer): ChannelPaymentState | undefined {
  const paidAt = isoOf(text(answer, 'send_pay_date'));
  const base = { channelPaymentId: paymentId, paymentId, currency: 'CNY' as const, amount: fromYuan(answer.total_amount) };
  switch (text(answer, 'trade_status')) {
    case 'WAIT_BUYER_PAY':
      return { ...base, status: 'pending' };
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED':
      return { ...base, status: 'succeeded', ...(paidAt ? { paidAt } : {}) };
    case 'TRADE_CLOSED':
      return paidAt ? { ...base, status: 'succeeded', paidAt } : { ...base, status: 'closed', code: 'TRADE_CLOSED' };
    default:
      return undefined;
  }
}

/**
 * An `alipay.trade.refund` success. `fund_change` "Y" means this call moved the money; "N" (a repeated
 * out_request_no, or a refund still in flight) proves nothing, so the adapter asks the refund query.
 */
export function refundStateFromAnswer(refundId: string, answer: AlipayAnswer): ChannelRefundState | undefined {
  if (text(answer, 'fund_change') !== 'Y') return undefined;
  return { status: 'succeeded', refundId, channelRefundId: refundId };
}

/**
 * An `alipay.trade.fastpay.refund.query` success. Alipay answers 10000 with no refund fields when it has no refund
 * under that out_request_no; a refund amount with `refund_status` REFUND_SUCCESS (or absent, for older apps) is done.
 */
export function refundStateFromQuery(refundId: string, answer: AlipayAnswer): ChannelRefundState {
  if (!text(answer, 'refund_amount')) return { status: 'not_found', refundId, channelRefundId: null };
  const status = text(answer, 'refund_status');
  if (status === undefined || status === 'REFUND_SUCCESS') return { status: 'succeeded', refundId, channelRefundId: refundId };
  return { status: 'processing', refundId, channelRefundId: refundId };
}

/**
 * A verified `trade_status_sync` notification → what it tells the platform. TRADE_SUCCESS/TRADE_FINISHED and an
 * unpaid TRADE_CLOSED (a failed attempt) are about the payment. A notification a refund triggered (TRADE_SUCCESS after
 * a partial refund, TRADE_CLOSED after a full one) carries `refund_fee` and `gmt_refund`: with `out_biz_no` (the
 * refund's out_request_no, our `rf_…`) it is a refund event, the refund succeeded; `refund_fee` is the trade's
 * cumulative refunded amount, not this refund's (decisions 103). Undefined when the content is malformed.
 */
export function callbackFromNotify(params: Readonly<Record<string, string>>): VerifiedCallback | undefined {
  const callbackId = params.notify_id;
  const paymentId = params.out_trade_no;
  if (!callbackId || !paymentId || params.notify_type !== 'trade_status_sync') return undefined;
  const amount = fromYuan(params.total_amount);
  if (amount === undefined) return undefined;
  if (params.refund_fee !== undefined || params.gmt_refund !== undefined) return refundFromNotify(params, callbackId, paymentId);
  const base = { channelPaymentId: paymentId, paymentId, amount, currency: 'CNY' as const };
  const paidAt = isoOf(params.gmt_payment);
  switch (params.trade_status) {
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED':
      return { kind: 'payment', callbackId, state: { ...base, status: 'succeeded', ...(paidAt ? { paidAt } : {}) } };
    case 'TRADE_CLOSED':
      // The payer's trade ended unpaid (timed out, or abandoned in the sandbox): for the attempt that is a failure,
      // reported as WeChat's PAYERROR is, so the platform has one path for both wallets (decisions 67).
      return { kind: 'payment', callbackId, state: { ...base, status: 'failed', code: 'TRADE_CLOSED' } };
    case 'WAIT_BUYER_PAY':
      return { kind: 'other', callbackId };
    default:
      return undefined;
  }
}

/**
 * The notification that follows a refund. Without `out_biz_no` (a refund made without out_request_no, never ours) it
 * names no refund of ours and is `other`; an unreadable `refund_fee` or a trade status a refund cannot leave is
 * malformed. Alipay notifies only refunds that moved the money, so the status is `succeeded`.
 */
function refundFromNotify(params: Readonly<Record<string, string>>, callbackId: string, paymentId: string): VerifiedCallback | undefined {
  const refundedTotal = fromYuan(params.refund_fee);
  if (refundedTotal === undefined || !['TRADE_SUCCESS', 'TRADE_CLOSED', 'TRADE_FINISHED'].includes(params.trade_status ?? '')) return undefined;
  const refundId = params.out_biz_no;
  if (!refundId) return { kind: 'other', callbackId };
  return {
    kind: 'refund',
    callbackId,
    state: { status: 'succeeded', refundId, channelRefundId: refundId, paymentId, refundedTotal, currency: 'CNY' },
  };
}
