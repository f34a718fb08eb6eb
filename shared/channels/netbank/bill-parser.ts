import { billAmount, BillFormatError, fromChannelLocalTime, type BillLine, type ParsedBill } from '../../reconciliation/bill.js';
import {
  NETBANK_BILL_DETAIL_FIELDS,
  NETBANK_BILL_HEADER,
  NETBANK_BILL_SEPARATOR,
  NETBANK_BILL_TRAILER_FIELDS,
  NETBANK_BILL_TYPES,
  type NetbankBillDetailField,
} from './bill-format.js';

/**
 * Reads the netbank payout statement (bill-format.ts): PAYOUT records are payout lines, RETURN records payout_return
 * lines; the header must name the statement and the trailer agree with the records (count, sums per type, fees).
 * The statement reports payouts and returns only: its `covers` says so, so the bank's collections on the same day
 * are not expected in it.
 */
export function parseNetbankBill(channel: string, text: string): ParsedBill {
  const rows = text.split(/\r?\n/).filter((row) => row.trim() !== '');
  const header = rows[0]?.split(NETBANK_BILL_SEPARATOR) ?? [];
  if (header.length !== 5 || NETBANK_BILL_HEADER.some((value, i) => header[i] !== value)) throw new BillFormatError(channel, 'not a payout statement header');
  const trailer = rows.length >= 2 ? rows.at(-1)!.split(NETBANK_BILL_SEPARATOR) : [];
  if (trailer[0] !== 'T' || trailer.length !== NETBANK_BILL_TRAILER_FIELDS.length) throw new BillFormatError(channel, 'trailer missing');
  const lines = rows.slice(1, -1).map((row, i) => toLine(channel, row, i + 2));
  const numbers = trailer.slice(1).map((value) => (/^\d+$/.test(value) ? Number(value) : Number.NaN));
  const [details, payouts, payoutSum, returns, returnSum, feeSum] = numbers as [number, number, number, number, number, number];
  const of = (kind: BillLine['kind']) => lines.filter((l) => l.kind === kind);
  const sum = (list: readonly BillLine[], pick: (l: BillLine) => number) => list.reduce((total, l) => total + pick(l), 0);
  if (
    details !== lines.length ||
    payouts !== of('payout').length ||
    payoutSum !== sum(of('payout'), (l) => l.amount) ||
    returns !== of('payout_return').length ||
    returnSum !== sum(of('payout_return'), (l) => l.amount) ||
    feeSum !== sum(lines, (l) => l.fee)
  ) {
    throw new BillFormatError(channel, 'trailer does not add up to the records');
  }
  return { lines, totals: { count: details, amount: payoutSum, refunds: returnSum, fees: feeSum }, covers: ['payout', 'payout_return'] };
}

function toLine(channel: string, row: string, rowNumber: number): BillLine {
  const values = row.split(NETBANK_BILL_SEPARATOR);
  if (values.length !== NETBANK_BILL_DETAIL_FIELDS.length || values[0] !== 'D') throw new BillFormatError(channel, `record ${rowNumber}: not a detail record`);
  const get = (field: NetbankBillDetailField) => values[NETBANK_BILL_DETAIL_FIELDS.indexOf(field)]!;
  const type = get('type');
  const kind = type === NETBANK_BILL_TYPES.payout ? 'payout' : type === NETBANK_BILL_TYPES.payout_return ? 'payout_return' : undefined;
  if (!kind) throw new BillFormatError(channel, `record ${rowNumber}: type ${type}`);
  const booked = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(get('bookedAt'));
  if (!booked) throw new BillFormatError(channel, `record ${rowNumber}: bad time`);
  const currency = get('currency');
  const status = get('status');
  return {
    kind,
    paymentId: get('payoutNo'),
    refundId: null,
    channelPaymentId: get('bankPayoutId') || null,
    amount: billAmount(channel, get('amount'), currency),
    fee: billAmount(channel, get('fee'), currency),
    currency,
    status: status === 'SUCCESS' ? 'succeeded' : status === 'PROCESSING' ? 'processing' : 'failed',
    at: fromChannelLocalTime(channel, `${booked[1]}-${booked[2]}-${booked[3]} ${booked[4]}:${booked[5]}:${booked[6]}`),
  };
}
