import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatAmount, formatTimeLeft } from '../../../shared/checkout/format.js';
import { CHECKOUT_CSP, CHECKOUT_SCRIPT, checkoutHeaders } from '../../../shared/checkout/page-assets.js';
import { renderCheckoutPage, renderNotFoundPage } from '../../../shared/checkout/page.js';
import { checkoutState, type CheckoutView } from '../../../shared/checkout/service.js';
import { isTokenShaped, newCheckoutToken } from '../../../shared/checkout/tokens.js';
import type { Order } from '../../../shared/domain/order.js';

const NOW = Date.parse('2026-11-27T10:00:00.000Z');
const XSS = `<script>alert(1)</script><img src=x onerror=alert(2)>"'&`;

function view(overrides: Partial<CheckoutView> = {}): CheckoutView {
  return {
    token: 'a'.repeat(43),
    merchantName: 'Demo merchant',
    subject: 'Coffee beans',
    amount: 1999,
    currency: 'CNY',
    expiresAt: '2026-11-27T10:30:00.000Z',
    state: 'awaiting_payer',
    action: { type: 'qr_code', qrCode: 'weixin://wxpay/bizpayurl?pr=abc123' },
    channel: 'wechat_pay',
    channelPaymentId: 'wx_4200001',
    returnUrl: 'https://shop.example/thanks?order=1',
    ...overrides,
  };
}

const render = (v: CheckoutView, localMode = true, otpError?: string) => renderCheckoutPage(v, { nowMs: NOW, localMode, otpError });

describe('checkout page rendering', () => {
  it('a qr_code order: merchant, subject, amount, time left, the QR drawn as an SVG image, and the simulate buttons in local mode', async () => {
    const page = await render(view());
    expect(page).toContain('<h1 id="merchant">Demo merchant</h1>');
    expect(page).toContain('Coffee beans');
    expect(page).toContain('CN¥19.99');
    expect(page).toContain('<span id="time-left">30 min 00 s</span>');
    const src = /<img class="qr" id="qr" alt="[^"]+" src="([^"]+)">/.exec(page)?.[1];
    expect(src).toMatch(/^data:image\/svg\+xml;base64,/);
    const svg = Buffer.from(src!.split(',')[1]!, 'base64').toString('utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('<path');
    // Another string is another code: the image is drawn from qrCode, not a fixed picture.
    const other = await render(view({ action: { type: 'qr_code', qrCode: 'https://qr.alipay.com/bax0001' } }));
    expect(/src="(data:[^"]+)"/.exec(other)?.[1]).not.toBe(src);
    expect(page).toContain('data-endpoint="/sandbox/channels/wechat_pay/payments/wx_4200001/complete"');
    expect(page).toContain('Simulate payer: pay');
    expect(page).toContain('Simulate payer: fail');
    expect(page).not.toContain('weixin://');
  });

  it('outside local mode there are no simulate buttons', async () => {
    const page = await render(view(), false);
    expect(page).toContain('id="qr"');
    expect(page).not.toContain('Simulate payer');
  });

  it('a redirect shows the bank link; a channel URL that is not a web link is not rendered as one', async () => {
    const page = await render(view({ action: { type: 'redirect', url: 'https://bank.example/pay?id=1&x=2' } }));
    expect(page).toContain('<a class="button" id="bank-link" href="https://bank.example/pay?id=1&amp;x=2"');
    expect(page).toContain('Simulate payer: pay');
    const hostile = await render(view({ action: { type: 'redirect', url: 'javascript:alert(1)' } }));
    expect(hostile).not.toContain('javascript:');
    expect(hostile).not.toContain('id="bank-link"');
  });

  it('an otp challenge is a form posting to <token>/otp, with a fixed message for the code of the last refusal', async () => {
    const page = await render(view({ action: { type: 'otp' } }), true, 'authentication_failed');
    expect(page).toContain(`<form method="post" action="${'a'.repeat(43)}/otp" id="otp-form">`);
    expect(page).toContain('That code is not right');
    expect(page).not.toContain('Simulate payer');
    const echoed = await render(view({ action: { type: 'otp' } }), true, XSS);
    expect(echoed).not.toContain('<script>alert');
    expect(echoed).toContain('The code could not be checked; try again.');
  });

  it('escapes every merchant-provided string', async () => {
    const page = await render(view({ subject: XSS, merchantName: XSS, returnUrl: null, state: 'succeeded' }));
    expect(page).not.toContain('<script>alert(1)');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;&amp;');
    // The only script element is the page's own, whose hash the CSP names.
    const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toEqual([CHECKOUT_SCRIPT]);
  });

  it('ended states show the result and the return link (none while processing)', async () => {
    for (const [state, text] of [['succeeded', 'Payment succeeded'], ['failed', 'Payment failed'], ['closed', 'This payment is closed']] as const) {
      const page = await render(view({ state }));
      expect(page).toContain(text);
      expect(page).toContain('id="return-link" href="https://shop.example/thanks?order=1"');
      expect(page).not.toContain('id="qr"');
    }
    const processing = await render(view({ state: 'processing' }));
    expect(processing).toContain('Processing your payment');
    expect(processing).not.toContain('return-link');
  });

  it('the not-found page says nothing about the token and runs no script', () => {
    const page = renderNotFoundPage();
    expect(page).toContain('Page not found');
    expect(page).not.toContain('<script>');
  });
});

describe('checkout headers', () => {
  it('a strict CSP whose script and style hashes match the inline assets', async () => {
    const headers = checkoutHeaders('text/html');
    expect(headers).toMatchObject({
      'Content-Security-Policy': CHECKOUT_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    });
    for (const directive of ["default-src 'none'", 'img-src data:', "form-action 'self'", "frame-ancestors 'none'"]) {
      expect(CHECKOUT_CSP).toContain(directive);
    }
    expect(CHECKOUT_CSP).not.toContain('unsafe-inline');
    const page = await render(view());
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    const script = /<script>([\s\S]*?)<\/script>/.exec(page)![1]!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1]!;
    expect(CHECKOUT_CSP).toContain(`script-src ${hash(script)}`);
    expect(CHECKOUT_CSP).toContain(`style-src ${hash(style)}`);
  });
});

