import { billAmount, BillFormatError, type BillLine, type ParsedBill } from '../../reconciliation/bill.js';
import { CARD_REPORT_COLUMNS, CARD_REPORT_TRAILER, type CardReportColumn } from './bill-format.js';

/**
 * Reads a card acquirer's settlement report: Capture rows are payment lines, Refund rows refund lines; the trailer
 * (`Totals,<rows>,<captured>,<refunded>,<fees>`, amounts in minor units) must agree with the rows.
 */
export function parseCardReport(channel: string, text: string): ParsedBill {
  const rows = text.split(/\r?\n/).filter((row) => row.trim() !== '');
  if (rows[0] !== CARD_REPORT_COLUMNS.join(',')) throw new BillFormatError(channel, 'not a settlement report header');
  const trailer = rows.at(-1)!.split(',');
  if (rows.length < 2 || trailer[0] !== CARD_REPORT_TRAILER || trailer.length !== 5) throw new BillFormatError(channel, 'trailer missing');
  const lines = rows.slice(1, -1).map((row, i) => toLine(channel, row, i + 2));
  const [count, amount, refunds, fees] = trailer.slice(1).map(Number) as [number, number, number, number];
  const sum = (kind: BillLine['kind'], pick: (l: BillLine) => number) =>
    lines.filter((l) => l.kind === kind).reduce((total, l) => total + pick(l), 0);
  if (
    count !== lines.length ||
    amount !== sum('payment', (l) => l.amount) ||
    refunds !== sum('refund', (l) => l.amount) ||
    fees !== sum('payment', (l) => l.fee) + sum('refund', (l) => l.fee)
  ) {
    throw new BillFormatError(channel, 'trailer does not add up to the rows');
  }
  return { lines, totals: { count, amount, refunds, fees } };
}

function toLine(channel: string, row: string, rowNumber: number): BillLine {
  const values = row.split(',');
  if (values.length !== CARD_REPORT_COLUMNS.length) throw new BillFormatError(channel, `row ${rowNumber}: ${values.length} fields`);
  const get = (column: CardReportColumn) => values[CARD_REPORT_COLUMNS.indexOf(column)]!;
  const type = get('Action Type');
  if (type !== 'Capture' && type !== 'Refund') throw new BillFormatError(channel, `row ${rowNumber}: action ${type}`);
  const at = get('Processed On');
  if (Number.isNaN(Date.parse(at))) throw new BillFormatError(channel, `row ${rowNumber}: bad time`);
  const currency = get('Currency');
  const status = get('Status');
  return {
    kind: type === 'Capture' ? 'payment' : 'refund',
    paymentId: get('Reference'),
    refundId: type === 'Refund' ? get('Action Reference') : null,
    channelPaymentId: get('Payment ID') || null,
    amount: billAmount(channel, get('Amount'), currency),
    fee: billAmount(channel, get('Processing Fee'), currency),
    currency,
    status: status === 'Settled' ? 'succeeded' : status === 'Pending' ? 'processing' : 'failed',
    at: new Date(at).toISOString(),
  };
}
