import { describe, expect, it } from 'vitest';
import { payerHint } from '../../../infra/local/payer-hint.js';

describe('npm run api: the payer hint on stderr', () => {
  it('draws the QR code of qrCode in the terminal, with the checkout URL', () => {
    const url = 'http://127.0.0.1:3000/checkout/abc';
    const hint = payerHint({ payment: { nextAction: { type: 'qr_code', url, qrCode: 'weixin://wxpay/bizpayurl?pr=X1' } } });
    expect(hint).toContain(`Payer action (qr_code): open ${url}`);
    expect(hint).toContain('Scan with the wallet (weixin://wxpay/bizpayurl?pr=X1):');
    const block = hint.split('\n').filter((line) => /[▀▄█]/.test(line));
    // A version-2 (25×25) code or larger with its quiet zone, two modules per character row.
    expect(block.length).toBeGreaterThanOrEqual(13);
    const other = payerHint({ payment: { nextAction: { type: 'qr_code', url, qrCode: 'https://qr.alipay.com/bax1' } } });
    expect(other).not.toBe(hint);
  });

  it('names the checkout URL alone for an OTP or redirect, and says nothing when no payer action waits', () => {
    expect(payerHint({ payment: { nextAction: { type: 'otp', url: 'http://x/checkout/t' } } })).toBe('Payer action (otp): open http://x/checkout/t\n');
    expect(payerHint({ payment: { nextAction: null } })).toBe('');
    expect(payerHint({ payment: null })).toBe('');
    expect(payerHint({ error: { code: 'x' } })).toBe('');
    expect(payerHint(undefined)).toBe('');
  });
});
