import { createSign, createVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AlipayAdapter } from '../../../shared/channels/alipay/adapter.js';
import { generateAlipayKeyPair, generateSandboxAlipayKeys } from '../../../shared/channels/alipay/credentials.js';
import { rawResponseObject, signContent } from '../../../shared/channels/alipay/signature.js';
import { chinaTime, fromYuan, parseChinaTime, toYuan } from '../../../shared/channels/alipay/transformers.js';
import { CallbackRejectedError } from '../../../shared/ports/channel-flows.js';
import { ChannelRejectedError, ChannelTimeoutError } from '../../../shared/ports/payment-channel.js';

/** Signing, verification and mapping of the Alipay adapter, with Alipay's side played by hand (no network). */
const keys = generateSandboxAlipayKeys();
const NOW = new Date('2026-11-27T08:00:00Z'); // 16:00:00 in China

/** Signs as Alipay does, written out here independently of the code under test. */
function alipaySign(text: string, privateKeyPem = keys.channel.alipaySigningKey.privateKeyPem): string {
  return createSign('RSA-SHA256').update(text, 'utf8').sign(privateKeyPem, 'base64');
}

function notification(overrides: Record<string, string> = {}, privateKeyPem?: string): string {
  const params: Record<string, string> = {
    notify_time: '2026-11-27 15:59:58',
    notify_type: 'trade_status_sync',
    notify_id: '2026112700222155958012345678',
    app_id: keys.platform.appId,
    charset: 'utf-8',
    version: '1.0',
    trade_no: '2026112722001412345678901234',
    out_trade_no: 'pay_abc',
    trade_status: 'TRADE_SUCCESS',
    total_amount: '19.99',
    subject: '咖啡 & cake',
    gmt_payment: '2026-11-27 15:59:50',
    ...overrides,
  };
  // An empty override means the field is absent, as Alipay leaves out what a notification does not have.
  for (const name of Object.keys(params)) if (params[name] === '') delete params[name];
  const content = Object.keys(params)
    .sort()
    .map((name) => `${name}=${params[name]}`)
    .join('&');
  return new URLSearchParams({ ...params, sign_type: 'RSA2', sign: alipaySign(content, privateKeyPem) }).toString();
}

const adapter = new AlipayAdapter({ baseUrl: 'http://127.0.0.1:9/sandbox/channels/alipay', credentials: keys.platform, now: () => NOW });
const parse = (rawBody: string) => adapter.parseCallback({ headers: {}, rawBody });

describe('alipay signature primitives', () => {
  it('signs the sorted non-empty parameters without the excluded ones', () => {
    expect(signContent({ b: '2', a: '1', sign: 'x', empty: '', gone: undefined, c: 'a b&c' }, ['sign'])).toBe('a=1&b=2&c=a b&c');
  });

  it('finds the exact raw text of the answer object, braces and quotes inside strings included', () => {
    const inner = '{"code":"10000","msg":"a } \\" {","nested":{"x":[1,{"y":2}]}}';
    const body = `{"alipay_trade_query_response": ${inner},"alipay_cert_sn":"abc","sign":"s"}`;
    expect(rawResponseObject(body, 'alipay_trade_query_response')).toBe(inner);
    expect(rawResponseObject(body, 'error_response')).toBeUndefined();
    expect(rawResponseObject('{"alipay_trade_query_response":{"code":"1"', 'alipay_trade_query_response')).toBeUndefined();
  });
});

describe('alipay wire values', () => {
  it('writes and reads China time', () => {
    expect(chinaTime(new Date('2026-12-31T16:30:05Z'))).toBe('2027-01-01 00:30:05');
    expect(parseChinaTime('2027-01-01 00:30:05')?.toISOString()).toBe('2026-12-31T16:30:05.000Z');
    expect(parseChinaTime('2027-01-01T00:30:05')).toBeUndefined();
  });

  it('converts fen and yuan exactly, refusing anything that is not a plain yuan amount', () => {
    expect([toYuan(1), toYuan(1999), toYuan(100_000)]).toEqual(['0.01', '19.99', '1000.00']);
    expect([fromYuan('19.99'), fromYuan('19.9'), fromYuan('19'), fromYuan('0.01')]).toEqual([1999, 1990, 1900, 1]);
    for (const bad of ['-1.00', '1e3', '1.999', '', ' 1.00', 19.99]) expect(fromYuan(bad)).toBeUndefined();
  });
});

