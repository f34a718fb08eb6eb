import { describe, expect, it } from 'vitest';
import { escapeHtml, renderBankPage, safeReturnUrl, BANK_PAGE_CSP } from '../../../infra/local/sandbox/netbank/bank-page.js';
import { generateSandboxNetbankKeys, parseNetbankCredentials } from '../../../shared/channels/netbank/credentials.js';
import {
  NETBANK_HEADERS,
  netbankHeaderRecord,
  netbankSigningString,
  signNetbankMessage,
  verifyNetbankMessage,
} from '../../../shared/channels/netbank/signature.js';
import { toCreateBody, toPaymentState } from '../../../shared/channels/netbank/transformers.js';

const keys = generateSandboxNetbankKeys('NB0001');
const now = new Date('2026-11-27T12:00:00Z');
const body = '{"orderNo":"pay_1","amount":"19.99"}';

describe('netbank signature', () => {
  it('signs one line per part, each ended by a newline', () => {
    expect(netbankSigningString(['POST', '/api/v1/payments', '1764244800', 'n1', '{}'])).toBe('POST\n/api/v1/payments\n1764244800\nn1\n{}\n');
  });

  it('verifies what it signed, with header names in any case', () => {
    const signed = netbankHeaderRecord(signNetbankMessage(keys.channel.signingKey, body, now));
    const shouted = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyNetbankMessage(keys.platform.bankPublicKeys, shouted, body, now)).toBeNull();
  });

  it('refuses a changed body, another key, an unknown key id, a stale or future timestamp, missing headers', () => {
    const signed = netbankHeaderRecord(signNetbankMessage(keys.channel.signingKey, body, now));
    const other = generateSandboxNetbankKeys();
    expect(verifyNetbankMessage(keys.platform.bankPublicKeys, signed, body.replace('19.99', '0.01'), now)).toBe('signature');
    expect(verifyNetbankMessage([{ ...other.platform.bankPublicKeys[0]!, keyId: keys.channel.signingKey.keyId }], signed, body, now)).toBe('signature');
    expect(verifyNetbankMessage(other.platform.bankPublicKeys, signed, body, now)).toBe('unknown_key');
    expect(verifyNetbankMessage(keys.platform.bankPublicKeys, signed, body, new Date(now.getTime() + 301_000))).toBe('stale');
    expect(verifyNetbankMessage(keys.platform.bankPublicKeys, signed, body, new Date(now.getTime() - 301_000))).toBe('stale');
    const { [NETBANK_HEADERS.signature]: _dropped, ...unsigned } = signed;
    expect(verifyNetbankMessage(keys.platform.bankPublicKeys, unsigned, body, now)).toBe('malformed');
  });

  it('binds a request to its method and path', () => {
    const signed = netbankHeaderRecord(signNetbankMessage(keys.platform.signingKey, body, now, { method: 'POST', path: '/api/v1/payments/query' }));
    const merchantKeys = keys.channel.merchants[0]!.publicKeys;
    expect(verifyNetbankMessage(merchantKeys, signed, body, now, { method: 'POST', path: '/api/v1/payments/query' })).toBeNull();
    expect(verifyNetbankMessage(merchantKeys, signed, body, now, { method: 'POST', path: '/api/v1/payments/close' })).toBe('signature');
  });
});

describe('netbank transformers', () => {
  it('sends amounts as decimal strings in the currency, and reads them back as minor units', () => {
    const base = { paymentId: 'pay_1', orderId: 'ord_1', merchantId: 'm_1', subject: 's', expiresAt: now.toISOString(), capture: true, callbackUrl: 'http://127.0.0.1/cb' };
    expect(toCreateBody({ ...base, amount: 1999, currency: 'CNY' }, 'NB0001')).toMatchObject({ amount: '19.99', merchantNo: 'NB0001', orderNo: 'pay_1' });
    expect(toCreateBody({ ...base, amount: 1999, currency: 'JPY', bank: 'CMB' }, 'NB0001')).toMatchObject({ amount: '1999', bankCode: 'CMB' });
    const order = { orderNo: 'pay_1', bankOrderId: 'NB1', status: 'PAID' as const, amount: '19.99', currency: 'CNY' as const };
    expect(toPaymentState(order)).toMatchObject({ status: 'succeeded', amount: 1999, channelPaymentId: 'NB1' });
    expect(toPaymentState({ ...order, amount: '19.999' })).toBeUndefined();
  });
});

describe('netbank credentials', () => {
  it('parses what the credential store opens and names a bad field, never its value', () => {
    expect(parseNetbankCredentials(JSON.parse(JSON.stringify(keys.platform)))).toEqual(keys.platform);
    const broken = { ...keys.platform, bankPublicKeys: [] };
    expect(() => parseNetbankCredentials(broken)).toThrow('bankPublicKeys');
    const leaky = { ...keys.platform, merchantNo: 42 };
    const message = (() => {
      try {
        parseNetbankCredentials({ ...leaky, signingKey: { keyId: 'k', privateKeyPem: 42 } });
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toBe('Netbank credentials are invalid at: merchantNo, signingKey.privateKeyPem');
  });
});

describe('the bank page', () => {
  const order = {
    bankOrderId: 'NB1',
    merchantNo: 'NB"><img src=x onerror=alert(1)>',
    orderNo: 'pay_1',
    amount: 1999,
    currency: 'CNY' as const,
    subject: '</title><script>alert(1)</script>',
    returnUrl: 'javascript:alert(1)',
    pageToken: 'abc',
  };

  it('escapes every string it did not write', () => {
    const html = renderBankPage(order, 'pay');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain(escapeHtml(order.subject));
  });

  it('links back only to http(s) return URLs', () => {
    expect(renderBankPage(order, 'paid')).not.toContain('javascript:');
    expect(safeReturnUrl('https://shop.example/r?a=1&b="2"')).toBe('https://shop.example/r?a=1&b=%222%22');
    expect(safeReturnUrl('data:text/html,hi')).toBeUndefined();
    expect(renderBankPage({ ...order, returnUrl: 'https://shop.example/?a=1&b=2' }, 'paid')).toContain('href="https://shop.example/?a=1&#38;b=2"');
  });

  it('allows no script, and only its own inline style by hash', () => {
    expect(BANK_PAGE_CSP).toMatch(/default-src 'none'/);
    expect(BANK_PAGE_CSP).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(BANK_PAGE_CSP).not.toContain('script-src');
  });
});
