import { describe, expect, it } from 'vitest';
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
