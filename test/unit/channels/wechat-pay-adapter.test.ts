import { createCipheriv, createSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSandboxWechatPayKeys, rotateSandboxWechatPayPlatformKey, WechatPayAdapter } from '../../../shared/channels/wechat-pay/adapter.js';
import { CallbackRejectedError } from '../../../shared/ports/channel-flows.js';
import { ChannelRejectedError, ChannelTimeoutError } from '../../../shared/ports/payment-channel.js';

/**
 * The adapter without a network: callbacks built by hand as WeChat builds them (then forged, tampered, re-keyed,
 * replayed), and answers from a stand-in fetch for the cases a correct WeChat never produces.
 */
const keys = generateSandboxWechatPayKeys();
const NOW = new Date('2026-11-27T08:00:00Z');
const nowSeconds = String(NOW.getTime() / 1000);

function adapter(fetchStub?: typeof fetch, credentials = keys.platform): WechatPayAdapter {
  return new WechatPayAdapter({ id: 'wechat_pay', baseUrl: 'https://api.mch.weixin.qq.com', credentials, now: () => NOW, ...(fetchStub ? { fetch: fetchStub } : {}) });
}

function encrypt(plain: object, apiV3Key = keys.channel.apiV3Key, aad = 'transaction'): Record<string, string> {
  const nonce = 'n0nce0000012';
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key), Buffer.from(nonce));
  cipher.setAAD(Buffer.from(aad));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(plain)), cipher.final(), cipher.getAuthTag()]).toString('base64');
  return { algorithm: 'AEAD_AES_256_GCM', ciphertext, nonce, associated_data: aad, original_type: aad };
}

function signed(body: string, options: { key?: string; serial?: string; timestamp?: string } = {}): Record<string, string> {
  const timestamp = options.timestamp ?? nowSeconds;
  const nonce = 'C5AC7061FCCAB6BF3E254DCF98995B8C';
  const signature = createSign('RSA-SHA256').update(`${timestamp}\n${nonce}\n${body}\n`).sign(options.key ?? keys.channel.platformPrivateKeyPem, 'base64');
  return {
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Signature': signature,
    'Wechatpay-Serial': options.serial ?? keys.channel.platformSerialNo,
  };
}

const transaction = {
  mchid: keys.platform.mchId,
  appid: keys.platform.appId,
  out_trade_no: 'pay_0000000000aaaaaaaaaaaaaaaa',
  transaction_id: '4200000000000000000000000001',
  trade_type: 'NATIVE',
  trade_state: 'SUCCESS',
  success_time: '2026-11-27T16:00:01+08:00',
  amount: { total: 1999, payer_total: 1999, currency: 'CNY', payer_currency: 'CNY' },
};

function notification(resource = encrypt(transaction), eventType = 'TRANSACTION.SUCCESS'): string {
  return JSON.stringify({ id: 'EV-2018022511223320873', create_time: '2026-11-27T16:00:02+08:00', resource_type: 'encrypt-resource', event_type: eventType, summary: '支付成功', resource });
}

async function rejection(promise: Promise<unknown>): Promise<CallbackRejectedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CallbackRejectedError);
  return error as CallbackRejectedError;
}

