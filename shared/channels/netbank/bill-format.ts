import type { BillKind } from '../../reconciliation/bill.js';

/**
 * The netbank's daily statements, bank files of our design after the pipe-delimited statements Chinese banks give
 * corporate customers, one per business line as banks keep them: the payout desk's (代付对账单) and the collections
 * (收款对账单) of the bank's redirect payments. Both are a header record, one detail record per movement in the
 * bank's clock (Beijing time) with decimal amounts in its currency, and a trailer with the counts and the sums in
 * minor units so that a truncated or altered file is noticed (docs/decisions.md, 190 and 241).
 *
 *   H|NBPAYOUT|1.0|<merchantNo>|<YYYYMMDD>
 *   D|<seq 6 digits>|PAYOUT|<payoutNo>|<bankPayoutId>|<YYYYMMDDHHmmss>|<currency>|<amount>|<fee>|SUCCESS
 *   D|<seq>|RETURN|<payoutNo>|<bankPayoutId>|<YYYYMMDDHHmmss>|<currency>|<amount returned>|0.00|SUCCESS
 *   T|<detail records>|<payouts>|<payout sum>|<returns>|<return sum>|<fee sum>
 *
 *   H|NBCOLLECT|1.0|<merchantNo>|<YYYYMMDD>
 *   D|<seq>|PAYMENT|<orderNo>||<bankOrderId>|<YYYYMMDDHHmmss>|<currency>|<amount>|<fee>|SUCCESS
 *   D|<seq>|REFUND|<orderNo>|<refundNo>|<bankRefundId>|<YYYYMMDDHHmmss>|<currency>|<amount refunded>|0.00|SUCCESS
 *   T|<detail records>|<payments>|<payment sum>|<refunds>|<refund sum>|<fee sum>
 */
export const NETBANK_BILL_SEPARATOR = '|';
export const NETBANK_BILL_HEADER = ['H', 'NBPAYOUT', '1.0'] as const;
export const NETBANK_BILL_DETAIL_FIELDS = [
  'record', 'seq', 'type', 'payoutNo', 'bankPayoutId', 'bookedAt', 'currency', 'amount', 'fee', 'status',
] as const;
export const NETBANK_BILL_TRAILER_FIELDS = ['record', 'details', 'payouts', 'payoutSum', 'returns', 'returnSum', 'feeSum'] as const;

/** The detail record's type for each line kind it carries. */
export const NETBANK_BILL_TYPES = { payout: 'PAYOUT', payout_return: 'RETURN' } as const;

export const NETBANK_COLLECTION_HEADER = ['H', 'NBCOLLECT', '1.0'] as const;
export const NETBANK_COLLECTION_DETAIL_FIELDS = [
  'record', 'seq', 'type', 'orderNo', 'refundNo', 'bankSerialNo', 'bookedAt', 'currency', 'amount', 'fee', 'status',
] as const;

/** One statement's layout: what the parser checks and the sandbox bank renders (one description, both sides). */
export interface NetbankStatementFormat {
  /** How errors name the file. */
  readonly title: string;
  readonly header: readonly string[];
  /** The detail record's fields in order; besides the ids, every statement has record, seq, type, bookedAt, currency, amount, fee and status. */
  readonly fields: readonly string[];
  /**
   * The detail types and the line kinds they carry: the money moved first (PAYOUT, PAYMENT), the money back second
   * (RETURN, REFUND); the trailer's counts and sums follow this order.
   */
  readonly types: readonly [{ readonly type: string; readonly kind: BillKind }, { readonly type: string; readonly kind: BillKind }];
  /** The fields that carry our ids and the bank's: our payment (payout) id, our refund id where the file has one. */
  readonly ids: { readonly paymentId: string; readonly refundId?: string; readonly channelPaymentId: string };
}

export const NETBANK_PAYOUT_STATEMENT: NetbankStatementFormat = {
  title: 'payout statement',
  header: NETBANK_BILL_HEADER,
  fields: NETBANK_BILL_DETAIL_FIELDS,
  types: [{ type: NETBANK_BILL_TYPES.payout, kind: 'payout' }, { type: NETBANK_BILL_TYPES.payout_return, kind: 'payout_return' }],
  ids: { paymentId: 'payoutNo', channelPaymentId: 'bankPayoutId' },
};

/**
 * The collections statement: each redirect payment the bank collected (at the payer's confirmation, with the bank's
 * fee on it) and each refund it paid back (at the refund, no fee back). `bankSerialNo` is the bank's id of the record:
 * the order's for a payment, the refund's for a refund.
 */
export const NETBANK_COLLECTION_STATEMENT: NetbankStatementFormat = {
  title: 'collections statement',
  header: NETBANK_COLLECTION_HEADER,
  fields: NETBANK_COLLECTION_DETAIL_FIELDS,
  types: [{ type: 'PAYMENT', kind: 'payment' }, { type: 'REFUND', kind: 'refund' }],
  ids: { paymentId: 'orderNo', refundId: 'refundNo', channelPaymentId: 'bankSerialNo' },
};

/**
 * The statements the bank publishes for a day, chosen by the download's `type` query parameter as banks' statement
 * downloads take a file type; without it the payout statement (the only one there was first).
 */
export const NETBANK_STATEMENTS = { payout: NETBANK_PAYOUT_STATEMENT, collection: NETBANK_COLLECTION_STATEMENT } as const;
export type NetbankStatementType = keyof typeof NETBANK_STATEMENTS;
