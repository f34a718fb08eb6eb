import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import type { WechatPaySandboxKeys } from '../../shared/channels/wechat-pay/credentials.js';
import { encryptResource, unixSeconds } from '../../shared/channels/wechat-pay/signing.js';
import { DEFAULT_PAPAY_PLAN_ID } from '../../shared/channels/wechat-pay/papay.js';
import { createMerchant } from '../../shared/services/merchants.js';
import type { ApiClient } from '../support/api-client.js';
import { useTestRuntime } from '../support/runtime.js';
import { useWebhookReceivers } from '../support/use-webhook-receivers.js';
import { postSignedWechatNotice } from '../support/wechat-notices.js';
import { eventually, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * Wallet agreements over HTTP against the local runtime (contract, "Agreements and recurring debits"): WeChat Pay
 * 委托代扣 and Alipay 周期扣款 signed by the payer scanning the QR code (the sandbox's sign endpoint), activated by the
 * channel's signed callback, debited with the channel's own debit API and the token, terminated by the merchant (and
 * then at the channel, as the emulator's records show) or by the payer in the wallet (the sandbox's unsign).
 */
const dataDir = mkdtempSync(join(tmpdir(), 'pay-wallet-agreements-'));
const env = useTestRuntime({ dataDir, retryTimeScale: 0.001, janitorAfterSeconds: 4 });
const hooks = useWebhookReceivers();

async function merchant(): Promise<ApiClient> {
  return env.api.as(await createMerchant(env.runtime.deps, { name: `Streaming ${randomBytes(3).toString('hex')}` }));
}

async function createAgreement(client: ApiClient, method: string, extra: Record<string, unknown> = {}) {
  const customer = await client.post('/v1/customers', { outCustomerNo: `u-${randomBytes(4).toString('hex')}`, name: 'Han Meimei' });
  expect(customer.status).toBe(201);
  return client.post('/v1/agreements', {
    outAgreementNo: `AG-${randomBytes(4).toString('hex')}`,
    customerId: customer.body.id,
    method,
    currency: 'CNY',
    maxAmountPerDebit: 3000,
    ...extra,
  });
}

/** The sandbox payer acting in their wallet: `sign` (scan and agree) or `unsign` (end it in the wallet). */
const payer = (channel: string, channelAgreementId: string, act: 'sign' | 'unsign') =>
  fetch(`${env.runtime.url}/sandbox/channels/${channel}/agreements/${encodeURIComponent(channelAgreementId)}/${act}`, { method: 'POST' });

/** What the sandbox wallet itself keeps about the agreement (its own records, never read by the platform). */
async function atChannel(channel: string, channelAgreementId: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${env.runtime.url}/sandbox/channels/${channel}/agreements/${encodeURIComponent(channelAgreementId)}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

async function agreementIn(client: ApiClient, id: string, status: string) {
  return eventually(async () => {
    const got = await client.get(`/v1/agreements/${id}`);
    return got.body.status === status ? got.body : undefined;
  }, 20_000, `agreement ${id} to be ${status}`);
}

const eventsOf = (hook: WebhookReceiver) => hook.received.map((h) => JSON.parse(h.rawBody) as { type: string; data: { object: Record<string, unknown> } });

/** The raw callbacks the platform stored, with what became of each. */
async function storedCallbacks(channel: string): Promise<Array<{ rawBody: string; verdict?: string; reason?: string }>> {
  const db = createDocumentClient({ endpoint: env.runtime.dynamoEndpoint, region: 'local' });
  try {
    const out = await db.send(
      new ScanCommand({ TableName: env.runtime.config.TABLE_NAME, FilterExpression: 'entity = :e AND channel = :c', ExpressionAttributeValues: { ':e': 'RawCallback', ':c': channel } }),
    );
    return (out.Items ?? []) as Array<{ rawBody: string; verdict?: string; reason?: string }>;
  } finally {
    db.destroy();
  }
}

const QR_SHAPES: Record<string, RegExp> = {
  wechat_pay: /^https:\/\/payapp\.weixin\.qq\.com\/papay\/entrustweb\?pre_entrustweb_id=[0-9a-f]+$/,
  alipay: /\/gateway\.do\?.*method=alipay\.user\.agreement\.page\.sign/,
};

describe.each(['wechat_pay', 'alipay'])('%s agreements', (channel) => {
  it('QR → the payer signs → signed callback → ACTIVE with agreement.activated; two debits at the wallet; merchant terminate revokes it there', async () => {
    const client = await merchant();
    const hook = await hooks();
    const created = await createAgreement(client, channel, { notifyUrl: hook.url });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'PENDING', method: channel, channel, brand: null, last4: null, nextAction: { type: 'qr_code' } });
    expect(created.body.nextAction.qrCode).toMatch(QR_SHAPES[channel]!);
    expect(created.body.nextAction.url).toMatch(new RegExp(`^${env.runtime.url}/checkout/[A-Za-z0-9_-]{43}$`));
    const agreementId: string = created.body.id;
    // Before the payer signs, a debit is refused here, before any channel call.
    const early = await client.createOrder({ amount: 100 });
    expect((await client.post(`/v1/orders/${early.id}/pay`, { method: 'agreement', agreementId })).status).toBe(409);

    expect((await payer(channel, agreementId, 'sign')).status).toBe(200);
    const active = await agreementIn(client, agreementId, 'ACTIVE');
    expect(active).toMatchObject({ nextAction: null, version: 2, terminatedBy: null });
    const token = (await atChannel(channel, agreementId))[channel === 'wechat_pay' ? 'contract_id' : 'agreementNo'];
    expect(active.channelAgreementId).toBe(token);
    const activated = await eventually(() => eventsOf(hook).find((e) => e.type === 'agreement.activated'), 20_000, 'agreement.activated');
    expect(activated.data.object).toMatchObject({ id: agreementId, status: 'ACTIVE', version: 2 });

    const debits: string[] = [];
    for (const amount of [1200, 3000]) {
      const order = await client.createOrder({ amount });
      const paid = await client.post(`/v1/orders/${order.id}/pay`, { method: 'agreement', agreementId });
      expect(paid.status).toBe(200);
      expect(paid.body).toMatchObject({ status: 'SUCCEEDED', amountCaptured: amount, payment: { method: 'agreement', channel } });
      debits.push(paid.body.payment.id);
    }
    const records = await atChannel(channel, agreementId);
    expect(records[channel === 'wechat_pay' ? 'deductions' : 'debits']).toEqual(debits);

    const terminated = await client.post(`/v1/agreements/${agreementId}/terminate`, {});
    expect(terminated.status).toBe(200);
    expect(terminated.body).toMatchObject({ status: 'TERMINATED', terminatedBy: 'merchant' });
    // Revoked at the wallet: its own records say the merchant ended it.
    const ended = await atChannel(channel, agreementId);
    if (channel === 'wechat_pay') expect(ended).toMatchObject({ contract_state: 'TERMINATED', contract_terminate_info: { contract_termination_mode: 'MCH_API' } });
    else expect(ended).toMatchObject({ status: 'UNSIGN', unsignedBy: 'merchant' });
    const late = await client.createOrder({ amount: 100 });
    const refused = await client.post(`/v1/orders/${late.id}/pay`, { method: 'agreement', agreementId });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('agreement_not_active');
    await eventually(() => eventsOf(hook).some((e) => e.type === 'agreement.terminated'), 20_000, 'agreement.terminated');
    // The wallet's own termination notice (WeChat sends one for the merchant's terminate too) changed nothing more.
    expect((await client.get(`/v1/agreements/${agreementId}`)).body.version).toBe(terminated.body.version);
  });

  it('the payer unsigns in the wallet: TERMINATED by the payer with agreement.terminated; a repeated notice changes nothing', async () => {
    const client = await merchant();
    const hook = await hooks();
    const created = await createAgreement(client, channel, { notifyUrl: hook.url });
    const agreementId: string = created.body.id;
    // The sandbox's payer endpoints take the agreement's channelAgreementId as the platform shows it (contract): our
    // id while PENDING, the wallet's contract/agreement number once ACTIVE.
    expect((await payer(channel, created.body.channelAgreementId, 'sign')).status).toBe(200);
    const active = await agreementIn(client, agreementId, 'ACTIVE');
    expect(active.channelAgreementId).not.toBe(agreementId);
    expect((await payer(channel, active.channelAgreementId, 'unsign')).status).toBe(200);
    const ended = await agreementIn(client, agreementId, 'TERMINATED');
    expect(ended).toMatchObject({ terminatedBy: 'payer', version: 3 });
    const event = await eventually(() => eventsOf(hook).find((e) => e.type === 'agreement.terminated'), 20_000, 'agreement.terminated');
    expect(event.data.object).toMatchObject({ id: agreementId, status: 'TERMINATED', terminatedBy: 'payer' });

    expect((await payer(channel, agreementId, 'unsign')).status).toBe(200);
    await eventually(async () => ((await storedCallbacks(channel)).filter((c) => c.rawBody.includes(channel === 'wechat_pay' ? 'PAPAY.TERMINATE' : 'dut_user_unsign') && c.verdict === 'duplicate').length > 0 ? true : undefined), 20_000, 'the repeated notice');
    expect((await client.get(`/v1/agreements/${agreementId}`)).body.version).toBe(3);
    expect(eventsOf(hook).filter((e) => e.type === 'agreement.terminated')).toHaveLength(1);
    const order = await client.createOrder({ amount: 100 });
    expect((await client.post(`/v1/orders/${order.id}/pay`, { method: 'agreement', agreementId })).body.error.code).toBe('agreement_not_active');
  });

  it('terminated by the merchant while PENDING, then signed by the payer anyway: stays TERMINATED, and the contract is revoked at the wallet', async () => {
    const client = await merchant();
    const agreementId: string = (await createAgreement(client, channel)).body.id;
    const terminated = await client.post(`/v1/agreements/${agreementId}/terminate`, {});
    expect(terminated.body).toMatchObject({ status: 'TERMINATED', terminatedBy: 'merchant' });
    // The payer scans the code they were shown before the merchant changed its mind.
    expect((await payer(channel, agreementId, 'sign')).status).toBe(200);
    const revoked = await eventually(async () => {
      const records = await atChannel(channel, agreementId);
      return (channel === 'wechat_pay' ? records.contract_state : records.status) === (channel === 'wechat_pay' ? 'TERMINATED' : 'UNSIGN') ? records : undefined;
    }, 20_000, 'the late signing to be revoked at the wallet');
    if (channel === 'wechat_pay') expect(revoked).toMatchObject({ contract_terminate_info: { contract_termination_mode: 'MCH_API' } });
    else expect(revoked).toMatchObject({ unsignedBy: 'merchant' });
    expect((await client.get(`/v1/agreements/${agreementId}`)).body).toMatchObject({ status: 'TERMINATED', terminatedBy: 'merchant', version: terminated.body.version });
  });

  it('a card with a wallet method is 400 and stores nothing; a forged sign callback is refused 4xx and leaves it PENDING', async () => {
    const client = await merchant();
    const withCard = await createAgreement(client, channel, { card: { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' } });
    expect(withCard.status).toBe(400);
    expect(withCard.body.error).toMatchObject({ code: 'parameter_invalid', param: 'card' });
    const created = await createAgreement(client, channel);
    const agreementId: string = created.body.id;
    const forged =
      channel === 'wechat_pay'
        ? await fetch(`${env.runtime.url}/callbacks/wechat_pay`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'wechatpay-signature': 'Zm9yZ2Vk', 'wechatpay-timestamp': unixSeconds(new Date()), 'wechatpay-nonce': 'N' },
            body: JSON.stringify({ id: randomUUID(), event_type: 'PAPAY.SIGN', resource: { out_contract_code: agreementId, contract_id: '1' } }),
          })
        : await fetch(`${env.runtime.url}/callbacks/alipay`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ notify_type: 'dut_user_sign', notify_id: 'n1', notify_time: '2026-11-27 12:00:00', sign_type: 'RSA2', sign: 'Zm9yZ2Vk', external_agreement_no: agreementId, agreement_no: '1', status: 'NORMAL' }).toString(),
          });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.status).toBeLessThan(500);
    expect((await client.get(`/v1/agreements/${agreementId}`)).body).toMatchObject({ status: 'PENDING', version: 1 });
    expect((await storedCallbacks(channel)).find((c) => c.rawBody.includes(agreementId))).toMatchObject({ verdict: 'rejected', reason: 'signature' });
  });
});

