import { describe, expect, it } from 'vitest';
import { withCheckoutPage } from '../../../shared/checkout/issue.js';
import type { CheckoutToken, CheckoutTokenStore } from '../../../shared/checkout/tokens.js';
import type { NextAction, Order } from '../../../shared/domain/order.js';
import type { AttemptOutcome } from '../../../shared/domain/payment-outcome.js';

const NOW = Date.parse('2026-11-27T10:00:00.000Z');

function memoryStore(): CheckoutTokenStore & { items: CheckoutToken[] } {
  const items: CheckoutToken[] = [];
  return { items, put: async (t) => void items.push(t), get: async (id) => items.find((t) => t.token === id) };
}

const claimed = (nextAction: NextAction | null = null) =>
  ({
    id: 'ord_1',
    merchantId: 'm_1',
    expiresAt: '2026-11-27T10:30:00.000Z',
    payment: { id: 'pay_1', nextAction },
  }) as unknown as Order;

const qr: AttemptOutcome = {
  outcome: 'requires_action',
  channel: 'wechat_pay',
  channelPaymentId: 'wx_1',
  nextAction: { type: 'qr_code', url: '', qrCode: 'weixin://wxpay/bizpayurl?pr=1' },
};

describe('withCheckoutPage', () => {
  it("issues a token for an attempt that needs the payer and points nextAction.url at its page, keeping the channel's action", async () => {
    const tokens = memoryStore();
    const out = await withCheckoutPage({ tokens, publicBaseUrl: () => 'https://api.example/live/' }, claimed(), qr, NOW);
    expect(tokens.items).toHaveLength(1);
    const [token] = tokens.items;
    expect(token).toMatchObject({
      orderId: 'ord_1',
      merchantId: 'm_1',
      paymentId: 'pay_1',
      channel: 'wechat_pay',
      channelPaymentId: 'wx_1',
      action: { type: 'qr_code', qrCode: 'weixin://wxpay/bizpayurl?pr=1' },
      expiresAt: '2026-11-27T10:30:00.000Z',
    });
    expect(out).toEqual({ ...qr, nextAction: { type: 'qr_code', url: `https://api.example/live/checkout/${token!.token}`, qrCode: 'weixin://wxpay/bizpayurl?pr=1' } });
  });

  it('keeps the page of a challenge that stays open, and touches nothing but requires_action', async () => {
    const tokens = memoryStore();
    const checkout = { tokens, publicBaseUrl: () => 'https://api.example' };
    const open = { type: 'otp' as const, url: 'https://api.example/checkout/abc' };
    const reopened: AttemptOutcome = { outcome: 'requires_action', channel: 'card_a', channelPaymentId: 'ch_1', nextAction: open };
    expect(await withCheckoutPage(checkout, claimed(open), reopened, NOW)).toBe(reopened);
    const succeeded: AttemptOutcome = { outcome: 'succeeded', channel: 'card_a', channelPaymentId: 'ch_1' };
    expect(await withCheckoutPage(checkout, claimed(), succeeded, NOW)).toBe(succeeded);
    expect(tokens.items).toHaveLength(0);
  });

  it('refuses to send a payer nowhere when PUBLIC_BASE_URL is missing', async () => {
    await expect(withCheckoutPage({ tokens: memoryStore(), publicBaseUrl: () => '' }, claimed(), qr, NOW)).rejects.toThrow(/PUBLIC_BASE_URL/);
  });
});
