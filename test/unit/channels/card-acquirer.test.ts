import { describe, expect, it } from 'vitest';
import { generateSandboxCardAcquirerKeys, parseCardAcquirerCredentials } from '../../../shared/channels/card-acquirer/credentials.js';
import { bearerMatches, secretKeyHash, signAnswer, verifyAnswer } from '../../../shared/channels/card-acquirer/signature.js';
import { toCreateResult, toPaymentBody, toPaymentState, toRefundBody } from '../../../shared/channels/card-acquirer/transformers.js';
import { RESPONSE_CODES, type AcquirerPayment } from '../../../shared/channels/card-acquirer/wire.js';
import type { CreatePaymentRequest } from '../../../shared/ports/channel-flows.js';

const now = new Date('2030-01-01T00:00:00.000Z');
const key = { keyId: 'ak_1', secret: Buffer.alloc(32, 7).toString('base64') };

describe('card acquirer answer signatures', () => {
  it('verifies an answer signed for this request id and body', () => {
    const header = signAnswer(key, 'req-1', '{"a":1}', now);
    expect(header).toMatch(/^t=1893456000,kid=ak_1,v1=[0-9a-f]{64}$/);
    expect(verifyAnswer(header, 'req-1', '{"a":1}', [key], now)).toBeNull();
  });

  it('refuses another body, another request id, an unknown key, a stale or a malformed header', () => {
    const header = signAnswer(key, 'req-1', '{"a":1}', now);
    expect(verifyAnswer(header, 'req-1', '{"a":2}', [key], now)).toBe('signature');
    expect(verifyAnswer(header, 'req-2', '{"a":1}', [key], now)).toBe('signature');
    expect(verifyAnswer(header, 'req-1', '{"a":1}', [{ ...key, keyId: 'ak_2' }], now)).toBe('unknown_key');
    expect(verifyAnswer(header, 'req-1', '{"a":1}', [key], new Date(now.getTime() + 301_000))).toBe('stale');
    expect(verifyAnswer(undefined, 'req-1', '{"a":1}', [key], now)).toBe('malformed');
    expect(verifyAnswer(header.replace(/v1=\w+/, 'v1=zz'), 'req-1', '{"a":1}', [key], now)).toBe('malformed');
  });

  it('accepts any key of the list, so a rotation overlaps', () => {
    const next = { keyId: 'ak_2', secret: Buffer.alloc(32, 9).toString('base64') };
    expect(verifyAnswer(signAnswer(next, 'r', 'b', now), 'r', 'b', [key, next], now)).toBeNull();
    expect(verifyAnswer(signAnswer(key, 'r', 'b', now), 'r', 'b', [key, next], now)).toBeNull();
  });

  it('a bearer secret key matches only a stored hash of it', () => {
    const hashes = [secretKeyHash('sk_sbox_one'), secretKeyHash('sk_sbox_two')];
    expect(bearerMatches('Bearer sk_sbox_two', hashes)).toBe(true);
    expect(bearerMatches('Bearer sk_sbox_three', hashes)).toBe(false);
    expect(bearerMatches('sk_sbox_two', hashes)).toBe(false);
    expect(bearerMatches(undefined, hashes)).toBe(false);
  });
});

describe('card acquirer credentials', () => {
  it('generates a matching pair: the acquirer keeps only the hash of the secret key', () => {
    const { channel, platform } = generateSandboxCardAcquirerKeys();
    expect(parseCardAcquirerCredentials(platform)).toEqual(platform);
    expect(channel.secretKeyHashes).toEqual([secretKeyHash(platform.secretKey)]);
    expect(JSON.stringify(channel)).not.toContain(platform.secretKey);
    expect(platform.answerKeys).toEqual([channel.signingKey]);
  });

  it('refuses credentials that do not parse, naming fields but not values', () => {
    expect(() => parseCardAcquirerCredentials({ secretKey: 'not-a-key-SECRET', answerKeys: [] })).toThrow(/secretKey, answerKeys/);
    expect(() => parseCardAcquirerCredentials({ secretKey: 'not-a-key-SECRET', answerKeys: [] })).not.toThrow(/SECRET/);
  });
});

