import { createCipheriv, createDecipheriv, createSign, createVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSandboxWechatPayKeys, parseWechatPayCredentials } from '../../../shared/channels/wechat-pay/credentials.js';
import {
  decryptResource,
  encryptResource,
  formatAuthorization,
  isFresh,
  parseAuthorization,
  requestMessage,
  responseMessage,
  rsaSign,
  rsaVerify,
} from '../../../shared/channels/wechat-pay/signing.js';

/** The primitives against hand-built messages and Node's crypto used directly, not against each other. */
const keys = generateSandboxWechatPayKeys({ appId: 'wxd678efh567hg6787', mchId: '1230000109' });

describe('WeChat Pay v3 signing', () => {
  it('builds the request message as METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n, with an empty body line for GET', () => {
    expect(requestMessage('POST', '/v3/pay/transactions/native', '1554208460', '593BEC0C930BF1AFEB40B4A08C8FB242', '{"a":1}')).toBe(
      'POST\n/v3/pay/transactions/native\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n{"a":1}\n',
    );
    expect(requestMessage('GET', '/v3/certificates?x=1', '1', 'N', '')).toBe('GET\n/v3/certificates?x=1\n1\nN\n\n');
    expect(responseMessage('1554209980', 'c5ac7061fccab6bf3e254dcf98995b8c', '{}')).toBe('1554209980\nc5ac7061fccab6bf3e254dcf98995b8c\n{}\n');
  });

  it('signs SHA256withRSA in base64 that the counterpart verifies with the public key alone', () => {
    const message = requestMessage('GET', '/v3/refund/domestic/refunds/rf_1', '1700000000', 'ABC', '');
    const signature = rsaSign(message, keys.platform.merchantPrivateKeyPem);
    const publicKey = keys.channel.merchantPublicKeys[0]!.publicKeyPem;
    expect(createVerify('RSA-SHA256').update(message).verify(publicKey, signature, 'base64')).toBe(true);
    const independent = createSign('RSA-SHA256').update(message).sign(keys.platform.merchantPrivateKeyPem, 'base64');
    expect(rsaVerify(message, independent, publicKey)).toBe(true);
    expect(rsaVerify(`${message}x`, independent, publicKey)).toBe(false);
    expect(rsaVerify(message, 'not base64 at all!', publicKey)).toBe(false);
  });

  it('formats and parses the Authorization header with all five parameters', () => {
    const params = { mchid: '1230000109', nonce_str: 'N1', timestamp: '1554208460', serial_no: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C', signature: 'c2ln+/=' };
    const header = formatAuthorization(params);
    expect(header).toBe(
      'WECHATPAY2-SHA256-RSA2048 mchid="1230000109",nonce_str="N1",signature="c2ln+/=",timestamp="1554208460",serial_no="1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"',
    );
    expect(parseAuthorization(header)).toEqual(params);
    expect(parseAuthorization(header.replace('WECHATPAY2-SHA256-RSA2048', 'Bearer'))).toBeUndefined();
    expect(parseAuthorization(header.replace(/,serial_no="[^"]*"/, ''))).toBeUndefined();
    expect(parseAuthorization(undefined)).toBeUndefined();
  });

  it('accepts timestamps within 5 minutes either way and nothing else', () => {
    const now = new Date(1_700_000_000_000);
    expect(isFresh('1700000300', now)).toBe(true);
    expect(isFresh('1699999700', now)).toBe(true);
    expect(isFresh('1700000301', now)).toBe(false);
    expect(isFresh('1699999699', now)).toBe(false);
    expect(isFresh('17e8', now)).toBe(false);
  });

  it('decrypts AEAD_AES_256_GCM resources encrypted as WeChat does (ciphertext ‖ tag, nonce and AAD as strings)', () => {
    const apiV3Key = keys.platform.apiV3Key;
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key), Buffer.from('fdasflkja484'));
    cipher.setAAD(Buffer.from('transaction'));
    const ciphertext = Buffer.concat([cipher.update('{"trade_state":"SUCCESS"}'), cipher.final(), cipher.getAuthTag()]).toString('base64');
    const resource = { ciphertext, nonce: 'fdasflkja484', associated_data: 'transaction' };

    expect(decryptResource(resource, apiV3Key)).toBe('{"trade_state":"SUCCESS"}');
    expect(() => decryptResource({ ...resource, associated_data: 'refund' }, apiV3Key)).toThrow();
    expect(() => decryptResource(resource, 'x'.repeat(32))).toThrow();
    const flipped = Buffer.from(ciphertext, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => decryptResource({ ...resource, ciphertext: flipped.toString('base64') }, apiV3Key)).toThrow();
  });

  it('encrypts resources that an independent AES-256-GCM decryption reads', () => {
    const resource = encryptResource('{"out_trade_no":"pay_1"}', keys.channel.apiV3Key, 'transaction');
    const data = Buffer.from(resource.ciphertext, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(keys.channel.apiV3Key), Buffer.from(resource.nonce));
    decipher.setAAD(Buffer.from(resource.associated_data));
    decipher.setAuthTag(data.subarray(-16));
    expect(Buffer.concat([decipher.update(data.subarray(0, -16)), decipher.final()]).toString()).toBe('{"out_trade_no":"pay_1"}');
    expect(resource).toMatchObject({ algorithm: 'AEAD_AES_256_GCM', original_type: 'transaction' });
    expect(resource.nonce).toHaveLength(12);
  });

  it('generates key sets whose halves match and whose APIv3 key is 32 printable bytes', () => {
    expect(keys.platform.apiV3Key).toMatch(/^[0-9a-f]{32}$/);
    expect(keys.channel.apiV3Key).toBe(keys.platform.apiV3Key);
    expect(keys.platform.platformPublicKeys[0]!.serialNo).toBe(keys.channel.platformSerialNo);
    expect(keys.platform.platformPublicKeys[0]!.serialNo).toMatch(/^PUB_KEY_ID_\d{28}$/);
    expect(keys.channel.merchantPublicKeys[0]!.serialNo).toBe(keys.platform.merchantSerialNo);
    const signed = rsaSign('m', keys.channel.platformPrivateKeyPem);
    expect(rsaVerify('m', signed, keys.platform.platformPublicKeys[0]!.publicKeyPem)).toBe(true);
  });
});

describe('WeChat Pay credentials', () => {
  it('parses stored credentials back, and names the bad field without its value', () => {
    const stored: unknown = JSON.parse(JSON.stringify(keys.platform));
    expect(parseWechatPayCredentials(stored)).toEqual(keys.platform);
    const shortKey = { ...keys.platform, apiV3Key: 'secret-but-short' };
    expect(() => parseWechatPayCredentials(shortKey)).toThrow(/apiV3Key/);
    expect(() => parseWechatPayCredentials(shortKey)).not.toThrow(/secret-but-short/);
    expect(() => parseWechatPayCredentials({ ...keys.platform, platformPublicKeys: [] })).toThrow(/platformPublicKeys/);
  });
});
