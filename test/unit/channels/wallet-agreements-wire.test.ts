import { createCipheriv, createSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AlipayAdapter } from '../../../shared/channels/alipay/adapter.js';
import { agreementFromNotify, agreementFromQuery, cyclePayBiz, pageSignBiz } from '../../../shared/channels/alipay/agreements.js';
import { generateSandboxAlipayKeys } from '../../../shared/channels/alipay/credentials.js';
import { generateSandboxWechatPayKeys, WechatPayAdapter } from '../../../shared/channels/wechat-pay/adapter.js';
import { applyDeductBody, contractState, DEFAULT_PAPAY_PLAN_ID, preEntrustSignBody } from '../../../shared/channels/wechat-pay/papay.js';
import { CallbackRejectedError, type CreatePaymentRequest } from '../../../shared/ports/channel-flows.js';
import { ChannelRejectedError, ChannelTimeoutError } from '../../../shared/ports/payment-channel.js';

/**
 * The wallet agreements' wire pieces without a network: WeChat papay's bodies and contract mapping, Alipay's
 * CYCLE_PAY_AUTH bodies and dut_user_* notifications, and each adapter's verification of a sign / unsign notice built
 * here by hand, as the channel builds it (then forged or contradicting itself).
 */
const NOW = new Date('2026-11-27T08:00:00Z'); // 16:00 in China
const sign = { agreementId: 'agr_01abc', merchantId: 'm_1', currency: 'CNY' as const, maxAmountPerDebit: 3050, customerId: 'cus_9', callbackUrl: 'https://pay.example/callbacks/x' };
const debit: CreatePaymentRequest = {
  paymentId: 'pay_01debit0001',
  orderId: 'ord_1',
  merchantId: 'm_1',
  amount: 1999,
  currency: 'CNY',
  subject: 'Monthly plan',
  expiresAt: '2026-11-27T09:00:00Z',
  capture: true,
  agreementToken: 'token',
  callbackUrl: 'https://pay.example/callbacks/x',
};

describe('WeChat papay wire', () => {
  it('pre-signs for a QR code with our agreement id as out_contract_code, and deducts with the contract_id in fen', () => {
    expect(preEntrustSignBody(sign, 'wxapp', 777)).toEqual({
      sign_scene: 'SIGN_SCENE_QRCODE',
      appid: 'wxapp',
      plan_id: 777,
      out_contract_code: 'agr_01abc',
      contract_display_account: 'cus_9',
      contract_notify_url: 'https://pay.example/callbacks/x',
      out_user_code: 'cus_9',
    });
    expect(applyDeductBody(debit, 'wxapp', '2020123')).toMatchObject({ out_trade_no: 'pay_01debit0001', contract_id: '2020123', amount: { total: 1999, currency: 'CNY' } });
    expect(() => applyDeductBody({ ...debit, currency: 'USD' }, 'wxapp', '1')).toThrow(/CNY/);
  });

  it("maps a contract's state, and who ended it, from WeChat's contract_termination_mode", () => {
    const base = { out_contract_code: 'agr_1', contract_id: '2020' };
    expect(contractState({ ...base, contract_state: 'SIGNED' })).toEqual({ status: 'active', agreementId: 'agr_1', token: '2020' });
    expect(contractState({ ...base, contract_state: 'TERMINATED', contract_terminate_info: { contract_termination_mode: 'USER' } })).toMatchObject({ status: 'terminated', terminatedBy: 'payer' });
    expect(contractState({ ...base, contract_state: 'TERMINATED', contract_terminate_info: { contract_termination_mode: 'MCH_API' } })).toMatchObject({ terminatedBy: 'merchant' });
    expect(contractState({ ...base, contract_state: 'UNKNOWN' })).toBeUndefined();
    expect(contractState({ out_contract_code: 'agr_1', contract_state: 'SIGNED' })).toBeUndefined();
  });

  const keys = generateSandboxWechatPayKeys();
  const adapter = new WechatPayAdapter({ id: 'wechat_pay', baseUrl: 'https://api.mch.weixin.qq.com', credentials: keys.platform, now: () => NOW });

  function notice(eventType: string, contract: Record<string, unknown>, signingKey = keys.channel.platformPrivateKeyPem) {
    const nonce = 'n0nce0000012';
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(keys.channel.apiV3Key), Buffer.from(nonce));
    cipher.setAAD(Buffer.from('papay'));
    const plain = JSON.stringify({ mchid: keys.platform.mchId, appid: keys.platform.appId, plan_id: DEFAULT_PAPAY_PLAN_ID, ...contract });
    const ciphertext = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]).toString('base64');
    const rawBody = JSON.stringify({ id: 'EV-1', event_type: eventType, resource_type: 'encrypt-resource', resource: { algorithm: 'AEAD_AES_256_GCM', ciphertext, nonce, associated_data: 'papay', original_type: 'papay' } });
    const timestamp = String(NOW.getTime() / 1000);
    const signature = createSign('RSA-SHA256').update(`${timestamp}\nNONCE\n${rawBody}\n`).sign(signingKey, 'base64');
    return { headers: { 'Wechatpay-Timestamp': timestamp, 'Wechatpay-Nonce': 'NONCE', 'Wechatpay-Signature': signature, 'Wechatpay-Serial': keys.channel.platformSerialNo }, rawBody };
  }

  it('a signed PAPAY.SIGN and PAPAY.TERMINATE become agreement callbacks', async () => {
    const signed = await adapter.parseCallback(notice('PAPAY.SIGN', { out_contract_code: 'agr_1', contract_id: '2020', contract_state: 'SIGNED' }));
    expect(signed).toEqual({ kind: 'agreement', callbackId: 'EV-1', state: { status: 'active', agreementId: 'agr_1', token: '2020' } });
    const ended = await adapter.parseCallback(
      notice('PAPAY.TERMINATE', { out_contract_code: 'agr_1', contract_id: '2020', contract_state: 'TERMINATED', contract_terminate_info: { contract_termination_mode: 'USER' } }),
    );
    expect(ended).toMatchObject({ kind: 'agreement', state: { status: 'terminated', terminatedBy: 'payer' } });
  });

  it('refuses a notice signed by another key, one whose state contradicts its type, and one of another plan', async () => {
    const other = generateSandboxWechatPayKeys().channel.platformPrivateKeyPem;
    const forged = adapter.parseCallback(notice('PAPAY.SIGN', { out_contract_code: 'agr_1', contract_id: '2020', contract_state: 'SIGNED' }, other));
    await expect(forged).rejects.toMatchObject({ reason: 'signature' });
    const contradicting = adapter.parseCallback(notice('PAPAY.SIGN', { out_contract_code: 'agr_1', contract_id: '2020', contract_state: 'TERMINATED' }));
    await expect(contradicting).rejects.toBeInstanceOf(CallbackRejectedError);
    const otherPlan = adapter.parseCallback(notice('PAPAY.SIGN', { out_contract_code: 'agr_1', contract_id: '2020', contract_state: 'SIGNED', plan_id: 1 }));
    await expect(otherPlan).rejects.toMatchObject({ reason: 'malformed' });
  });
});