describe('card acquirer transformers', () => {
  const request: CreatePaymentRequest = {
    paymentId: 'pay_1',
    orderId: 'ord_1',
    merchantId: 'mer_1',
    amount: 1999,
    currency: 'JPY',
    subject: 's',
    expiresAt: '2030-01-01T00:00:00.000Z',
    capture: false,
    card: { number: '4242424242424242', expMonth: 3, expYear: 2031, cvc: '123' },
    callbackUrl: 'https://pay.example/callbacks/card_a',
  };

  it('maps a create request: integer minor units, our attempt id as reference, authentication only when asked', () => {
    expect(toPaymentBody({ ...request, card: request.card! })).toEqual({
      source: { type: 'card', number: '4242424242424242', expiry_month: 3, expiry_year: 2031, cvv: '123' },
      amount: 1999,
      currency: 'JPY',
      reference: 'pay_1',
      capture: false,
      metadata: { order_id: 'ord_1', merchant_id: 'mer_1' },
    });
    expect(toPaymentBody({ ...request, card: request.card!, requireOtp: true }).authentication).toEqual({ required: true });
    expect(toRefundBody({ refundId: 'rf_1', paymentId: 'pay_1', channelPaymentId: 'acq_1', amount: 5, paymentAmount: 10, currency: 'JPY', callbackUrl: 'x' })).toEqual({ amount: 5, reference: 'rf_1' });
  });

  const payment = (over: Partial<AcquirerPayment>): AcquirerPayment => ({
    id: 'acq_1',
    reference: 'pay_1',
    status: 'Captured',
    approved: true,
    amount: 1999,
    currency: 'CNY',
    response_code: RESPONSE_CODES.approved,
    response_summary: 'Approved',
    captured_amount: 1999,
    refunded_amount: 0,
    ...over,
  });

  it('maps each answer status to the port outcome', () => {
    expect(toCreateResult(payment({}))).toEqual({ outcome: 'succeeded', channelPaymentId: 'acq_1' });
    expect(toCreateResult(payment({ status: 'Authorized', captured_amount: 0 }))).toEqual({ outcome: 'authorized', channelPaymentId: 'acq_1' });
    expect(toCreateResult(payment({ status: 'Pending', response_code: RESPONSE_CODES.authenticationRequired }))).toEqual({ outcome: 'requires_action', channelPaymentId: 'acq_1', action: { type: 'otp' } });
    expect(toCreateResult(payment({ status: 'Pending', response_code: RESPONSE_CODES.authenticationFailed }))).toMatchObject({ outcome: 'declined', code: 'authentication_failed' });
    expect(toCreateResult(payment({ status: 'Declined', response_code: RESPONSE_CODES.doNotHonour }))).toMatchObject({ outcome: 'declined', code: 'card_declined' });
    expect(toCreateResult(payment({ status: 'Declined', response_code: RESPONSE_CODES.insufficientFunds }))).toMatchObject({ outcome: 'declined', code: 'insufficient_funds' });
    expect(toCreateResult(payment({ status: 'Declined', response_code: RESPONSE_CODES.voidedBeforeArrival }))).toMatchObject({ outcome: 'declined', code: 'processing_error' });
  });

  it('maps a retrieved payment to the port state, the captured amount for a capture', () => {
    expect(toPaymentState(payment({ amount: 5000, captured_amount: 4000 }))).toEqual({ status: 'succeeded', channelPaymentId: 'acq_1', paymentId: 'pay_1', amount: 4000, currency: 'CNY' });
    expect(toPaymentState(payment({ status: 'Voided' })).status).toBe('closed');
    expect(toPaymentState(payment({ status: 'Declined', response_code: RESPONSE_CODES.doNotHonour }))).toMatchObject({ status: 'failed', code: 'card_declined' });
  });
});
