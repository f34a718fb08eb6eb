import { billAmount, BillFormatError, fromChannelLocalTime, type BillLine, type ParsedBill } from '../../reconciliation/bill.js';
import { ALIPAY_BILL_COLUMNS, ALIPAY_BILL_LIST_END, ALIPAY_BILL_LIST_START, ALIPAY_BILL_TITLE, type AlipayBillColumn } from './bill-format.js';

const CHANNEL = 'alipay';

/**
 * Reads Alipay's trade bill: 交易 rows are payments (商家实收 the amount, 服务费 the fee, shown negative), 退款 rows
 * refunds (退款批次号/请求号 our refund id, amounts negative); the footer's 交易合计/退款合计 lines must agree with the
 * rows' counts and sums.
 */
export function parseAlipayBill(text: string): ParsedBill {
  const rows = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((r) => r.trimEnd()).filter((r) => r !== '');
  const start = rows.indexOf(ALIPAY_BILL_LIST_START);
  const end = rows.indexOf(ALIPAY_BILL_LIST_END);
  if (rows[0] !== ALIPAY_BILL_TITLE || start < 0 || end < start || rows[start + 1] !== ALIPAY_BILL_COLUMNS.join(',')) {
    throw new BillFormatError(CHANNEL, 'not an Alipay trade bill');
  }
  const lines = rows.slice(start + 2, end).map((row, i) => toLine(row, start + 3 + i));
  const footer = rows.slice(end + 1).join('\n');
  const trades = /#交易合计：(\d+)笔，商家实收共(-?[\d.]+)元/.exec(footer);
  const refundsTotal = /#退款合计：(\d+)笔，商家实收退款共(-?[\d.]+)元/.exec(footer);
  if (!trades || !refundsTotal) throw new BillFormatError(CHANNEL, 'totals missing');
  const payments = lines.filter((l) => l.kind === 'payment');
  const refunds = lines.filter((l) => l.kind === 'refund');
  const sum = (ls: BillLine[]) => ls.reduce((t, l) => t + l.amount, 0);
  const totals = {
    count: lines.length,
    amount: billAmount(CHANNEL, trades[2]!, 'CNY'),
    refunds: negated(billAmount(CHANNEL, refundsTotal[2]!, 'CNY')),
    fees: lines.reduce((t, l) => t + l.fee, 0),
  };
  if (Number(trades[1]) !== payments.length || Number(refundsTotal[1]) !== refunds.length || totals.amount !== sum(payments) || totals.refunds !== sum(refunds)) {
    throw new BillFormatError(CHANNEL, 'totals do not add up to the rows');
  }
  return { lines, totals };
}

function toLine(row: string, rowNumber: number): BillLine {
  const values = row.split(',').map((v) => v.trim());
  if (values.length !== ALIPAY_BILL_COLUMNS.length) throw new BillFormatError(CHANNEL, `row ${rowNumber}: ${values.length} fields`);
  const get = (column: AlipayBillColumn) => values[ALIPAY_BILL_COLUMNS.indexOf(column)]!;
  const type = get('业务类型');
  if (type !== '交易' && type !== '退款') throw new BillFormatError(CHANNEL, `row ${rowNumber}: 业务类型 ${type}`);
  const received = billAmount(CHANNEL, get('商家实收（元）'), 'CNY');
  return {
    kind: type === '交易' ? 'payment' : 'refund',
    paymentId: get('商户订单号'),
    refundId: type === '退款' ? get('退款批次号/请求号') : null,
    channelPaymentId: get('支付宝交易号') || null,
    amount: Math.abs(received),
    // Alipay shows the service fee it keeps as a negative number; a fee returned on a refund as a positive one.
    fee: negated(billAmount(CHANNEL, get('服务费（元）'), 'CNY')),
    currency: 'CNY',
    // The bill lists money that moved: a row is a completed trade or refund; anything else is not on it.
    status: get('备注') === 'FAILED' ? 'failed' : 'succeeded',
    at: fromChannelLocalTime(CHANNEL, get('完成时间')),
  };
}

/** The other sign, without a negative zero (0.00 shown as a fee is no fee). */
function negated(value: number): number {
  return value === 0 ? 0 : -value;
}
