import { describe, expect, it } from 'vitest';
import { parseAlipayBill } from '../../../shared/channels/alipay/bill-parser.js';
import { parseUnionpayBill } from '../../../shared/channels/unionpay/bill-parser.js';
import { parseCardReport } from '../../../shared/channels/card-acquirer/bill-parser.js';
import { parseWechatTradebill } from '../../../shared/channels/wechat-pay/bill-parser.js';
import { BillFormatError } from '../../../shared/reconciliation/bill.js';

/** A WeChat Pay tradebill (bill_type=ALL) as the download answers it: backtick fields, Beijing time, then the summary. */
const WECHAT_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const WECHAT_BILL = [
  WECHAT_HEADER,
  '`2026-11-28 00:00:01,`wxd678efh567hg6787,`1230000109,`0,`,`4200002026112800001,`pay_01a,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`SUCCESS,`OTHERS,`CNY,`19.99,`0.00,`0,`0,`0.00,`0.00,`,`,`Coffee beans,`,`0.12,`0.60%,`19.99,`0.00,`',
  '`2026-11-28 10:15:00,`wxd678efh567hg6787,`1230000109,`0,`,`4200002026112800001,`pay_01a,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50300000012026112800001,`rf_01b,`5.00,`0.00,`ORIGINAL,`SUCCESS,`Coffee beans,`,`0.00,`0.60%,`0.00,`5.00,`',
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
  '`2,`19.99,`5.00,`0.00,`0.12,`19.99,`5.00',
].join('\r\n');

describe('WeChat Pay tradebill parser', () => {
  it('reads trade and refund rows in minor units, Beijing time back to UTC, and checks the summary', () => {
    const bill = parseWechatTradebill(`\uFEFF${WECHAT_BILL}\r\n`);
    expect(bill.totals).toEqual({ count: 2, amount: 1999, refunds: 500, fees: 12 });
    expect(bill.lines).toEqual([
      { kind: 'payment', paymentId: 'pay_01a', refundId: null, channelPaymentId: '4200002026112800001', amount: 1999, fee: 12, currency: 'CNY', status: 'succeeded', at: '2026-11-27T16:00:01.000Z' },
      { kind: 'refund', paymentId: 'pay_01a', refundId: 'rf_01b', channelPaymentId: '4200002026112800001', amount: 500, fee: 0, currency: 'CNY', status: 'succeeded', at: '2026-11-28T02:15:00.000Z' },
    ]);
  });

  it('refuses a summary that does not add up, a row without backticks, a missing summary and another header', () => {
    const rows = WECHAT_BILL.split('\r\n');
    expect(() => parseWechatTradebill([...rows.slice(0, 4), '`2,`19.98,`5.00,`0.00,`0.12,`19.99,`5.00'].join('\n'))).toThrow(BillFormatError);
    expect(() => parseWechatTradebill([rows[0], rows[1]!.replaceAll('`', ''), ...rows.slice(2)].join('\n'))).toThrow(/backtick/);
    expect(() => parseWechatTradebill(rows.slice(0, 3).join('\n'))).toThrow(/summary missing/);
    expect(() => parseWechatTradebill(['交易时间,商户号', ...rows.slice(1)].join('\n'))).toThrow(/header/);
    expect(() => parseWechatTradebill([rows[0], rows[1]!.replace('`19.99,`0.00,`0', '`19.9x,`0.00,`0'), ...rows.slice(2)].join('\n'))).toThrow(/amount/);
  });
});

const CARD_REPORT = [
  'Processed On,Action Type,Payment ID,Reference,Action Reference,Currency,Amount,Processing Fee,Status',
  '2026-11-27T23:59:59.120Z,Capture,pay_acq_1,pay_01a,,USD,19.99,0.36,Settled',
  '2026-11-27T12:00:00.000Z,Refund,pay_acq_1,pay_01a,rf_01b,USD,5.00,0.00,Settled',
  'Totals,2,1999,500,36',
].join('\n');

describe('card acquirer settlement report parser', () => {
  it('reads Capture and Refund rows and checks the trailer', () => {
    const bill = parseCardReport('card_a', CARD_REPORT);
    expect(bill.totals).toEqual({ count: 2, amount: 1999, refunds: 500, fees: 36 });
    expect(bill.lines[0]).toEqual({ kind: 'payment', paymentId: 'pay_01a', refundId: null, channelPaymentId: 'pay_acq_1', amount: 1999, fee: 36, currency: 'USD', status: 'succeeded', at: '2026-11-27T23:59:59.120Z' });
    expect(bill.lines[1]).toMatchObject({ kind: 'refund', refundId: 'rf_01b', amount: 500 });
  });

  it('refuses a truncated report, a wrong trailer and an unknown action', () => {
    const rows = CARD_REPORT.split('\n');
    expect(() => parseCardReport('card_a', rows.slice(0, 3).join('\n'))).toThrow(/trailer/);
    expect(() => parseCardReport('card_a', [...rows.slice(0, 3), 'Totals,2,1999,500,35'].join('\n'))).toThrow(/add up/);
    expect(() => parseCardReport('card_a', [rows[0], rows[1]!.replace('Capture', 'Chargeback'), ...rows.slice(2)].join('\n'))).toThrow(/action/);
  });
});

