import { describe, expect, it } from 'vitest';
import {
  decryptCardField,
  generateSandboxUnionpayKeys,
  parseUnionpayCredentials,
} from '../../../shared/channels/unionpay/credentials.js';
import {
  decodeUnionpayForm,
  encodeUnionpayForm,
  signUnionpay,
  unionpaySigningString,
  verifyUnionpay,
} from '../../../shared/channels/unionpay/signature.js';
import { cardFields, purchaseFields, toCreateResult } from '../../../shared/channels/unionpay/transformers.js';
import { currencyFromUnionpay, unionpayTxnTime } from '../../../shared/channels/unionpay/wire.js';

const keys = generateSandboxUnionpayKeys('777290058110048');
const card = { number: '6200000000000005', expMonth: 3, expYear: 2029, cvc: '737' };

describe('unionpay signature', () => {
  it('signs the fields sorted by name, without the signature itself', () => {
    expect(unionpaySigningString({ txnType: '01', signature: 'x', merId: '1', accessType: '0' })).toBe('accessType=0&merId=1&txnType=01');
  });

  it('sets signMethod and certId, and verifies what it signed', () => {
    const signed = signUnionpay({ merId: '777290058110048', orderId: 'pay_12345678', txnAmt: '100' }, keys.channel.signingCert);
    expect(signed).toMatchObject({ signMethod: '01', certId: keys.channel.signingCert.certId });
    expect(verifyUnionpay(signed, keys.platform.verifyCerts)).toBeNull();
    expect(verifyUnionpay(decodeUnionpayForm(encodeUnionpayForm(signed))!, keys.platform.verifyCerts)).toBeNull();
  });

  it('refuses a changed field, an unknown certificate, another key under the same id, a missing signature', () => {
    const signed = signUnionpay({ merId: '777290058110048', respCode: '60' }, keys.channel.signingCert);
    const other = generateSandboxUnionpayKeys();
    expect(verifyUnionpay({ ...signed, respCode: '00' }, keys.platform.verifyCerts)).toBe('signature');
    expect(verifyUnionpay({ ...signed, extra: '' }, keys.platform.verifyCerts)).toBe('signature');
    expect(verifyUnionpay(signed, other.platform.verifyCerts)).toBe('unknown_key');
    expect(verifyUnionpay(signed, [{ ...other.platform.verifyCerts[0]!, certId: signed.certId! }])).toBe('signature');
    const { signature: _dropped, ...unsigned } = signed;
    expect(verifyUnionpay(unsigned, keys.platform.verifyCerts)).toBe('malformed');
  });

  it('does not read a form that names a field twice', () => {
    expect(decodeUnionpayForm('respCode=60&respCode=00')).toBeUndefined();
  });
});

describe('unionpay transformers', () => {
  it('encrypts the card number and CVN2 to the gateway certificate', () => {
    const fields = cardFields(card, keys.platform);
    const privateKeyPem = keys.channel.encryptKeys[0]!.privateKeyPem;
    expect(fields.encryptCertId).toBe(keys.platform.encryptCert.certId);
    expect(JSON.stringify(fields)).not.toContain(card.number);
    expect(decryptCardField(fields.accNo!, privateKeyPem)).toBe(card.number);
    const info = /^\{encryptedInfo=(.+)\}$/.exec(Buffer.from(fields.customerInfo!, 'base64').toString('utf8'))![1]!;
    expect(decryptCardField(info, privateKeyPem)).toBe('cvn2=737&expired=2903');
  });

  it('builds a purchase or a pre-authorization with integer minor units and the numeric currency', () => {
    const request = {
      paymentId: 'pay_12345678',
      orderId: 'ord_1',
      merchantId: 'm_1',
      amount: 8800,
      currency: 'CNY' as const,
      subject: 's',
      expiresAt: '2026-11-27T12:30:00Z',
      capture: false,
      card,
      callbackUrl: 'http://127.0.0.1/cb',
    };
    const fields = purchaseFields(request, keys.platform, new Date('2026-11-27T16:30:00Z'));
    expect(fields).toMatchObject({ txnType: '02', txnSubType: '01', txnAmt: '8800', currencyCode: '156', orderId: 'pay_12345678', txnTime: '20261128003000' });
    expect(purchaseFields({ ...request, capture: true }, keys.platform, new Date()).txnType).toBe('01');
  });

  it('maps result codes: success, declines, and nothing for codes that say neither', () => {
    expect(toCreateResult('00', 'Q1', true)).toEqual({ outcome: 'succeeded', channelPaymentId: 'Q1' });
    expect(toCreateResult('00', 'Q1', false)).toEqual({ outcome: 'authorized', channelPaymentId: 'Q1' });
    expect(toCreateResult('60', 'Q1', true)).toMatchObject({ outcome: 'declined', code: 'card_declined' });
    expect(toCreateResult('64', undefined, true)).toMatchObject({ outcome: 'declined', code: 'insufficient_funds', channelPaymentId: null });
    expect(toCreateResult('04', 'Q1', true)).toBeUndefined();
    expect(toCreateResult('00', undefined, true)).toBeUndefined();
  });

  it('reads numeric currency codes back', () => {
    expect(currencyFromUnionpay('392')).toBe('JPY');
    expect(currencyFromUnionpay('999')).toBeUndefined();
    expect(unionpayTxnTime(new Date('2026-01-01T00:00:00Z'))).toBe('20260101080000');
  });

  it('parses stored credentials', () => {
    expect(parseUnionpayCredentials(JSON.parse(JSON.stringify(keys.platform)))).toEqual(keys.platform);
    expect(() => parseUnionpayCredentials({ ...keys.platform, verifyCerts: [] })).toThrow('verifyCerts');
  });
});
