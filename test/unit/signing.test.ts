import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NONCE_PATTERN, sign, stringToSign, timestampWithinWindow, verify, type SignatureInput } from '../../shared/domain/signing.js';

const secret = 'sk_test_0123456789abcdef0123456789abcdef';
const input: SignatureInput = {
  method: 'post',
  pathWithQuery: '/v1/orders?limit=5',
  timestamp: '1795560000',
  nonce: 'n0nce-AAAA_bbbb-1234',
  rawBody: '{"amount":1999,"subject":"Café"}',
};

describe('request signing (contract, "Authentication")', () => {
  it('signs METHOD\\nPATH_WITH_QUERY\\nTIMESTAMP\\nNONCE\\nhex(SHA256(body)) with HMAC-SHA256 of the UTF-8 secret', () => {
    const bodyHash = createHash('sha256').update(Buffer.from(input.rawBody, 'utf8')).digest('hex');
    const expected = `POST\n/v1/orders?limit=5\n1795560000\nn0nce-AAAA_bbbb-1234\n${bodyHash}`;
    expect(stringToSign(input)).toBe(expected);
    expect(sign(secret, input)).toBe(`v1=${createHmac('sha256', secret).update(expected).digest('hex')}`);
  });

  it('hashes the empty string for bodyless requests', () => {
    expect(stringToSign({ ...input, method: 'GET', rawBody: '' }).split('\n')[4]).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('verifies the genuine signature and rejects any change to any signed part', () => {
    const signature = sign(secret, input);
    expect(verify(secret, input, signature)).toBe(true);
    const tampered: SignatureInput[] = [
      { ...input, method: 'GET' },
      { ...input, pathWithQuery: '/v1/orders?limit=6' },
      { ...input, timestamp: '1795560001' },
      { ...input, nonce: 'n0nce-AAAA_bbbb-1235' },
      { ...input, rawBody: '{"amount":1,"subject":"Café"}' },
    ];
    for (const changed of tampered) expect(verify(secret, changed, signature)).toBe(false);
    expect(verify(`${secret}x`, input, signature)).toBe(false);
    expect(verify(secret, input, signature.toUpperCase())).toBe(false);
    expect(verify(secret, input, '')).toBe(false);
    expect(verify(secret, input, 'v1=')).toBe(false);
  });

  it('accepts timestamps within 300 s either way, nothing else', () => {
    const now = 1_795_560_000_000;
    expect(timestampWithinWindow('1795560000', now)).toBe(true);
    expect(timestampWithinWindow('1795560300', now)).toBe(true);
    expect(timestampWithinWindow('1795559700', now)).toBe(true);
    expect(timestampWithinWindow('1795560301', now)).toBe(false);
    expect(timestampWithinWindow('1795559699', now)).toBe(false);
    expect(timestampWithinWindow('soon', now)).toBe(false);
  });

  it('defines nonces as 16-64 characters of [A-Za-z0-9_-]', () => {
    expect(NONCE_PATTERN.test('a'.repeat(16))).toBe(true);
    expect(NONCE_PATTERN.test('a'.repeat(64))).toBe(true);
    expect(NONCE_PATTERN.test('a'.repeat(15))).toBe(false);
    expect(NONCE_PATTERN.test('a'.repeat(65))).toBe(false);
    expect(NONCE_PATTERN.test(`${'a'.repeat(16)}!`)).toBe(false);
  });
});
