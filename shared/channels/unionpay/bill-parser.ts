import { BillFormatError, fromChannelLocalTime, type BillLine, type ParsedBill } from '../../reconciliation/bill.js';
import { UNIONPAY_BILL_FIELDS, UNIONPAY_BILL_LINE_LENGTH, UNIONPAY_CURRENCIES, type UnionpayBillField } from './bill-format.js';

const CHANNEL = 'unionpay';
const PAYMENT_TYPES = new Set(['01', '03']);
const REFUND_TYPE = '04';

/**
 * Reads UnionPay's fixed-width file: every line exactly UNIONPAY_BILL_LINE_LENGTH characters (a shorter or longer
 * one means the file was cut or mangled, and nothing is matched), purchases and pre-authorization completions as
 * payment lines, refunds (04) as refund lines whose orderId is our refund id and origOrderId our attempt id.
 */
export function parseUnionpayBill(text: string): ParsedBill {
  const rows = text.split(/\r?\n/).filter((row) => row !== '');
  const lines = rows.map((row, i) => toLine(row, i + 1));
  const sum = (kind: BillLine['kind']) => lines.filter((l) => l.kind === kind).reduce((t, l) => t + l.amount, 0);
  return { lines, totals: { count: lines.length, amount: sum('payment'), refunds: sum('refund'), fees: lines.reduce((t, l) => t + l.fee, 0) } };
}

function toLine(row: string, rowNumber: number): BillLine {
  if (row.length !== UNIONPAY_BILL_LINE_LENGTH) throw new BillFormatError(CHANNEL, `line ${rowNumber}: ${row.length} characters, not ${UNIONPAY_BILL_LINE_LENGTH}`);
  const fields = {} as Record<UnionpayBillField, string>;
  let at = 0;
  for (const field of UNIONPAY_BILL_FIELDS) {
    fields[field.name] = row.slice(at, at + field.width).trim();
    at += field.width + 1;
  }
  const currency = UNIONPAY_CURRENCIES[fields.currencyCode];
  const time = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(fields.txnTime);
  if (!currency || !time || !/^\d{12}$/.test(fields.txnAmt) || !/^\d{12}$/.test(fields.fee)) {
    throw new BillFormatError(CHANNEL, `line ${rowNumber}: bad currency, time or amount`);
  }
  const refund = fields.txnType === REFUND_TYPE;
  if (!refund && !PAYMENT_TYPES.has(fields.txnType)) throw new BillFormatError(CHANNEL, `line ${rowNumber}: txnType ${fields.txnType}`);
  return {
    kind: refund ? 'refund' : 'payment',
    paymentId: refund ? fields.origOrderId : fields.orderId,
    refundId: refund ? fields.orderId : null,
    channelPaymentId: fields.queryId || null,
    amount: Number(fields.txnAmt),
    fee: Number(fields.fee),
    currency,
    status: fields.respCode === '00' ? 'succeeded' : 'failed',
    at: fromChannelLocalTime(CHANNEL, `${time[1]}-${time[2]}-${time[3]} ${time[4]}:${time[5]}:${time[6]}`),
  };
}