describe('a wallet debit whose answer is lost', () => {
  const wechatMode = (mode: string) =>
    fetch(`${env.runtime.url}/sandbox/channels/wechat_pay/mode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode }) });

  it('WeChat deducts but its answer never arrives: 202 PROCESSING, then SUCCEEDED by its notice or the janitor, one deduction at WeChat', async () => {
    const client = await merchant();
    const agreementId: string = (await createAgreement(client, 'wechat_pay')).body.id;
    expect((await payer('wechat_pay', agreementId, 'sign')).status).toBe(200);
    await agreementIn(client, agreementId, 'ACTIVE');
    const order = await client.createOrder({ amount: 800 });
    expect((await wechatMode('timeout')).status).toBe(200);
    let paid;
    try {
      paid = await client.post(`/v1/orders/${order.id}/pay`, { method: 'agreement', agreementId });
    } finally {
      await wechatMode('normal');
    }
    // Unknown to the pay; the deduction's own notice may already have settled it while the pay waited.
    expect(paid.status).toBe(202);
    expect(['PROCESSING', 'SUCCEEDED']).toContain(paid.body.status);
    const settled = await eventually(async () => {
      const got = await client.get(`/v1/orders/${order.id}`);
      return got.body.status === 'SUCCEEDED' ? got.body : undefined;
    }, 60_000, 'the debit to be settled');
    expect(settled.amountCaptured).toBe(800);
    expect((await atChannel('wechat_pay', agreementId)).deductions).toEqual([settled.payment.id]);
  });
});

describe('wallet agreement notices the platform refuses', () => {
  /** A PAPAY.* notice signed and encrypted with the sandbox WeChat's own keys, as WeChat sends it. */
  function postWechatNotice(eventType: string, resource: Record<string, unknown>): Promise<Response> {
    const keys = JSON.parse(readFileSync(join(dataDir, 'sandbox-channels', 'wechat_pay.json'), 'utf8')) as WechatPaySandboxKeys;
    const body = JSON.stringify({
      id: randomUUID(),
      create_time: new Date().toISOString(),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary: '签约成功',
      resource: encryptResource(JSON.stringify({ mchid: keys.mchId, appid: keys.appId, plan_id: DEFAULT_PAPAY_PLAN_ID, ...resource }), keys.apiV3Key, 'papay'),
    });
    return postSignedWechatNotice(env.runtime.url, keys, body);
  }

  it('a validly signed PAPAY.SIGN for an agreement the platform does not have: 4xx, unknown_agreement', async () => {
    const res = await postWechatNotice('PAPAY.SIGN', { out_contract_code: 'agr_nonexistent', contract_id: '202000000001', contract_state: 'SIGNED' });
    expect(res.status).toBe(400);
    expect((await storedCallbacks('wechat_pay')).some((c) => c.verdict === 'rejected' && c.reason === 'unknown_agreement')).toBe(true);
  });

  it("a validly signed WeChat notice naming an Alipay agreement: 4xx mismatch, the agreement stays PENDING", async () => {
    const client = await merchant();
    const created = await createAgreement(client, 'alipay');
    const res = await postWechatNotice('PAPAY.SIGN', { out_contract_code: created.body.id, contract_id: '202000000002', contract_state: 'SIGNED' });
    expect(res.status).toBe(400);
    expect((await client.get(`/v1/agreements/${created.body.id}`)).body).toMatchObject({ status: 'PENDING', version: 1 });
    expect((await storedCallbacks('wechat_pay')).some((c) => c.verdict === 'rejected' && c.reason === 'mismatch')).toBe(true);
  });
});
