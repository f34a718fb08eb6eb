import type {
  ChannelPaymentState,
  ChannelRefundRequest,
  ChannelRefundState,
  CreatePaymentRequest,
} from '../../ports/channel-flows.js';
import type { Currency } from '../../domain/money.js';

/**
 * Request and response mapping between the channel port and WeChat Pay API v3 (Native), one function per flow, like
 * Hyperswitch's connectors/<name>/transformers.rs. Money: WeChat's `total`/`refund` are integers in fen, the minor
 * unit of CNY, the only currency domestic WeChat Pay settles; any other currency is refused before a request is made.
 */

export const WECHAT_PAY_CURRENCIES: readonly Currency[] = ['CNY'];

export class UnsupportedCurrencyError extends Error {
  constructor(readonly currency: string) {
    super(`WeChat Pay Native settles CNY only, not ${currency}`);
    this.name = 'UnsupportedCurrencyError';
  }
}

/** Minor units → fen. Both are integers of the same unit for CNY, so this is a check, not arithmetic. */
export function toFen(amount: number, currency: Currency): number {
  if (!WECHAT_PAY_CURRENCIES.includes(currency)) throw new UnsupportedCurrencyError(currency);
  if (!Number.isSafeInteger(amount) || amount < 1) throw new RangeError(`amount must be a positive integer, got ${amount}`);
  return amount;
}

/**
 * WeChat's time format: RFC 3339 with a numeric offset, China Standard Time as in its documentation
 * (`2018-06-08T10:34:56+08:00`). The instant is the same as the ISO UTC string we keep.
 */
export function toWechatTime(iso: string): string {
  const shifted = new Date(Date.parse(iso) + 8 * 3_600_000);
  if (Number.isNaN(shifted.getTime())) throw new RangeError(`not a date: ${iso}`);
  return `${shifted.toISOString().slice(0, 19)}+08:00`;
}

/** Any RFC 3339 time → ISO UTC; undefined when absent or unparseable. */
export function fromWechatTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export interface NativeOrderBody {
  readonly appid: string;
  readonly mchid: string;
  readonly description: string;
  readonly out_trade_no: string;
  readonly time_expire: string;
  readonly notify_url: string;
  readonly amount: { readonly total: number; readonly currency: string };
}

/** WeChat limits `description` to 127 bytes of UTF-8; longer subjects are cut at a character boundary. */
export function truncateUtf8(text: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes) break;
    out += char;
    bytes += size;
  }
  return out;
}

export function nativeOrderBody(request: CreatePaymentRequest, appId: string, mchId: string): NativeOrderBody {
  return {
    appid: appId,
    mchid: mchId,
    description: truncateUtf8(request.subject, 127) || request.orderId,
    out_trade_no: request.paymentId,
    time_expire: toWechatTime(request.expiresAt),
    notify_url: request.callbackUrl,
    amount: { total: toFen(request.amount, request.currency), currency: request.currency },
  };
}

/** A transaction as the query returns it and as a TRANSACTION.* callback carries it (decrypted). */
export interface WechatTransaction {
  readonly mchid?: string;
  readonly appid?: string;
  readonly out_trade_no: string;
  readonly transaction_id?: string;
  readonly trade_state: string;
  readonly trade_state_desc?: string;
  readonly success_time?: string;
  readonly amount?: { readonly total?: number; readonly payer_total?: number; readonly currency?: string };
}

const TRADE_STATES: Readonly<Record<string, ChannelPaymentState['status']>> = {
  SUCCESS: 'succeeded',
  // Paid, then (partly) refunded: the payment itself succeeded.
  REFUND: 'succeeded',
  NOTPAY: 'pending',
  USERPAYING: 'pending',
  // 已撤销 applies to micropay only; for us it is a closed order.
  REVOKED: 'closed',
  CLOSED: 'closed',
  PAYERROR: 'failed',
};