describe('Alipay CYCLE_PAY_AUTH wire', () => {
  it('the page sign carries our agreement id, the QR access channel and the per-debit limit in yuan; the debit names the agreement_no', () => {
    expect(pageSignBiz(sign, NOW)).toMatchObject({
      personal_product_code: 'CYCLE_PAY_AUTH_P',
      product_code: 'CYCLE_PAY_AUTH',
      external_agreement_no: 'agr_01abc',
      access_params: { channel: 'QRCODE' },
      period_rule_params: { period_type: 'DAY', execute_time: '2026-11-27', single_amount: '30.50' },
    });
    expect(cyclePayBiz(debit, '20261127000123')).toEqual({
      out_trade_no: 'pay_01debit0001',
      total_amount: '19.99',
      subject: 'Monthly plan',
      product_code: 'CYCLE_PAY_AUTH',
      agreement_params: { agreement_no: '20261127000123' },
    });
  });

  const base = { notify_id: 'n1', external_agreement_no: 'agr_1', agreement_no: '2026', personal_product_code: 'CYCLE_PAY_AUTH_P' };
  it('maps dut_user_sign NORMAL and dut_user_unsign UNSIGN; a contradicting status is malformed; trade notices are not its business', () => {
    expect(agreementFromNotify({ ...base, notify_type: 'dut_user_sign', status: 'NORMAL' })).toEqual({ kind: 'agreement', callbackId: 'n1', state: { status: 'active', agreementId: 'agr_1', token: '2026' } });
    expect(agreementFromNotify({ ...base, notify_type: 'dut_user_unsign', status: 'UNSIGN' })).toMatchObject({ state: { status: 'terminated', terminatedBy: 'payer' } });
    expect(agreementFromNotify({ ...base, notify_type: 'dut_user_sign', status: 'UNSIGN' })).toBe('malformed');
    expect(agreementFromNotify({ ...base, notify_type: 'dut_user_sign', status: 'NORMAL', agreement_no: '' })).toBe('malformed');
    expect(agreementFromNotify({ notify_type: 'trade_status_sync' })).toBeUndefined();
  });

  const keys = generateSandboxAlipayKeys();
  const adapter = new AlipayAdapter({ baseUrl: 'http://127.0.0.1:9/sandbox/channels/alipay', credentials: keys.platform, now: () => NOW });
  function notification(params: Record<string, string>, privateKeyPem = keys.channel.alipaySigningKey.privateKeyPem): string {
    const all = { ...params, notify_time: '2026-11-27 15:59:58', app_id: keys.platform.appId };
    const content = Object.keys(all).sort().map((k) => `${k}=${all[k as keyof typeof all]}`).join('&');
    return new URLSearchParams({ ...all, sign_type: 'RSA2', sign: createSign('RSA-SHA256').update(content).sign(privateKeyPem, 'base64') }).toString();
  }

  it('verifies a dut_user_sign notification and refuses one signed by another key', async () => {
    const rawBody = notification({ ...base, notify_type: 'dut_user_sign', status: 'NORMAL' });
    expect(await adapter.parseCallback({ headers: {}, rawBody })).toMatchObject({ kind: 'agreement', state: { status: 'active', token: '2026' } });
    const forged = notification({ ...base, notify_type: 'dut_user_sign', status: 'NORMAL' }, generateSandboxAlipayKeys().channel.alipaySigningKey.privateKeyPem);
    await expect(adapter.parseCallback({ headers: {}, rawBody: forged })).rejects.toMatchObject({ reason: 'signature' });
  });
});

