import { describe, expect, it } from 'vitest';
import { outcomeOf, outcomeOfState } from '../../shared/services/channel-outcomes.js';

/** A channel's answers as the outcomes the one commit step takes (shared/services/channel-outcomes.ts). */
describe('channel answers as attempt outcomes', () => {
  it('keeps the payer action of a createPayment answer for the checkout page', () => {
    expect(outcomeOf('wechat_pay', { outcome: 'requires_action', channelPaymentId: 'wx1', action: { type: 'qr_code', qrCode: 'weixin://wxpay/x' } }))
      .toEqual({ outcome: 'requires_action', channel: 'wechat_pay', channelPaymentId: 'wx1', nextAction: { type: 'qr_code', url: '', qrCode: 'weixin://wxpay/x' } });
    expect(outcomeOf('netbank', { outcome: 'requires_action', channelPaymentId: 'nb1', action: { type: 'redirect', url: 'https://bank.example/pay' } }))
      .toMatchObject({ nextAction: { type: 'redirect', url: 'https://bank.example/pay' } });
    expect(outcomeOf('card_a', { outcome: 'declined', channelPaymentId: null, code: 'card_declined', message: 'no' }))
      .toEqual({ outcome: 'declined', channel: 'card_a', channelPaymentId: null, code: 'card_declined', message: 'no' });
  });

  it('maps a reported payment state with its amount and currency, and ends nothing while it is pending or unknown', () => {
    const base = { paymentId: 'pay_1', channelPaymentId: 'wx1' };
    expect(outcomeOfState('wechat_pay', { ...base, status: 'succeeded', amount: 1999, currency: 'CNY' }))
      .toEqual({ outcome: 'succeeded', channel: 'wechat_pay', channelPaymentId: 'wx1', amount: 1999, currency: 'CNY' });
    expect(outcomeOfState('wechat_pay', { ...base, status: 'failed', code: 'PAYERROR' })).toMatchObject({ outcome: 'declined', code: 'PAYERROR' });
    expect(outcomeOfState('wechat_pay', { ...base, status: 'closed' })).toEqual({ outcome: 'cancelled', channel: 'wechat_pay', channelPaymentId: 'wx1' });
    expect(outcomeOfState('wechat_pay', { ...base, status: 'pending' })).toBeUndefined();
    expect(outcomeOfState('wechat_pay', { ...base, status: 'not_found', channelPaymentId: null })).toBeUndefined();
  });
});