describe('alipay notifications', () => {
  it('accepts a genuine notification and maps it to a succeeded CNY payment with its notify_id', async () => {
    await expect(parse(notification())).resolves.toEqual({
      kind: 'payment',
      callbackId: '2026112700222155958012345678',
      state: {
        status: 'succeeded',
        paymentId: 'pay_abc',
        channelPaymentId: 'pay_abc',
        amount: 1999,
        currency: 'CNY',
        paidAt: '2026-11-27T07:59:50.000Z',
      },
    });
  });

  it.each([
    ['a tampered amount', () => notification().replace('total_amount=19.99', 'total_amount=0.01'), 'signature'],
    ['a key Alipay never gave us', () => notification({}, generateAlipayKeyPair().privateKeyPem), 'signature'],
    ['a signature over other content', () => `${notification()}&extra=1`, 'signature'],
    ['older than the retry window', () => notification({ notify_time: '2026-11-26 12:59:59' }), 'stale'],
    ['from the future', () => notification({ notify_time: '2026-11-27 16:10:00' }), 'stale'],
    ['another app', () => notification({ app_id: '2021000000000001' }), 'malformed'],
    ['RSA instead of RSA2', () => notification().replace('sign_type=RSA2', 'sign_type=RSA'), 'malformed'],
    ['a field given twice', () => `${notification()}&total_amount=0.01`, 'malformed'],
    ['no signature', () => notification().replace(/&sign=[^&]*/, ''), 'malformed'],
    ['an unknown trade status', () => notification({ trade_status: 'TRADE_MAYBE' }), 'malformed'],
    ['an unreadable amount', () => notification({ total_amount: '19.999' }), 'malformed'],
  ])('refuses %s', async (_name, body, reason) => {
    const error = await parse(body()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallbackRejectedError);
    expect(error).toMatchObject({ reason });
  });

  it('accepts a retry sent a day after the payment (Alipay re-sends for about 25 hours)', async () => {
    const late = new AlipayAdapter({ baseUrl: 'http://x', credentials: keys.platform, now: () => new Date(NOW.getTime() + 24 * 3_600_000) });
    await expect(late.parseCallback!({ headers: {}, rawBody: notification() })).resolves.toMatchObject({ kind: 'payment' });
  });

  it('maps an unpaid close to a failed payment and a close by full refund to a non-payment notification', async () => {
    await expect(parse(notification({ trade_status: 'TRADE_CLOSED', gmt_payment: '' }))).resolves.toMatchObject({
      kind: 'payment',
      state: { status: 'failed', code: 'TRADE_CLOSED' },
    });
    await expect(parse(notification({ trade_status: 'TRADE_CLOSED', gmt_refund: '2026-11-27 15:59:00', refund_fee: '19.99' }))).resolves.toEqual({
      kind: 'other',
      callbackId: '2026112700222155958012345678',
    });
  });

  it('maps the notification a refund triggers (out_biz_no, cumulative refund_fee) to a succeeded refund of that trade', async () => {
    const refundFields = { out_biz_no: 'rf_1', refund_fee: '5.00', gmt_refund: '2026-11-27 15:59:55' };
    await expect(parse(notification(refundFields))).resolves.toEqual({
      kind: 'refund',
      callbackId: '2026112700222155958012345678',
      state: { status: 'succeeded', refundId: 'rf_1', channelRefundId: 'rf_1', paymentId: 'pay_abc', refundedTotal: 500, currency: 'CNY' },
    });
    // A full refund closes the trade; the notification says so and carries the whole amount as refunded.
    await expect(parse(notification({ ...refundFields, trade_status: 'TRADE_CLOSED', refund_fee: '19.99', gmt_close: '2026-11-27 15:59:55' }))).resolves.toMatchObject({
      kind: 'refund',
      state: { status: 'succeeded', refundId: 'rf_1', refundedTotal: 1999 },
    });
    const bads: Array<Record<string, string>> = [{ refund_fee: '5.001' }, { refund_fee: '' }, { trade_status: 'WAIT_BUYER_PAY' }];
    for (const bad of bads) {
      const error = await parse(notification({ ...refundFields, ...bad })).catch((e: unknown) => e);
      expect(error).toMatchObject({ reason: 'malformed' });
    }
  });

  it('acknowledges with the literal success, and anything refused with something else', () => {
    expect(adapter.callbackAck('ok')).toMatchObject({ statusCode: 200, body: 'success' });
    expect(adapter.callbackAck('rejected').body).not.toBe('success');
    expect(adapter.callbackAck('rejected').statusCode).toBe(400);
  });
});

