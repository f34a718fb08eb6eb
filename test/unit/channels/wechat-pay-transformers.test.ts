import { describe, expect, it } from 'vitest';
import {
  fromWechatTime,
  nativeOrderBody,
  refundBody,
  refundState,
  toFen,
  toWechatTime,
  truncateUtf8,
  UnsupportedCurrencyError,
} from '../../../shared/channels/wechat-pay/transformers.js';

describe('WeChat Pay transformers', () => {
  it('writes times in RFC 3339 at +08:00 and reads any offset back to ISO UTC', () => {
    expect(toWechatTime('2026-11-27T16:30:00.000Z')).toBe('2026-11-28T00:30:00+08:00');
    expect(fromWechatTime('2026-11-28T00:30:00+08:00')).toBe('2026-11-27T16:30:00.000Z');
    expect(fromWechatTime('not a time')).toBeUndefined();
    expect(fromWechatTime(undefined)).toBeUndefined();
  });

  it('sends fen for CNY and refuses every other currency', () => {
    expect(toFen(1999, 'CNY')).toBe(1999);
    expect(() => toFen(1999, 'USD')).toThrow(UnsupportedCurrencyError);
    expect(() => toFen(1000, 'JPY')).toThrow(UnsupportedCurrencyError);
    expect(() => toFen(0, 'CNY')).toThrow(RangeError);
  });

  it('cuts a description to 127 UTF-8 bytes without splitting a character', () => {
    const chinese = '绿茶'.repeat(40); // 3 bytes each
    const cut = truncateUtf8(chinese, 127);
    expect(Buffer.byteLength(cut)).toBe(126);
    expect(chinese.startsWith(cut)).toBe(true);
    expect(truncateUtf8('tea', 127)).toBe('tea');
  });

  it('maps a payment request to the Native order body', () => {
    const body = nativeOrderBody(
      {
        paymentId: 'pay_0000000000aaaaaaaaaaaaaaaa',
        orderId: 'ord_1',
        merchantId: 'm_1',
        amount: 1999,
        currency: 'CNY',
        subject: 'Green tea',
        expiresAt: '2026-11-27T16:30:00.000Z',
        capture: true,
        callbackUrl: 'https://pay.example/callbacks/wechat_pay',
      },
      'wx1',
      '1230000109',
    );
    expect(body).toEqual({
      appid: 'wx1',
      mchid: '1230000109',
      description: 'Green tea',
      out_trade_no: 'pay_0000000000aaaaaaaaaaaaaaaa',
      time_expire: '2026-11-28T00:30:00+08:00',
      notify_url: 'https://pay.example/callbacks/wechat_pay',
      amount: { total: 1999, currency: 'CNY' },
    });
  });

  it('maps a refund request with the payment total, and refund states both ways WeChat names them', () => {
    expect(
      refundBody({ refundId: 'rf_1', paymentId: 'pay_1', channelPaymentId: 'pay_1', amount: 500, paymentAmount: 1999, currency: 'CNY', callbackUrl: 'https://p/cb' }),
    ).toEqual({ out_trade_no: 'pay_1', out_refund_no: 'rf_1', notify_url: 'https://p/cb', amount: { refund: 500, total: 1999, currency: 'CNY' } });
    expect(refundState({ out_refund_no: 'rf_1', refund_id: '503', status: 'PROCESSING' })).toEqual({ status: 'processing', refundId: 'rf_1', channelRefundId: '503' });
    expect(refundState({ out_refund_no: 'rf_1', refund_status: 'ABNORMAL' })).toMatchObject({ status: 'failed', code: 'ABNORMAL' });
    expect(refundState({ out_refund_no: 'rf_1', status: 'WHATEVER' })).toBeUndefined();
    // The query answer names the currency; a refund notification's resource does not (domestic refunds are CNY).
    expect(refundState({ out_refund_no: 'rf_1', out_trade_no: 'pay_1', status: 'SUCCESS', amount: { refund: 5, total: 9, currency: 'CNY' } })).toMatchObject({
      paymentId: 'pay_1',
      amount: 5,
      currency: 'CNY',
    });
    expect(refundState({ out_refund_no: 'rf_1', refund_status: 'SUCCESS', amount: { refund: 5, total: 9 } })).toMatchObject({ amount: 5, currency: 'CNY' });
    expect(refundState({ out_refund_no: 'rf_1', status: 'SUCCESS', amount: { refund: 5, total: 9, currency: 'HKD' } })).toBeUndefined();
  });
});
