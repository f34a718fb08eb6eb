import { CARD_REPORT_COLUMNS, CARD_REPORT_TRAILER } from '../../../../shared/channels/card-acquirer/bill-format.js';
import { TRADEBILL_COLUMNS, TRADEBILL_SUMMARY_COLUMNS, type TradebillColumn } from '../../../../shared/channels/wechat-pay/bill-format.js';
import { billDecimal, CHANNEL_FEE_BPS, channelLocalTime, type BillLine } from '../../../../shared/reconciliation/bill.js';

/** A channel's bill file from its day's lines: the body and its content type. */
export type BillRenderer = (channel: string, lines: readonly BillLine[], context: { readonly mchId?: string; readonly appId?: string }) => {
  readonly contentType: string;
  readonly body: string;
};

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/** WeChat Pay's tradebill (ALL): backtick-prefixed rows in Beijing time, then the summary. */
export const renderWechatTradebill: BillRenderer = (channel, lines, context) => {
  const rate = `${((CHANNEL_FEE_BPS[channel] ?? 0) / 100).toFixed(2)}%`;
  const rows = lines.map((line) => {
    const refund = line.kind === 'refund';
    const cells: Record<TradebillColumn, string> = {
      交易时间: channelLocalTime(channel, line.at), 公众账号ID: context.appId ?? '', 商户号: context.mchId ?? '', 特约商户号: '0',
      设备号: '', 微信订单号: line.channelPaymentId ?? '', 商户订单号: line.paymentId, 用户标识: 'oSandboxPayer0000000000000',
      交易类型: 'NATIVE', 交易状态: refund ? 'REFUND' : line.status === 'succeeded' ? 'SUCCESS' : 'REVOKED', 付款银行: 'OTHERS',
      货币种类: line.currency, 应结订单金额: refund ? '0.00' : billDecimal(line.amount, line.currency), 代金券金额: '0.00',
      微信退款单号: refund ? `50${line.refundId}` : '0', 商户退款单号: refund ? line.refundId! : '0',
      退款金额: refund ? billDecimal(line.amount, line.currency) : '0.00', 充值券退款金额: '0.00', 退款类型: refund ? 'ORIGINAL' : '',
      退款状态: refund ? (line.status === 'succeeded' ? 'SUCCESS' : 'ABNORMAL') : '', 商品名称: 'sandbox', 商户数据包: '',
      手续费: billDecimal(line.fee, line.currency), 费率: rate, 订单金额: refund ? '0.00' : billDecimal(line.amount, line.currency),
      申请退款金额: refund ? billDecimal(line.amount, line.currency) : '0.00', 费率备注: '',
    };
    return TRADEBILL_COLUMNS.map((column) => `\`${cells[column]}`).join(',');
  });
  const payments = lines.filter((l) => l.kind === 'payment').map((l) => l.amount);
  const refunds = lines.filter((l) => l.kind === 'refund').map((l) => l.amount);
  const summary = [
    String(lines.length), billDecimal(sum(payments), 'CNY'), billDecimal(sum(refunds), 'CNY'), '0.00',
    billDecimal(sum(lines.map((l) => l.fee)), 'CNY'), billDecimal(sum(payments), 'CNY'), billDecimal(sum(refunds), 'CNY'),
  ];
  const body = [TRADEBILL_COLUMNS.join(','), ...rows, TRADEBILL_SUMMARY_COLUMNS.join(','), summary.map((v) => `\`${v}`).join(',')].join('\r\n');
  return { contentType: 'text/csv; charset=utf-8', body: `${body}\r\n` };
};

/** The card acquirers' settlement report (our design): Capture and Refund rows, then the Totals trailer. */
export const renderCardReport: BillRenderer = (_channel, lines) => {
  const rows = lines.map((line) =>
    [
      line.at, line.kind === 'payment' ? 'Capture' : 'Refund', line.channelPaymentId ?? '', line.paymentId, line.refundId ?? '',
      line.currency, billDecimal(line.amount, line.currency), billDecimal(line.fee, line.currency),
      line.status === 'succeeded' ? 'Settled' : 'Declined',
    ].join(','),
  );
  const of = (kind: BillLine['kind']) => sum(lines.filter((l) => l.kind === kind).map((l) => l.amount));
  const trailer = [CARD_REPORT_TRAILER, lines.length, of('payment'), of('refund'), sum(lines.map((l) => l.fee))].join(',');
  return { contentType: 'text/csv; charset=utf-8', body: `${[CARD_REPORT_COLUMNS.join(','), ...rows, trailer].join('\n')}\n` };
};