describe('WechatPayAdapter.parseCallback', () => {
  it('verifies and decrypts a payment notification into the payment state, whatever the header case', async () => {
    const body = notification();
    const lowerCase = Object.fromEntries(Object.entries(signed(body)).map(([k, v]) => [k.toLowerCase(), v]));
    for (const headers of [signed(body), lowerCase]) {
      expect(await adapter().parseCallback({ headers, rawBody: body })).toEqual({
        kind: 'payment',
        callbackId: 'EV-2018022511223320873',
        state: {
          status: 'succeeded',
          channelPaymentId: transaction.out_trade_no,
          paymentId: transaction.out_trade_no,
          amount: 1999,
          currency: 'CNY',
          paidAt: '2026-11-27T08:00:01.000Z',
        },
      });
    }
  });

  const refundResource = {
    mchid: keys.platform.mchId,
    out_trade_no: 'pay_1',
    transaction_id: '4200000000000000000000000001',
    out_refund_no: 'rf_1',
    refund_id: '50300000000000000000000000001',
    refund_status: 'SUCCESS',
    success_time: '2026-11-27T16:00:01+08:00',
    user_received_account: '支付用户零钱',
    amount: { total: 1999, refund: 999, payer_total: 1999, payer_refund: 999 },
  };
  const refundNotification = (resource: object, eventType = 'REFUND.SUCCESS') => notification(encrypt(resource, keys.channel.apiV3Key, 'refund'), eventType);

  it('decodes a REFUND.SUCCESS notification into the refund, its trade, amount and currency (CNY: the resource names none)', async () => {
    const body = refundNotification(refundResource);
    expect(await adapter().parseCallback({ headers: signed(body), rawBody: body })).toEqual({
      kind: 'refund',
      callbackId: 'EV-2018022511223320873',
      state: { status: 'succeeded', refundId: 'rf_1', channelRefundId: '50300000000000000000000000001', paymentId: 'pay_1', amount: 999, currency: 'CNY' },
    });
  });

  it('decodes REFUND.ABNORMAL and REFUND.CLOSED as failed refunds with WeChat\'s status as the code', async () => {
    for (const status of ['ABNORMAL', 'CLOSED']) {
      const body = refundNotification({ ...refundResource, refund_status: status }, `REFUND.${status}`);
      expect(await adapter().parseCallback({ headers: signed(body), rawBody: body })).toMatchObject({
        kind: 'refund',
        state: { status: 'failed', code: status, refundId: 'rf_1', amount: 999, currency: 'CNY' },
      });
    }
  });

  it('refuses a refund notification without its trade or amount, in another currency, or for another merchant', async () => {
    const { amount: _amount, ...noAmount } = refundResource;
    const { out_trade_no: _trade, ...noTrade } = refundResource;
    const usd = { ...refundResource, amount: { ...refundResource.amount, currency: 'USD' } };
    const otherMerchant = { ...refundResource, mchid: '1900000000' };
    for (const resource of [noAmount, noTrade, usd, otherMerchant]) {
      const body = refundNotification(resource);
      expect((await rejection(adapter().parseCallback({ headers: signed(body), rawBody: body }))).reason).toBe('malformed');
    }
  });

  it('refuses a forged signature (another key under the real serial) and a tampered body', async () => {
    const body = notification();
    const forger = generateSandboxWechatPayKeys();
    expect((await rejection(adapter().parseCallback({ headers: signed(body, { key: forger.channel.platformPrivateKeyPem }), rawBody: body }))).reason).toBe('signature');
    const tampered = body.replace('TRANSACTION.SUCCESS', 'TRANSACTION.SUCCESS ');
    expect((await rejection(adapter().parseCallback({ headers: signed(body), rawBody: tampered }))).reason).toBe('signature');
    const { 'Wechatpay-Signature': _dropped, ...unsigned } = signed(body);
    expect((await rejection(adapter().parseCallback({ headers: unsigned, rawBody: body }))).reason).toBe('signature');
  });

  it('refuses an unknown key serial, and accepts both keys during a rotation', async () => {
    const body = notification();
    const rotated = rotateSandboxWechatPayPlatformKey(keys);
    const newHeaders = signed(body, { key: rotated.channel.platformPrivateKeyPem, serial: rotated.channel.platformSerialNo });
    expect((await rejection(adapter().parseCallback({ headers: newHeaders, rawBody: body }))).reason).toBe('unknown_key');
    const both = adapter(undefined, rotated.platform);
    expect(await both.parseCallback({ headers: newHeaders, rawBody: body })).toMatchObject({ kind: 'payment' });
    expect(await both.parseCallback({ headers: signed(body), rawBody: body })).toMatchObject({ kind: 'payment' });
  });

  it('refuses a replay signed more than 5 minutes ago', async () => {
    const body = notification();
    const old = String(NOW.getTime() / 1000 - 301);
    expect((await rejection(adapter().parseCallback({ headers: signed(body, { timestamp: old }), rawBody: body }))).reason).toBe('stale');
  });

  it('refuses a resource encrypted under another APIv3 key, one for another merchant, and one in an unknown state', async () => {
    const wrongKey = notification(encrypt(transaction, 'k'.repeat(32)));
    expect((await rejection(adapter().parseCallback({ headers: signed(wrongKey), rawBody: wrongKey }))).reason).toBe('signature');
    const otherMerchant = notification(encrypt({ ...transaction, mchid: '1900000001' }));
    expect((await rejection(adapter().parseCallback({ headers: signed(otherMerchant), rawBody: otherMerchant }))).reason).toBe('malformed');
    const unknownState = notification(encrypt({ ...transaction, trade_state: 'SOMETHING_NEW' }));
    expect((await rejection(adapter().parseCallback({ headers: signed(unknownState), rawBody: unknownState }))).reason).toBe('malformed');
    const notJson = 'not json';
    expect((await rejection(adapter().parseCallback({ headers: signed(notJson), rawBody: notJson }))).reason).toBe('malformed');
  });

  it('acknowledges with 204 and no body, refuses with a 4xx and {"code":"FAIL"} so WeChat retries', () => {
    expect(adapter().callbackAck('ok')).toEqual({ statusCode: 204, headers: {}, body: '' });
    const refused = adapter().callbackAck('rejected');
    expect(refused.statusCode).toBe(400);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'FAIL' });
  });
});

