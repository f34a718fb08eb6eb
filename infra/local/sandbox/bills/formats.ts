import { ALIPAY_BILL_COLUMNS, ALIPAY_BILL_LIST_END, ALIPAY_BILL_LIST_START, ALIPAY_BILL_TITLE, type AlipayBillColumn } from '../../../../shared/channels/alipay/bill-format.js';
import { UNIONPAY_BILL_FIELDS, UNIONPAY_CURRENCIES, type UnionpayBillField } from '../../../../shared/channels/unionpay/bill-format.js';
import { CARD_REPORT_COLUMNS, CARD_REPORT_TRAILER } from '../../../../shared/channels/card-acquirer/bill-format.js';
import { TRADEBILL_COLUMNS, TRADEBILL_SUMMARY_COLUMNS, type TradebillColumn } from '../../../../shared/channels/wechat-pay/bill-format.js';
import {
  NETBANK_BILL_SEPARATOR,
  NETBANK_COLLECTION_STATEMENT,
  NETBANK_PAYOUT_STATEMENT,
  type NetbankStatementFormat,
} from '../../../../shared/channels/netbank/bill-format.js';
import { billDecimal, CHANNEL_FEE_BPS, channelLocalTime, type BillLine } from '../../../../shared/reconciliation/bill.js';