describe('alipay gateway answers', () => {
  /** Alipay's side of one call: checks our request's signature, answers `answer` signed (or as `raw` says). */
  function channel(answer: Record<string, string>, options: { status?: number; raw?: string; certSn?: string; signer?: string } = {}) {
    const requests: URLSearchParams[] = [];
    const fetchFn: typeof fetch = async (_url, init) => {
      const params = new URLSearchParams(init!.body as string);
      requests.push(params);
      const name = `${params.get('method')!.replaceAll('.', '_')}_response`;
      const text = JSON.stringify(answer);
      const body =
        options.raw ??
        `{"${name}":${text},"alipay_cert_sn":"${options.certSn ?? keys.channel.alipaySigningKey.certSn}","sign":"${alipaySign(text, options.signer)}"}`;
      return new Response(body, { status: options.status ?? 200 });
    };
    return { requests, adapter: new AlipayAdapter({ baseUrl: 'http://alipay.test', credentials: keys.platform, fetch: fetchFn, now: () => NOW }) };
  }
  const ref = { paymentId: 'pay_abc', channelPaymentId: 'pay_abc' };

  it('signs its requests RSA2 over the sorted parameters with China-time timestamps and yuan amounts', async () => {
    const { requests, adapter: signed } = channel({ code: '10000', msg: 'Success', out_trade_no: 'pay_abc', qr_code: 'https://qr.alipay.com/bax01' });
    await signed.createPayment!({
      paymentId: 'pay_abc',
      orderId: 'ord_1',
      merchantId: 'm_1',
      amount: 1999,
      currency: 'CNY',
      subject: 'Tea',
      expiresAt: '2026-11-27T08:30:00.000Z',
      capture: true,
      callbackUrl: 'https://pay.example/callbacks/alipay',
    });
    const params = Object.fromEntries(requests[0]!);
    expect(params).toMatchObject({ method: 'alipay.trade.precreate', sign_type: 'RSA2', timestamp: '2026-11-27 16:00:00', charset: 'utf-8' });
    expect(JSON.parse(params.biz_content!)).toEqual({ out_trade_no: 'pay_abc', total_amount: '19.99', subject: 'Tea', time_expire: '2026-11-27 16:30:00' });
    const content = Object.keys(params)
      .filter((name) => name !== 'sign')
      .sort()
      .map((name) => `${name}=${params[name]}`)
      .join('&');
    const appPublicKey = keys.channel.appPublicKeys[0]!.publicKeyPem;
    expect(createVerify('RSA-SHA256').update(content).verify(appPublicKey, params.sign!, 'base64')).toBe(true);
  });

  it.each([
    ['a gateway failure (20000)', channel({ code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error' })],
    ['a system error inside a business answer', channel({ code: '40004', msg: 'Business Failed', sub_code: 'ACQ.SYSTEM_ERROR' })],
    ['an unsigned answer', channel({ code: '10000' }, { raw: '{"alipay_trade_query_response":{"code":"10000","trade_status":"TRADE_SUCCESS"}}' })],
    ['an answer signed by a stranger', channel({ code: '10000', trade_status: 'TRADE_SUCCESS' }, { signer: generateAlipayKeyPair().privateKeyPem })],
    ['an answer from an unknown cert serial', channel({ code: '10000', trade_status: 'TRADE_SUCCESS' }, { certSn: 'ffff' })],
    ['an HTTP 502', channel({ code: '10000' }, { status: 502 })],
    ['a body that is not JSON', channel({ code: '10000' }, { raw: '<html>busy</html>' })],
    ['a trade status nobody documented', channel({ code: '10000', out_trade_no: 'pay_abc', trade_status: 'TRADE_PENDING_REVIEW' })],
  ])('%s is an unknown outcome, never a success', async (_name, { adapter: unsure }) => {
    await expect(unsure.queryPayment!(ref)).rejects.toBeInstanceOf(ChannelTimeoutError);
  });

  it('a request the gateway refuses (400xx) is a definite rejection; a missing trade is not_found', async () => {
    const refused = channel({ code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-app-id' });
    await expect(refused.adapter.queryPayment!(ref)).rejects.toBeInstanceOf(ChannelRejectedError);
    const missing = channel({ code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST' });
    await expect(missing.adapter.queryPayment!(ref)).resolves.toMatchObject({ status: 'not_found' });
  });

  it('maps query states, a fully refunded TRADE_CLOSED staying a succeeded payment', async () => {
    const base = { code: '10000', msg: 'Success', out_trade_no: 'pay_abc', total_amount: '19.99' };
    const stateOf = (fields: Record<string, string>) => channel({ ...base, ...fields }).adapter.queryPayment!(ref);
    await expect(stateOf({ trade_status: 'WAIT_BUYER_PAY' })).resolves.toMatchObject({ status: 'pending', amount: 1999 });
    await expect(stateOf({ trade_status: 'TRADE_FINISHED', send_pay_date: '2026-11-27 15:00:00' })).resolves.toMatchObject({
      status: 'succeeded',
      paidAt: '2026-11-27T07:00:00.000Z',
    });
    await expect(stateOf({ trade_status: 'TRADE_CLOSED' })).resolves.toMatchObject({ status: 'closed' });
    await expect(stateOf({ trade_status: 'TRADE_CLOSED', send_pay_date: '2026-11-27 15:00:00' })).resolves.toMatchObject({ status: 'succeeded' });
  });

  it('refuses a refund in a currency other than CNY without calling Alipay', async () => {
    const { requests, adapter: refunds } = channel({ code: '10000' });
    const refund = { refundId: 'rf_1', paymentId: 'pay_abc', channelPaymentId: 'pay_abc', amount: 100, paymentAmount: 1999, callbackUrl: 'x' };
    await expect(refunds.refund!({ ...refund, currency: 'HKD' })).rejects.toBeInstanceOf(ChannelRejectedError);
    expect(requests).toHaveLength(0);
  });
});
