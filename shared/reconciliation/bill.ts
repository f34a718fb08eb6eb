import { basisPoints, fromDecimalString, isCurrency, toDecimalString, type Currency } from '../domain/money.js';

/**
 * A channel's daily bill (对账单) as the platform reads it, whatever the channel's own file format: each channel's
 * parser (shared/channels/<channel>/bill-parser.ts) turns its file into these lines. Amounts are integer minor units;
 * the channel's decimal strings are converted at the parser, the channel's edge.
 */
export interface BillLine {
  readonly kind: BillKind;
  /** Our attempt id (`pay_…`), the channel's merchant order number; for a payout or its return our payout id (`po_…`). */
  readonly paymentId: string;
  /** Our refund id (`rf_…`) for refund lines. */
  readonly refundId: string | null;
  /** The channel's own id of the payment (of the payout, for payout lines). */
  readonly channelPaymentId: string | null;
  /** The payment's or the refund's amount (the payout's, the amount returned). */
  readonly amount: number;
  /** What the channel charged us on this line (its 手续费). */
  readonly fee: number;
  readonly currency: string;
  /** The channel's status word, normalised: a payment line is `succeeded`, a refund line `succeeded` or `processing`. */
  readonly status: 'succeeded' | 'processing' | 'failed';
  /** When the channel says it happened (ISO 8601 UTC). */
  readonly at: string;
}

/**
 * What a bill line reports: money taken (`payment`) and given back (`refund`) by a payment channel, money paid out
 * (`payout`, 代付) by a bank's payout desk and paid back to us when the receiving bank refused it (`payout_return`,
 * 退汇).
 */
export type BillKind = 'payment' | 'refund' | 'payout' | 'payout_return';

/** The kinds a bill reports unless it says otherwise: a payment channel's trade bill. */
export const TRADE_BILL_KINDS: readonly BillKind[] = ['payment', 'refund'];

export interface ParsedBill {
  readonly lines: readonly BillLine[];
  /**
   * The kinds of item this file reports (default TRADE_BILL_KINDS): the platform's items of other kinds on the
   * channel's day are not expected in it (a trade bill carries no payouts; the netbank adapter combines its two
   * statements into one bill covering both).
   */
  readonly covers?: readonly BillKind[];
  /** The file's own totals (its summary rows), checked against the lines by the parser. */
  readonly totals: { readonly count: number; readonly amount: number; readonly refunds: number; readonly fees: number };
}

/**
 * One day of a channel that publishes several statements (the bank's collections and its payouts) as one bill: the
 * lines of all, covering what each covers, the totals summed. Each file was checked against its own trailer first.
 */
export function combineBills(bills: readonly ParsedBill[]): ParsedBill {
  const covers = bills.flatMap((bill) => bill.covers ?? TRADE_BILL_KINDS);
  return {
    lines: bills.flatMap((bill) => bill.lines),
    covers: [...new Set(covers)],
    totals: {
      count: bills.reduce((n, bill) => n + bill.totals.count, 0),
      amount: bills.reduce((n, bill) => n + bill.totals.amount, 0),
      refunds: bills.reduce((n, bill) => n + bill.totals.refunds, 0),
      fees: bills.reduce((n, bill) => n + bill.totals.fees, 0),
    },
  };
}

/**
 * The clock each channel keeps its books in: the Chinese channels close their day at midnight Beijing time (UTC+8),
 * the card acquirers at midnight UTC. A payment at 23:59:59 UTC+8 on the platform's side of midnight can land on the
 * channel's next day: the cross-day class.
 */
export const CHANNEL_UTC_OFFSET_MINUTES: Readonly<Record<string, number>> = {
  wechat_pay: 480,
  alipay: 480,
  unionpay: 480,
  netbank: 480,
  card_a: 0,
  card_b: 0,
};

/** The fee each channel charges us, in basis points of the payment (the contracted rate, as data). */
export const CHANNEL_FEE_BPS: Readonly<Record<string, number>> = {
  wechat_pay: 60,
  alipay: 55,
  unionpay: 50,
  netbank: 30,
  card_a: 180,
  card_b: 200,
};

/** What a bank payout desk charges us per transfer, in minor units (the contracted price, as data); a return costs nothing back. */
export const CHANNEL_PAYOUT_FEE: Readonly<Record<string, number>> = {
  netbank: 50,
};

/** A channel's fee on a payment, rounded half up to the minor unit as the channels do (四舍五入). */
export function channelFee(channel: string, amount: number): number {
  return basisPoints(amount, CHANNEL_FEE_BPS[channel] ?? 0);
}

/** The channel's business day (YYYY-MM-DD) of an instant. */
export function channelDay(channel: string, iso: string): string {
  const offsetMs = (CHANNEL_UTC_OFFSET_MINUTES[channel] ?? 0) * 60_000;
  return new Date(Date.parse(iso) + offsetMs).toISOString().slice(0, 10);
}

/** The channel's local wall-clock time of an instant, `YYYY-MM-DD HH:mm:ss` (the bill files' time columns). */
export function channelLocalTime(channel: string, iso: string): string {
  const offsetMs = (CHANNEL_UTC_OFFSET_MINUTES[channel] ?? 0) * 60_000;
  return new Date(Date.parse(iso) + offsetMs).toISOString().slice(0, 19).replace('T', ' ');
}

/** Back from a bill's local wall-clock time to an ISO instant. */
export function fromChannelLocalTime(channel: string, local: string): string {
  const offsetMs = (CHANNEL_UTC_OFFSET_MINUTES[channel] ?? 0) * 60_000;
  const ms = Date.parse(`${local.replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) throw new BillFormatError(channel, `bad time ${JSON.stringify(local)}`);
  return new Date(ms - offsetMs).toISOString();
}

/** The day before or after `date` (YYYY-MM-DD). */
export function neighbourDay(date: string, deltaDays: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + deltaDays * 86_400_000).toISOString().slice(0, 10);
}

/** A strict calendar date (shared/domain/calendar-date.ts), where the bills' callers look for it. */
export { isCalendarDate } from '../domain/calendar-date.js';

/** A bill file that does not read as its channel's format (or whose summary disagrees with its lines). */
export class BillFormatError extends Error {
  constructor(
    readonly channel: string,
    detail: string,
  ) {
    super(`Bill of ${channel} unreadable: ${detail}`);
    this.name = 'BillFormatError';
  }
}

/** A bill's decimal amount → minor units through the money module, a leading minus allowed (refund lines, fees returned). */
export function billAmount(channel: string, text: string, currency: string): number {
  const trimmed = text.trim();
  const negative = trimmed.startsWith('-');
  const minor = isCurrency(currency) ? fromDecimalString(negative ? trimmed.slice(1) : trimmed, currency) : undefined;
  if (minor === undefined) throw new BillFormatError(channel, `bad amount ${JSON.stringify(text)} in ${currency}`);
  return negative ? -minor : minor;
}

/** Minor units → the bill's decimal string (the sandbox channels write their files with it). */
export function billDecimal(amount: number, currency: string): string {
  const text = toDecimalString({ amount: Math.abs(amount), currency: currency as Currency });
  return amount < 0 ? `-${text}` : text;
}
