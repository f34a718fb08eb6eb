import { billAmount, BillFormatError, fromChannelLocalTime, type BillLine, type ParsedBill } from '../../reconciliation/bill.js';
import {
  NETBANK_BILL_SEPARATOR,
  NETBANK_BILL_TRAILER_FIELDS,
  NETBANK_COLLECTION_STATEMENT,
  NETBANK_PAYOUT_STATEMENT,
  type NetbankStatementFormat,
} from './bill-format.js';

/**
 * Reads the netbank payout statement (bill-format.ts): PAYOUT records are payout lines, RETURN records payout_return
 * lines. The statement reports payouts and returns only: its `covers` says so.
 */
export function parseNetbankBill(channel: string, text: string): ParsedBill {
  return parseNetbankStatement(channel, text, NETBANK_PAYOUT_STATEMENT);
}

/**
 * Reads the netbank collections statement (bill-format.ts): PAYMENT records are payment lines (our attempt id, the
 * bank's order id), REFUND records refund lines (our attempt and refund ids, the bank's refund id). It reports
 * payments and refunds only.
 */
export function parseNetbankCollections(channel: string, text: string): ParsedBill {
  return parseNetbankStatement(channel, text, NETBANK_COLLECTION_STATEMENT);
}

/**
 * Reads one of the bank's statements: the header must name it, every record between header and trailer must be a
 * detail record of one of its types, and the trailer must agree with the records (the count, each type's count and
 * sum, the fees), else nothing of the file is used.
 */
function parseNetbankStatement(channel: string, text: string, format: NetbankStatementFormat): ParsedBill {
  const rows = text.split(/\r?\n/).filter((row) => row.trim() !== '');
  const header = rows[0]?.split(NETBANK_BILL_SEPARATOR) ?? [];
  if (header.length !== format.header.length + 2 || format.header.some((value, i) => header[i] !== value)) {
    throw new BillFormatError(channel, `not a ${format.title} header`);
  }
  const trailer = rows.length >= 2 ? rows.at(-1)!.split(NETBANK_BILL_SEPARATOR) : [];
  if (trailer[0] !== 'T' || trailer.length !== NETBANK_BILL_TRAILER_FIELDS.length) throw new BillFormatError(channel, 'trailer missing');
  const lines = rows.slice(1, -1).map((row, i) => toLine(channel, format, row, i + 2));
  const numbers = trailer.slice(1).map((value) => (/^\d+$/.test(value) ? Number(value) : Number.NaN));
  const [details, firstCount, firstSum, secondCount, secondSum, feeSum] = numbers as [number, number, number, number, number, number];
  const [first, second] = format.types.map(({ kind }) => lines.filter((l) => l.kind === kind)) as [BillLine[], BillLine[]];
  const sum = (list: readonly BillLine[], pick: (l: BillLine) => number) => list.reduce((total, l) => total + pick(l), 0);
  if (
    details !== lines.length ||
    firstCount !== first.length ||
    firstSum !== sum(first, (l) => l.amount) ||
    secondCount !== second.length ||
    secondSum !== sum(second, (l) => l.amount) ||
    feeSum !== sum(lines, (l) => l.fee)
  ) {
    throw new BillFormatError(channel, 'trailer does not add up to the records');
  }
  return { lines, totals: { count: details, amount: firstSum, refunds: secondSum, fees: feeSum }, covers: format.types.map(({ kind }) => kind) };
}

function toLine(channel: string, format: NetbankStatementFormat, row: string, rowNumber: number): BillLine {
  const values = row.split(NETBANK_BILL_SEPARATOR);
  if (values.length !== format.fields.length || values[0] !== 'D') throw new BillFormatError(channel, `record ${rowNumber}: not a detail record`);
  const get = (field: string) => values[format.fields.indexOf(field)]!;
  const type = get('type');
  const kind = format.types.find((t) => t.type === type)?.kind;
  if (!kind) throw new BillFormatError(channel, `record ${rowNumber}: type ${type}`);
  // A money-back record of a file that names refunds (REFUND) must name ours: it is matched by that id alone.
  const refundId = format.ids.refundId && kind === format.types[1].kind ? get(format.ids.refundId) : null;
  if (refundId === '') throw new BillFormatError(channel, `record ${rowNumber}: ${type} without ${format.ids.refundId}`);
  const booked = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(get('bookedAt'));
  if (!booked) throw new BillFormatError(channel, `record ${rowNumber}: bad time`);
  const currency = get('currency');
  const status = get('status');
  return {
    kind,
    paymentId: get(format.ids.paymentId),
    refundId,
    channelPaymentId: get(format.ids.channelPaymentId) || null,
    amount: billAmount(channel, get('amount'), currency),
    fee: billAmount(channel, get('fee'), currency),
    currency,
    status: status === 'SUCCESS' ? 'succeeded' : status === 'PROCESSING' ? 'processing' : 'failed',
    at: fromChannelLocalTime(channel, `${booked[1]}-${booked[2]}-${booked[3]} ${booked[4]}:${booked[5]}:${booked[6]}`),
  };
}