describe('the wallets\' contract queries (docs/decisions.md, 238)', () => {
  const ref = { agreementId: 'agr_01abc', channelAgreementId: 'agr_01abc' };

  describe('WeChat: GET …/plan-id/{plan_id}/out-contract-code/{out_contract_code}', () => {
    const keys = generateSandboxWechatPayKeys();
    const contract = { mchid: keys.platform.mchId, appid: keys.platform.appId, plan_id: DEFAULT_PAPAY_PLAN_ID, out_contract_code: 'agr_01abc', contract_id: '2020112700001', contract_state: 'SIGNED' };

    /** WeChat answering `status` and `body`, signed with its platform key (or `signer`), written out here as WeChat signs. */
    function wechat(status: number, body: unknown, signer = keys.channel.platformPrivateKeyPem) {
      const requests: Array<{ url: string; init: RequestInit }> = [];
      const text = body === undefined ? '' : JSON.stringify(body);
      const fetchFn = (async (url: string, init: RequestInit) => {
        requests.push({ url, init });
        const timestamp = String(NOW.getTime() / 1000);
        const signature = createSign('RSA-SHA256').update(`${timestamp}\nNONCE\n${text}\n`).sign(signer, 'base64');
        const headers = { 'Wechatpay-Timestamp': timestamp, 'Wechatpay-Nonce': 'NONCE', 'Wechatpay-Signature': signature, 'Wechatpay-Serial': keys.channel.platformSerialNo };
        return new Response(text === '' ? null : text, { status, headers });
      }) as unknown as typeof fetch;
      return { requests, adapter: new WechatPayAdapter({ id: 'wechat_pay', baseUrl: 'https://api.mch.weixin.qq.com', credentials: keys.platform, now: () => NOW, fetch: fetchFn }) };
    }

    it('asks by plan and our agreement id, signed with the merchant key; SIGNED is active with the contract_id as token', async () => {
      const { requests, adapter } = wechat(200, contract);
      expect(await adapter.queryAgreement(ref)).toEqual({ status: 'active', agreementId: 'agr_01abc', token: '2020112700001' });
      expect(requests).toHaveLength(1);
      expect(requests[0]!.url).toBe(`https://api.mch.weixin.qq.com/v3/papay/sign/contracts/plan-id/${DEFAULT_PAPAY_PLAN_ID}/out-contract-code/agr_01abc`);
      expect(requests[0]!.init.method).toBe('GET');
      expect(String((requests[0]!.init.headers as Record<string, string>).authorization)).toMatch(/^WECHATPAY2-SHA256-RSA2048 mchid="/);
    });

    it('CONTRACT_NOT_EXIST (the payer has not signed) is not_signed; a TERMINATED contract says who ended it', async () => {
      expect(await wechat(404, { code: 'CONTRACT_NOT_EXIST', message: '签约协议不存在' }).adapter.queryAgreement(ref)).toEqual({ status: 'not_signed', agreementId: 'agr_01abc' });
      const ended = { ...contract, contract_state: 'TERMINATED', contract_terminate_info: { contract_termination_mode: 'USER' } };
      expect(await wechat(200, ended).adapter.queryAgreement(ref)).toMatchObject({ status: 'terminated', terminatedBy: 'payer', token: '2020112700001' });
    });

    it('an answer signed by another key, about another contract, merchant or plan, in a state it cannot read, or a 5xx is no answer', async () => {
      const stranger = generateSandboxWechatPayKeys().channel.platformPrivateKeyPem;
      for (const [status, body, signer] of [
        [200, contract, stranger],
        [200, { ...contract, out_contract_code: 'agr_other' }, undefined],
        [200, { ...contract, mchid: '1900000000' }, undefined],
        [200, { ...contract, plan_id: 1 }, undefined],
        [200, { ...contract, contract_state: 'UNKNOWN' }, undefined],
        [500, { code: 'SYSTEM_ERROR', message: '系统繁忙' }, undefined],
      ] as const) {
        await expect(wechat(status, body, signer).adapter.queryAgreement(ref), JSON.stringify(body)).rejects.toBeInstanceOf(ChannelTimeoutError);
      }
      await expect(wechat(400, { code: 'PARAM_ERROR', message: 'plan_id 不正确' }).adapter.queryAgreement(ref)).rejects.toBeInstanceOf(ChannelRejectedError);
    });
  });

  describe('Alipay: alipay.user.agreement.query', () => {
    const keys = generateSandboxAlipayKeys();
    const normal = { code: '10000', msg: 'Success', external_agreement_no: 'agr_01abc', agreement_no: '20261127000123', personal_product_code: 'CYCLE_PAY_AUTH_P', sign_scene: 'INDUSTRY|DEFAULT_SCENE', status: 'NORMAL' };

    /** Alipay's gateway answering `answer`, signed RSA2 over the response object's exact text (or by `signer`). */
    function alipay(answer: Record<string, string>, signer = keys.channel.alipaySigningKey.privateKeyPem) {
      const requests: URLSearchParams[] = [];
      const fetchFn = (async (_url: string, init: RequestInit) => {
        requests.push(new URLSearchParams(init.body as string));
        const text = JSON.stringify(answer);
        const sign = createSign('RSA-SHA256').update(text, 'utf8').sign(signer, 'base64');
        return new Response(`{"alipay_user_agreement_query_response":${text},"alipay_cert_sn":"${keys.channel.alipaySigningKey.certSn}","sign":"${sign}"}`, { status: 200 });
      }) as unknown as typeof fetch;
      return { requests, adapter: new AlipayAdapter({ baseUrl: 'http://alipay.test', credentials: keys.platform, fetch: fetchFn, now: () => NOW }) };
    }

    it('asks by our external_agreement_no with the product and scene it signed under; NORMAL is active with agreement_no as token', async () => {
      const { requests, adapter } = alipay(normal);
      expect(await adapter.queryAgreement(ref)).toEqual({ status: 'active', agreementId: 'agr_01abc', token: '20261127000123' });
      expect(requests[0]!.get('method')).toBe('alipay.user.agreement.query');
      expect(requests[0]!.get('sign_type')).toBe('RSA2');
      expect(JSON.parse(requests[0]!.get('biz_content')!)).toEqual({ personal_product_code: 'CYCLE_PAY_AUTH_P', sign_scene: 'INDUSTRY|DEFAULT_SCENE', external_agreement_no: 'agr_01abc' });
    });

    it('USER_AGREEMENT_NOT_EXIST and TEMP are not_signed; a stranger\'s signature, another agreement or STOP is no answer', async () => {
      const missing = { code: '40004', msg: 'Business Failed', sub_code: 'USER_AGREEMENT_NOT_EXIST', sub_msg: '用户协议不存在' };
      expect(await alipay(missing).adapter.queryAgreement(ref)).toEqual({ status: 'not_signed', agreementId: 'agr_01abc' });
      expect(await alipay({ ...normal, status: 'TEMP' }).adapter.queryAgreement(ref)).toEqual({ status: 'not_signed', agreementId: 'agr_01abc' });
      await expect(alipay(normal, generateSandboxAlipayKeys().channel.alipaySigningKey.privateKeyPem).adapter.queryAgreement(ref)).rejects.toBeInstanceOf(ChannelTimeoutError);
      await expect(alipay({ ...normal, external_agreement_no: 'agr_other' }).adapter.queryAgreement(ref)).rejects.toBeInstanceOf(ChannelTimeoutError);
      await expect(alipay({ ...normal, status: 'STOP' }).adapter.queryAgreement(ref)).rejects.toBeInstanceOf(ChannelTimeoutError);
      await expect(alipay({ code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error' }).adapter.queryAgreement(ref)).rejects.toBeInstanceOf(ChannelTimeoutError);
    });

    it('reads the answer strictly: NORMAL without agreement_no, or of another product, is undefined', () => {
      expect(agreementFromQuery('agr_01abc', { ...normal, agreement_no: '' })).toBeUndefined();
      expect(agreementFromQuery('agr_01abc', { ...normal, personal_product_code: 'GENERAL_WITHHOLDING_P' })).toBeUndefined();
    });
  });
});