/** Alipay's trade bill (业务明细) as the zip's CSV holds it, with its # header and footer lines. */
const ALIPAY_BILL = [
  '#支付宝业务明细查询',
  '#账号：[20881234567890120156]',
  '#起始日期：[2026年11月28日 00:00:00]   终止日期：[2026年11月29日 00:00:00]',
  '#-----------------------------------------业务明细列表----------------------------------------',
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注',
  '2026112822001404111433250001\t,pay_01a\t,交易,Coffee beans,2026-11-28 09:59:58,2026-11-28 10:00:05,,,,,buy***@alipay.com,19.99,19.99,0.00,0.00,0.00,0.00,0.00,,0.00,0.00,,-0.11,0.00,',
  '2026112822001404111433250001\t,pay_01a\t,退款,Coffee beans,2026-11-28 11:00:00,2026-11-28 11:00:00,,,,,buy***@alipay.com,0.00,-5.00,0.00,0.00,0.00,0.00,0.00,,0.00,0.00,rf_01b,0.00,0.00,',
  '#-----------------------------------------业务明细列表结束------------------------------------',
  '#交易合计：1笔，商家实收共19.99元，商家优惠共0.00元',
  '#退款合计：1笔，商家实收退款共-5.00元，商家优惠退款共0.00元',
  '#导出时间：[2026年11月29日 09:00:12]',
].join('\r\n');

describe('Alipay trade bill parser', () => {
  it('reads 交易 and 退款 rows (fee and refunds shown negative, trailing tabs trimmed) and checks the totals', () => {
    const bill = parseAlipayBill(ALIPAY_BILL);
    expect(bill.totals).toEqual({ count: 2, amount: 1999, refunds: 500, fees: 11 });
    expect(bill.lines).toEqual([
      { kind: 'payment', paymentId: 'pay_01a', refundId: null, channelPaymentId: '2026112822001404111433250001', amount: 1999, fee: 11, currency: 'CNY', status: 'succeeded', at: '2026-11-28T02:00:05.000Z' },
      { kind: 'refund', paymentId: 'pay_01a', refundId: 'rf_01b', channelPaymentId: '2026112822001404111433250001', amount: 500, fee: 0, currency: 'CNY', status: 'succeeded', at: '2026-11-28T03:00:00.000Z' },
    ]);
  });

  it('refuses totals that do not add up, a missing footer and another file', () => {
    expect(() => parseAlipayBill(ALIPAY_BILL.replace('商家实收共19.99元', '商家实收共19.98元'))).toThrow(/add up/);
    expect(() => parseAlipayBill(ALIPAY_BILL.split('\r\n').slice(0, 8).join('\n'))).toThrow(/totals missing/);
    expect(() => parseAlipayBill(ALIPAY_BILL.replace('#支付宝业务明细查询', '#账务明细'))).toThrow(/not an Alipay/);
  });
});

/** UnionPay's fixed-width file: queryId 21, txnType 2, txnTime 14, orderId 40, origOrderId 40, txnAmt 12, fee 12, currency 3, respCode 2, accNo 19. */
const fixed = (...fields: [string, number][]) => fields.map(([v, w]) => v.padEnd(w, ' ')).join(' ');
const UNIONPAY_PURCHASE = fixed(['202611280000010000001', 21], ['01', 2], ['20261128000001', 14], ['pay_01a', 40], ['', 40], ['000000001999', 12], ['000000000010', 12], ['156', 3], ['00', 2], ['6200000000000005', 19]);
const UNIONPAY_REFUND = fixed(['202611281100000000002', 21], ['04', 2], ['20261128110000', 14], ['rf_01b', 40], ['pay_01a', 40], ['000000000500', 12], ['000000000000', 12], ['156', 3], ['00', 2], ['', 19]);

describe('UnionPay fixed-width file parser', () => {
  it('reads purchases and refunds at their offsets, fen as zero-padded digits, Beijing time to UTC', () => {
    const bill = parseUnionpayBill(`${UNIONPAY_PURCHASE}\r\n${UNIONPAY_REFUND}\r\n`);
    expect(UNIONPAY_PURCHASE).toHaveLength(174);
    expect(bill.lines).toEqual([
      { kind: 'payment', paymentId: 'pay_01a', refundId: null, channelPaymentId: '202611280000010000001', amount: 1999, fee: 10, currency: 'CNY', status: 'succeeded', at: '2026-11-27T16:00:01.000Z' },
      { kind: 'refund', paymentId: 'pay_01a', refundId: 'rf_01b', channelPaymentId: '202611281100000000002', amount: 500, fee: 0, currency: 'CNY', status: 'succeeded', at: '2026-11-28T03:00:00.000Z' },
    ]);
    expect(bill.totals).toEqual({ count: 2, amount: 1999, refunds: 500, fees: 10 });
  });

  it('refuses a cut line, an unknown transaction type and a bad amount', () => {
    expect(() => parseUnionpayBill(UNIONPAY_PURCHASE.slice(0, 100))).toThrow(/characters/);
    expect(() => parseUnionpayBill(UNIONPAY_PURCHASE.replace(' 01 ', ' 31 '))).toThrow(/txnType/);
    expect(() => parseUnionpayBill(UNIONPAY_PURCHASE.replace('000000001999', '00000000199x'))).toThrow(/amount/);
  });
});
