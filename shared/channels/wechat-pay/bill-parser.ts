import { billAmount, BillFormatError, fromChannelLocalTime, type BillLine, type ParsedBill } from '../../reconciliation/bill.js';
import { TRADEBILL_COLUMNS, TRADEBILL_SUMMARY_COLUMNS, type TradebillColumn } from './bill-format.js';

const CHANNEL = 'wechat_pay';

/**
 * Reads a WeChat Pay tradebill (ALL): trade rows (交易状态 SUCCESS, or REFUND once refunded) become payment lines,
 * refund rows (交易状态 REFUND with a 商户退款单号) refund lines; the summary row must agree with the rows (count, sums
 * of 应结订单金额, 退款金额 and 手续费), otherwise the file is truncated or altered in transit and nothing is matched.
 */
export function parseWechatTradebill(text: string): ParsedBill {
  const rows = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((row) => row.trim() !== '');
  if (rows[0] !== TRADEBILL_COLUMNS.join(',')) throw new BillFormatError(CHANNEL, 'not a tradebill header');
  const summaryAt = rows.indexOf(TRADEBILL_SUMMARY_COLUMNS.join(','));
  if (summaryAt < 0 || summaryAt !== rows.length - 2) throw new BillFormatError(CHANNEL, 'summary missing');
  const lines = rows.slice(1, summaryAt).map((row, i) => toLine(fields(row, TRADEBILL_COLUMNS.length, i + 2)));
  const summary = fields(rows[summaryAt + 1]!, TRADEBILL_SUMMARY_COLUMNS.length, summaryAt + 2);
  const totals = {
    count: Number(summary[0]),
    amount: billAmount(CHANNEL, summary[1]!, 'CNY'),
    refunds: billAmount(CHANNEL, summary[2]!, 'CNY'),
    fees: billAmount(CHANNEL, summary[4]!, 'CNY'),
  };
  const payments = lines.filter((l) => l.kind === 'payment');
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  if (
    totals.count !== lines.length ||
    totals.amount !== sum(payments.map((l) => l.amount)) ||
    totals.refunds !== sum(lines.filter((l) => l.kind === 'refund').map((l) => l.amount)) ||
    totals.fees !== sum(lines.map((l) => l.fee))
  ) {
    throw new BillFormatError(CHANNEL, 'summary does not add up to the rows');
  }
  return { lines, totals };
}

/** One row's fields without their backtick prefix. */
function fields(row: string, expected: number, rowNumber: number): string[] {
  const parts = row.split(',');
  if (parts.length !== expected || parts.some((p) => !p.startsWith('`'))) {
    throw new BillFormatError(CHANNEL, `row ${rowNumber}: expected ${expected} backtick-prefixed fields`);
  }
  return parts.map((p) => p.slice(1));
}

function toLine(values: string[]): BillLine {
  const get = (column: TradebillColumn) => values[TRADEBILL_COLUMNS.indexOf(column)]!;
  const currency = get('货币种类');
  const refundNo = get('商户退款单号');
  const isRefund = get('交易状态') === 'REFUND' && refundNo !== '' && refundNo !== '0';
  const base = {
    paymentId: get('商户订单号'),
    channelPaymentId: get('微信订单号') || null,
    currency,
    fee: billAmount(CHANNEL, get('手续费'), currency),
    at: fromChannelLocalTime(CHANNEL, get('交易时间')),
  };
  if (isRefund) {
    return {
      ...base, kind: 'refund', refundId: refundNo, amount: billAmount(CHANNEL, get('退款金额'), currency),
      status: get('退款状态') === 'SUCCESS' ? 'succeeded' : get('退款状态') === 'PROCESSING' ? 'processing' : 'failed',
    };
  }
  const state = get('交易状态');
  return {
    ...base, kind: 'payment', refundId: null, amount: billAmount(CHANNEL, get('应结订单金额'), currency),
    status: state === 'SUCCESS' || state === 'REFUND' ? 'succeeded' : 'failed',
  };
}