/** Undefined for a trade state we do not know: the caller treats that as an unknown outcome, never as success. */
export function paymentState(trade: WechatTransaction): ChannelPaymentState | undefined {
  const status = TRADE_STATES[trade.trade_state];
  if (!status || typeof trade.out_trade_no !== 'string') return undefined;
  const currency = trade.amount?.currency;
  return {
    status,
    // WeChat Native has no channel-side id before the payer pays; out_trade_no names the order in every API.
    channelPaymentId: trade.out_trade_no,
    paymentId: trade.out_trade_no,
    ...(Number.isSafeInteger(trade.amount?.total) ? { amount: trade.amount!.total } : {}),
    ...(currency && WECHAT_PAY_CURRENCIES.includes(currency as Currency) ? { currency: currency as Currency } : {}),
    ...(status === 'failed' ? { code: trade.trade_state } : {}),
    ...(status === 'succeeded' && fromWechatTime(trade.success_time) ? { paidAt: fromWechatTime(trade.success_time) } : {}),
  };
}

export interface RefundBody {
  readonly out_trade_no: string;
  readonly out_refund_no: string;
  readonly reason?: string;
  readonly notify_url: string;
  readonly amount: { readonly refund: number; readonly total: number; readonly currency: string };
}

export function refundBody(request: ChannelRefundRequest): RefundBody {
  return {
    out_trade_no: request.paymentId,
    out_refund_no: request.refundId,
    ...(request.reason ? { reason: truncateUtf8(request.reason, 80) } : {}),
    notify_url: request.callbackUrl,
    amount: {
      refund: toFen(request.amount, request.currency),
      total: toFen(request.paymentAmount, request.currency),
      currency: request.currency,
    },
  };
}

/** A refund as the refund APIs answer it (`status`) and as a REFUND.* callback carries it (`refund_status`). */
export interface WechatRefund {
  readonly out_refund_no: string;
  readonly out_trade_no?: string;
  readonly refund_id?: string;
  readonly status?: string;
  readonly refund_status?: string;
  /** The answers add `currency`; a REFUND.* resource has none (domestic refunds are CNY). */
  readonly amount?: { readonly refund?: number; readonly total?: number; readonly currency?: string };
}

const REFUND_STATES: Readonly<Record<string, ChannelRefundState['status']>> = {
  SUCCESS: 'succeeded',
  PROCESSING: 'processing',
  CLOSED: 'failed',
  ABNORMAL: 'failed',
};

/**
 * Undefined for a status we do not know, or a refund in a currency WeChat does not settle (a notification that says
 * so is not one we can cross-check). The trade, amount and currency come along for the callback path to cross-check;
 * a REFUND.* resource names no currency, which for domestic WeChat Pay is CNY.
 */
export function refundState(refund: WechatRefund): ChannelRefundState | undefined {
  const wechatStatus = refund.status ?? refund.refund_status ?? '';
  const status = REFUND_STATES[wechatStatus];
  if (!status || typeof refund.out_refund_no !== 'string') return undefined;
  const currency = refund.amount?.currency ?? 'CNY';
  if (!WECHAT_PAY_CURRENCIES.includes(currency as Currency)) return undefined;
  return {
    status,
    refundId: refund.out_refund_no,
    channelRefundId: refund.refund_id ?? null,
    ...(status === 'failed' ? { code: wechatStatus } : {}),
    ...(typeof refund.out_trade_no === 'string' ? { paymentId: refund.out_trade_no } : {}),
    ...(Number.isSafeInteger(refund.amount?.refund) ? { amount: refund.amount!.refund, currency: currency as Currency } : {}),
  };
}

/**
 * Refusals of a refund that are final for that refund number (nothing was refunded and retrying will not help): the
 * refund fails with WeChat's code. Anything else in 4xx is a request we got wrong (ChannelRejectedError).
 */
export const REFUND_BUSINESS_ERRORS: ReadonlySet<string> = new Set(['NOT_ENOUGH', 'USER_ACCOUNT_ABNORMAL', 'TRADE_ERROR']);