describe('WechatPayAdapter answers', () => {
  /** A stand-in for WeChat answering with `status` and `body`, signed unless told otherwise. */
  function answering(status: number, body: string, sign = true): typeof fetch {
    return (async () => new Response(body === '' ? null : body, { status, headers: sign ? signed(body) : {} })) as typeof fetch;
  }
  const ref = { paymentId: 'pay_0000000000aaaaaaaaaaaaaaaa', channelPaymentId: null };

  it('treats an unsigned, unparseable, unknown-state or 5xx answer and a transport error as an unknown outcome, never success', async () => {
    const success = JSON.stringify(transaction);
    await expect(adapter(answering(200, success, false)).queryPayment(ref)).rejects.toBeInstanceOf(ChannelTimeoutError);
    await expect(adapter(answering(200, '{"trade_state":')).queryPayment(ref)).rejects.toBeInstanceOf(ChannelTimeoutError);
    await expect(adapter(answering(200, JSON.stringify({ ...transaction, trade_state: 'NEW' }))).queryPayment(ref)).rejects.toBeInstanceOf(ChannelTimeoutError);
    await expect(adapter(answering(500, '{"code":"SYSTEM_ERROR","message":"系统错误"}')).queryPayment(ref)).rejects.toBeInstanceOf(ChannelTimeoutError);
    const failing = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    await expect(adapter(failing).queryPayment(ref)).rejects.toBeInstanceOf(ChannelTimeoutError);
    // An answer about another order is not an answer about ours.
    await expect(adapter(answering(200, JSON.stringify({ ...transaction, out_trade_no: 'pay_other' }))).queryPayment(ref)).rejects.toBeInstanceOf(ChannelTimeoutError);
    expect(await adapter(answering(200, success)).queryPayment(ref)).toMatchObject({ status: 'succeeded' });
  });

  it('maps WeChat trade states to payment states', async () => {
    const expected = { SUCCESS: 'succeeded', REFUND: 'succeeded', NOTPAY: 'pending', USERPAYING: 'pending', CLOSED: 'closed', REVOKED: 'closed', PAYERROR: 'failed' };
    for (const [tradeState, status] of Object.entries(expected)) {
      const body = JSON.stringify({ ...transaction, trade_state: tradeState });
      expect((await adapter(answering(200, body)).queryPayment(ref)).status).toBe(status);
    }
  });

  it('a 4xx refusal is a ChannelRejectedError with WeChat code, and a refused refund for lack of funds fails the refund', async () => {
    await expect(adapter(answering(400, '{"code":"PARAM_ERROR","message":"x"}')).queryPayment(ref)).rejects.toBeInstanceOf(ChannelRejectedError);
    const refund = { refundId: 'rf_1', paymentId: 'pay_1xxxxx', channelPaymentId: 'pay_1xxxxx', amount: 100, paymentAmount: 100, currency: 'CNY' as const, callbackUrl: 'https://p.example/cb' };
    expect(await adapter(answering(403, '{"code":"NOT_ENOUGH","message":"余额不足"}')).refund(refund)).toEqual({ status: 'failed', refundId: 'rf_1', channelRefundId: null, code: 'NOT_ENOUGH' });
  });

  it('signs each request for the path WeChat sees, under the merchant serial', async () => {
    let seen: { url: string; authorization: string } | undefined;
    const recording = (async (url: string | URL | Request, init?: RequestInit) => {
      seen = { url: String(url), authorization: new Headers(init?.headers).get('authorization')! };
      const body = JSON.stringify(transaction);
      return new Response(body, { status: 200, headers: signed(body) });
    }) as typeof fetch;
    await adapter(recording).queryPayment(ref);
    expect(seen!.url).toBe(`https://api.mch.weixin.qq.com/v3/pay/transactions/out-trade-no/${ref.paymentId}?mchid=${keys.platform.mchId}`);
    const params = Object.fromEntries([...seen!.authorization.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    expect(seen!.authorization.startsWith('WECHATPAY2-SHA256-RSA2048 ')).toBe(true);
    expect(params).toMatchObject({ mchid: keys.platform.mchId, serial_no: keys.platform.merchantSerialNo, timestamp: nowSeconds });
    const message = `GET\n/v3/pay/transactions/out-trade-no/${ref.paymentId}?mchid=${keys.platform.mchId}\n${nowSeconds}\n${params.nonce_str}\n\n`;
    const { createVerify } = await import('node:crypto');
    expect(createVerify('RSA-SHA256').update(message).verify(keys.channel.merchantPublicKeys[0]!.publicKeyPem, params.signature!, 'base64')).toBe(true);
  });
});