/** A channel's bill file from its day's lines: the body and its content type. */
export type BillRenderer = (
  channel: string,
  lines: readonly BillLine[],
  context: { readonly mchId?: string; readonly appId?: string; readonly date?: string },
) => {
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

/** Alipay's trade bill: the `#` header lines, 交易 and 退款 rows in Beijing time, the totals footer. */
export const renderAlipayBill: BillRenderer = (channel, lines, context) => {
  const yuan = (minor: number) => billDecimal(minor, 'CNY');
  const rows = lines.map((line) => {
    const refund = line.kind === 'refund';
    const time = channelLocalTime(channel, line.at);
    const cells: Record<AlipayBillColumn, string> = {
      支付宝交易号: line.channelPaymentId ?? '', 商户订单号: line.paymentId, 业务类型: refund ? '退款' : '交易', 商品名称: 'sandbox',
      创建时间: time, 完成时间: time, 门店编号: '', 门店名称: '', 操作员: '', 终端号: '', 对方账户: 'sandbox_buyer@alipay.com',
      '订单金额（元）': yuan(refund ? 0 : line.amount), '商家实收（元）': yuan(refund ? -line.amount : line.amount),
      '支付宝红包（元）': '0.00', '集分宝（元）': '0.00', '支付宝优惠（元）': '0.00', '商家优惠（元）': '0.00', '券核销金额（元）': '0.00',
      券名称: '', '商家红包消费金额（元）': '0.00', '卡消费金额（元）': '0.00', '退款批次号/请求号': line.refundId ?? '',
      '服务费（元）': yuan(line.fee === 0 ? 0 : -line.fee), '分润（元）': '0.00', 备注: line.status === 'succeeded' ? '' : 'FAILED',
    };
    return ALIPAY_BILL_COLUMNS.map((column) => cells[column]).join(',');
  });
  const payments = lines.filter((l) => l.kind === 'payment');
  const refunds = lines.filter((l) => l.kind === 'refund');
  const date = lines[0] ? channelLocalTime(channel, lines[0].at).slice(0, 10) : '';
  const body = [
    ALIPAY_BILL_TITLE,
    `#账号：[${context.appId ?? ''}]`,
    `#起始日期：[${date} 00:00:00]   终止日期：[${date} 23:59:59]`,
    ALIPAY_BILL_LIST_START,
    ALIPAY_BILL_COLUMNS.join(','),
    ...rows,
    ALIPAY_BILL_LIST_END,
    `#交易合计：${payments.length}笔，商家实收共${yuan(sum(payments.map((l) => l.amount)))}元，商家优惠共0.00元`,
    `#退款合计：${refunds.length}笔，商家实收退款共${yuan(-sum(refunds.map((l) => l.amount)))}元，商家优惠退款共0.00元`,
    `#导出时间：[${channelLocalTime(channel, new Date().toISOString())}]`,
  ];
  return { contentType: 'text/csv; charset=utf-8', body: `${body.join('\r\n')}\r\n` };
};

const UNIONPAY_CODES = Object.fromEntries(Object.entries(UNIONPAY_CURRENCIES).map(([code, letters]) => [letters, code]));

/** UnionPay's fixed-width file: one line per transaction, each field padded to its width (numbers with zeros). */
export const renderUnionpayBill: BillRenderer = (channel, lines) => {
  const rows = lines.map((line) => {
    const time = channelLocalTime(channel, line.at).replace(/[- :]/g, '');
    const refund = line.kind === 'refund';
    const values: Record<UnionpayBillField, string> = {
      queryId: line.channelPaymentId ?? '', txnType: refund ? '04' : '01', txnTime: time,
      orderId: refund ? line.refundId! : line.paymentId, origOrderId: refund ? line.paymentId : '',
      txnAmt: String(line.amount).padStart(12, '0'), fee: String(line.fee).padStart(12, '0'),
      currencyCode: UNIONPAY_CODES[line.currency] ?? '156', respCode: line.status === 'succeeded' ? '00' : '60', accNo: '',
    };
    return UNIONPAY_BILL_FIELDS.map((f) => values[f.name].slice(0, f.width).padEnd(f.width, ' ')).join(' ');
  });
  return { contentType: 'text/plain; charset=utf-8', body: rows.map((r) => `${r}\r\n`).join('') };
};

/**
 * One of the bank's pipe-delimited statements (shared/channels/netbank/bill-format.ts): header, a detail record per
 * line of the statement's types, the trailer with the count, each type's count and sum, and the fees.
 */
function netbankStatement(format: NetbankStatementFormat): BillRenderer {
  return (channel, lines, context) => {
    const details = lines.map((line, i) => {
      const type = format.types.find((t) => t.kind === line.kind);
      if (!type) throw new Error(`the ${format.title} has no ${line.kind} record`);
      const values: Record<string, string> = {
        record: 'D', seq: String(i + 1).padStart(6, '0'), type: type.type, [format.ids.paymentId]: line.paymentId,
        ...(format.ids.refundId ? { [format.ids.refundId]: line.refundId ?? '' } : {}), [format.ids.channelPaymentId]: line.channelPaymentId ?? '',
        bookedAt: channelLocalTime(channel, line.at).replace(/[- :]/g, ''), currency: line.currency,
        amount: billDecimal(line.amount, line.currency), fee: billDecimal(line.fee, line.currency),
        status: line.status === 'succeeded' ? 'SUCCESS' : line.status === 'processing' ? 'PROCESSING' : 'FAILED',
      };
      return format.fields.map((field) => values[field] ?? '').join(NETBANK_BILL_SEPARATOR);
    });
    const counted = format.types.flatMap(({ kind }) => {
      const of = lines.filter((l) => l.kind === kind);
      return [of.length, sum(of.map((l) => l.amount))];
    });
    const trailer = ['T', lines.length, ...counted, sum(lines.map((l) => l.fee))].join(NETBANK_BILL_SEPARATOR);
    const header = [...format.header, context.mchId ?? '', (context.date ?? '').replaceAll('-', '')].join(NETBANK_BILL_SEPARATOR);
    return { contentType: 'text/plain; charset=utf-8', body: `${[header, ...details, trailer].join('\r\n')}\r\n` };
  };
}

/** The netbank payout statement: header, PAYOUT and RETURN records, trailer. */
export const renderNetbankStatement: BillRenderer = netbankStatement(NETBANK_PAYOUT_STATEMENT);

/** The netbank collections statement: header, PAYMENT and REFUND records, trailer. */
export const renderNetbankCollections: BillRenderer = netbankStatement(NETBANK_COLLECTION_STATEMENT);
