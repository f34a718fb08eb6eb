/**
 * The netbank payout desk's daily statement (代付对账单), a bank file of our design after the pipe-delimited
 * statements Chinese banks give corporate customers: a header record, one detail record per transfer paid out
 * (`PAYOUT`) and per transfer that came back (`RETURN`, 退汇), in the bank's clock (Beijing time), decimal amounts in
 * the transfer's currency, and a trailer with the counts and the sums in minor units so that a truncated or altered
 * file is noticed (docs/decisions.md, 190).
 *
 *   H|NBPAYOUT|1.0|<merchantNo>|<YYYYMMDD>
 *   D|<seq 6 digits>|PAYOUT|<payoutNo>|<bankPayoutId>|<YYYYMMDDHHmmss>|<currency>|<amount>|<fee>|SUCCESS
 *   D|<seq>|RETURN|<payoutNo>|<bankPayoutId>|<YYYYMMDDHHmmss>|<currency>|<amount returned>|0.00|SUCCESS
 *   T|<detail records>|<payouts>|<payout sum>|<returns>|<return sum>|<fee sum>
 */
export const NETBANK_BILL_SEPARATOR = '|';
export const NETBANK_BILL_HEADER = ['H', 'NBPAYOUT', '1.0'] as const;
export const NETBANK_BILL_DETAIL_FIELDS = [
  'record', 'seq', 'type', 'payoutNo', 'bankPayoutId', 'bookedAt', 'currency', 'amount', 'fee', 'status',
] as const;
export const NETBANK_BILL_TRAILER_FIELDS = ['record', 'details', 'payouts', 'payoutSum', 'returns', 'returnSum', 'feeSum'] as const;

export type NetbankBillDetailField = (typeof NETBANK_BILL_DETAIL_FIELDS)[number];

/** The detail record's type for each line kind it carries. */
export const NETBANK_BILL_TYPES = { payout: 'PAYOUT', payout_return: 'RETURN' } as const;
