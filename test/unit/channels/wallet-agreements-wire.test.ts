import { createCipheriv, createSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AlipayAdapter } from '../../../shared/channels/alipay/adapter.js';
import { agreementFromNotify, cyclePayBiz, pageSignBiz } from '../../../shared/channels/alipay/agreements.js';
import { generateSandboxAlipayKeys } from '../../../shared/channels/alipay/credentials.js';
import { generateSandboxWechatPayKeys, WechatPayAdapter } from '../../../shared/channels/wechat-pay/adapter.js';
import { applyDeductBody, contractState, DEFAULT_PAPAY_PLAN_ID, preEntrustSignBody } from '../../../shared/channels/wechat-pay/papay.js';
import { CallbackRejectedError, type CreatePaymentRequest } from '../../../shared/ports/channel-flows.js';

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
