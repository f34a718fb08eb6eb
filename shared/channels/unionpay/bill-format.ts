/**
 * UnionPay's daily transaction file (对账文件, after the ACOM 全渠道 file) as fixed-width lines: no header, no trailer,
 * one line per successful money transaction, every field at a fixed offset, fields separated by one space, amounts
 * as 12 zero-padded digits of fen, times in Beijing time (docs/decisions.md, 167). Shared by the sandbox that writes
 * it and the parser that reads it.
 */
export const UNIONPAY_BILL_FIELDS = [
  { name: 'queryId', width: 21 },
  { name: 'txnType', width: 2 },
  { name: 'txnTime', width: 14 },
  { name: 'orderId', width: 40 },
  { name: 'origOrderId', width: 40 },
  { name: 'txnAmt', width: 12 },
  { name: 'fee', width: 12 },
  { name: 'currencyCode', width: 3 },
  { name: 'respCode', width: 2 },
  { name: 'accNo', width: 19 },
] as const;

export type UnionpayBillField = (typeof UNIONPAY_BILL_FIELDS)[number]['name'];

export const UNIONPAY_BILL_LINE_LENGTH = UNIONPAY_BILL_FIELDS.reduce((n, f) => n + f.width, 0) + UNIONPAY_BILL_FIELDS.length - 1;

/** ISO 4217 numeric codes the gateway uses, to the platform's letters. */
export const UNIONPAY_CURRENCIES: Readonly<Record<string, string>> = { '156': 'CNY', '840': 'USD' };