describe('checkout formatting and tokens', () => {
  it('formats amounts from minor units by currency', () => {
    expect(formatAmount(1999, 'CNY')).toBe('CN¥19.99');
    expect(formatAmount(1999, 'JPY')).toBe('¥1,999');
    expect(formatAmount(5, 'USD')).toBe('$0.05');
    expect(formatAmount(100_000_000_000, 'USD')).toBe('$1,000,000,000.00');
  });

  it('formats the time left', () => {
    expect(formatTimeLeft('2026-11-27T10:00:42.000Z', NOW)).toBe('42 s');
    expect(formatTimeLeft('2026-11-27T11:05:00.000Z', NOW)).toBe('1 h 05 min');
    expect(formatTimeLeft('2026-11-27T09:59:59.000Z', NOW)).toBe('expired');
  });

  it('tokens are 32 random bytes in base64url, and only that shape is looked up', () => {
    const tokens = new Set(Array.from({ length: 100 }, newCheckoutToken));
    expect(tokens.size).toBe(100);
    for (const token of tokens) {
      expect(isTokenShaped(token)).toBe(true);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    }
    expect(isTokenShaped('short')).toBe(false);
    expect(isTokenShaped(`${'a'.repeat(42)}/`)).toBe(false);
  });

  it("maps the order's status to the payer's state, per attempt", () => {
    const order = (status: Order['status'], paymentId = 'pay_1') => ({ status, payment: { id: paymentId } }) as Order;
    expect(checkoutState(order('REQUIRES_ACTION'), 'pay_1')).toBe('awaiting_payer');
    expect(checkoutState(order('REQUIRES_ACTION', 'pay_2'), 'pay_1')).toBe('failed');
    expect(checkoutState(order('PROCESSING'), 'pay_1')).toBe('processing');
    expect(checkoutState(order('SUCCEEDED'), 'pay_1')).toBe('succeeded');
    expect(checkoutState(order('CREATED'), 'pay_1')).toBe('failed');
    expect(checkoutState(order('CLOSED'), 'pay_1')).toBe('closed');
  });
});
