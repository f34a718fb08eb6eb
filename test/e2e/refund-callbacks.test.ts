import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { timerMessageId } from '../../shared/adapters/local/local-timers.js';
import type { AlipaySandboxChannelKeys } from '../../shared/channels/alipay/credentials.js';
import { NOTIFY_UNSIGNED, rsa2Sign, signContent } from '../../shared/channels/alipay/signature.js';
import { chinaTime } from '../../shared/channels/alipay/transformers.js';
import type { WechatPaySandboxKeys } from '../../shared/channels/wechat-pay/credentials.js';
import { encryptResource } from '../../shared/channels/wechat-pay/signing.js';
import type { LedgerEntry } from '../../shared/domain/ledger.js';
import { refundQueryKey } from '../../shared/services/janitor-timers.js';
import { checkLedger } from '../../shared/services/ledger-check.js';
import type { Runtime } from '../../infra/local/runtime.js';
import type { ApiClient } from '../support/api-client.js';
import { startTestRuntime } from '../support/runtime.js';
import { useWebhookReceivers } from '../support/use-webhook-receivers.js';
import { postSignedWechatNotice } from '../support/wechat-notices.js';
import { eventually, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * Refunds ended by the channel's own refund notification (WeChat Pay's REFUND.*), over HTTP against the local runtime:
 * the refund request → the sandbox WeChat Pay's signed, encrypted REFUND.SUCCESS to `POST /callbacks/wechat_pay` → the
 * refund SUCCEEDED with its ledger entry and one refund.succeeded webhook. The janitor waits a day before its first
 * refund query here, so nothing but the notification can have ended a refund. Forged, unknown and mismatched notices
 * are built and signed by hand with the sandbox channel's own keys, so only the platform's checks can refuse them.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'pay-refund-callbacks-'));
let runtime: Runtime;
let api: ApiClient;
let keys: WechatPaySandboxKeys;

beforeAll(async () => {
  ({ runtime, api } = await startTestRuntime({ dataDir, retryTimeScale: 0.001, janitorAfterSeconds: 86_400 }));
  keys = JSON.parse(readFileSync(join(dataDir, 'sandbox-channels', 'wechat_pay.json'), 'utf8')) as WechatPaySandboxKeys;
});
afterAll(async () => runtime?.stop());
const hooks = useWebhookReceivers();

const sandbox = (path: string, body: unknown) =>
  fetch(`${runtime.url}/sandbox/channels/wechat_pay${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A WeChat Pay order of 19.99 CNY paid through the sandbox payer and its callback. */
async function paidOrder(notifyUrl: string) {
  const order = await api.createOrder({ notifyUrl });
  const paid = await api.post(`/v1/orders/${order.id}/pay`, { method: 'wechat_pay' });
  expect(paid.body.status).toBe('REQUIRES_ACTION');
  const paymentId = paid.body.payment.id as string;
  expect((await sandbox(`/payments/${paymentId}/complete`, { outcome: 'succeeded' })).status).toBe(200);
  await eventually(async () => (await api.get(`/v1/orders/${order.id}`)).body.status === 'SUCCEEDED', 20_000, 'the payment');
  return { orderId: order.id as string, paymentId };
}

/**
 * A refund that stays PROCESSING: WeChat answers 500 SYSTEM_ERROR without acting (the sandbox's `error` mode), so the
 * platform answers 202 and no notification will come; only the notices a test sends can end it.
 */
async function processingRefund(orderId: string, amount: number) {
  expect((await sandbox('/mode', { mode: 'error' })).status).toBe(200);
  try {
    const refund = await api.post(`/v1/orders/${orderId}/refunds`, { outRefundNo: `R-${randomUUID()}`, amount });
    expect(refund.status).toBe(202);
    expect(refund.body.status).toBe('PROCESSING');
    return refund.body as { id: string; amount: number };
  } finally {
    await sandbox('/mode', { mode: 'normal' });
  }
}

/** A REFUND.* notification as WeChat builds it: the resource encrypted under the APIv3 key, signed with the platform key. */
function refundNotice(resource: Record<string, unknown>, eventType = 'REFUND.SUCCESS', signingKey = keys.platformPrivateKeyPem) {
  const body = JSON.stringify({
    id: randomUUID(),
    create_time: '2026-11-27T16:00:02+08:00',
    resource_type: 'encrypt-resource',
    event_type: eventType,
    summary: '退款成功',
    resource: encryptResource(JSON.stringify({ mchid: keys.mchId, user_received_account: '支付用户零钱', ...resource }), keys.apiV3Key, 'refund'),
  });
  return postSigned(body, signingKey);
}

function postSigned(body: string, signingKey = keys.platformPrivateKeyPem): Promise<Response> {
  return postSignedWechatNotice(runtime.url, keys, body, signingKey);
}

function resource(refund: { id: string; amount: number }, paymentId: string, overrides: Record<string, unknown> = {}) {
  return {
    out_trade_no: paymentId,
    transaction_id: '4200000000000000000000000000',
    out_refund_no: refund.id,
    refund_id: `5030${Date.now()}`,
    refund_status: 'SUCCESS',
    success_time: '2026-11-27T16:00:01+08:00',
    amount: { total: 1999, refund: refund.amount, payer_total: 1999, payer_refund: refund.amount },
    ...overrides,
  };
}

async function ledgerOf(orderId: string): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for await (const entry of runtime.deps.ledger.allEntries()) if (entry.orderId === orderId) entries.push(entry);
  return entries;
}

type StoredCallback = { rawBody: string; verdict?: string; reason?: string; refundId?: string };

async function storedCallbacks(channel = 'wechat_pay'): Promise<StoredCallback[]> {
  const db = createDocumentClient({ endpoint: runtime.dynamoEndpoint, region: 'local' });
  try {
    const out = await db.send(
      new ScanCommand({
        TableName: runtime.config.TABLE_NAME,
        FilterExpression: 'entity = :e AND channel = :c',
        ExpressionAttributeValues: { ':e': 'RawCallback', ':c': channel },
      }),
    );
    return (out.Items ?? []) as StoredCallback[];
  } finally {
    db.destroy();
  }
}

const settledFor = async (refundId: string, channel = 'wechat_pay') =>
  (await storedCallbacks(channel)).filter((c) => c.refundId === refundId && c.verdict);
const eventTypes = (hook: WebhookReceiver) => hook.received.map((h) => (JSON.parse(h.rawBody) as { type: string }).type);
const refundQueryPending = async (refundId: string) =>
  (await runtime.timers.queue.all()).some((m) => m.messageId === timerMessageId(refundQueryKey(refundId)));

describe('a WeChat Pay refund ended by its REFUND.SUCCESS notification', () => {
  it('completes before any query: SUCCEEDED, one ledger entry, one refund.succeeded; the same notice again changes nothing', async () => {
    const hook = await hooks();
    const { orderId } = await paidOrder(hook.url);
    const created = await api.post(`/v1/orders/${orderId}/refunds`, { outRefundNo: `R-${randomUUID()}`, amount: 500 });
    // WeChat answers PROCESSING: the refund is accepted, not done (its notification may already have ended it).
    expect(created.status).toBeLessThan(300);
    const refundId = created.body.id as string;

    const refund = await eventually(async () => {
      const got = await api.get(`/v1/refunds/${refundId}`);
      return got.body.status === 'SUCCEEDED' ? got.body : undefined;
    }, 20_000, 'the refund to succeed');
    expect(refund).toMatchObject({ amount: 500, currency: 'CNY' });
    expect((await runtime.deps.orders.getRefund(refundId))?.channelRefundId).toMatch(/^5030\d+$/);
    const order = (await api.get(`/v1/orders/${orderId}`)).body;
    expect(order).toMatchObject({ status: 'SUCCEEDED', amountRefunded: 500 });
    await eventually(() => eventTypes(hook).includes('refund.succeeded'), 20_000, 'the refund webhook');
    // On a loaded machine WeChat may re-send the notice before the first acknowledgement reached it (5 s): any such
    // copy must be a duplicate, and exactly one notice ended the refund.
    const first = await settledFor(refundId);
    const notice = first.find((c) => c.verdict === 'accepted');
    expect(notice, 'the notice that ended the refund').toBeDefined();
    expect(first.filter((c) => c.verdict !== 'duplicate')).toHaveLength(1);
    // The janitor's query, set a day ahead, was removed once the notice ended the refund.
    expect(await refundQueryPending(refundId)).toBe(false);

    // WeChat re-sends the very same notification (a lost acknowledgement): acknowledged, nothing posted twice.
    const again = await postSigned(notice!.rawBody);
    expect(again.status).toBe(204);
    const verdicts = await eventually(async () => {
      const settled = await settledFor(refundId);
      return settled.length > first.length ? settled.map((c) => c.verdict) : undefined;
    }, 20_000, 'the second notice');
    expect(verdicts.filter((v) => v === 'accepted')).toHaveLength(1);
    expect(verdicts.filter((v) => v !== 'accepted').every((v) => v === 'duplicate')).toBe(true);
    const entries = await ledgerOf(orderId);
    expect(entries.filter((e) => e.kind === 'refund')).toHaveLength(1);
    expect(entries.filter((e) => e.kind === 'payment')).toHaveLength(1);
    expect((await checkLedger(runtime.deps.ledger)).balanced).toBe(true);
    expect((await api.get(`/v1/refunds/${refundId}`)).body.version).toBe(refund.version);
    expect(eventTypes(hook).filter((t) => t === 'refund.succeeded')).toHaveLength(1);
  });
});

describe('refund notices the platform refuses, and the one it believes', () => {
  it('forged, unknown refund, mismatched amount, other trade: 4xx, counted, nothing changes; then a genuine one ends it', async () => {
    const hook = await hooks();
    const { orderId, paymentId } = await paidOrder(hook.url);
    const refund = await processingRefund(orderId, 700);
    const unchanged = async () => {
      expect((await api.get(`/v1/refunds/${refund.id}`)).body.status).toBe('PROCESSING');
      expect((await ledgerOf(orderId)).filter((e) => e.kind === 'refund')).toHaveLength(0);
      expect((await api.get(`/v1/orders/${orderId}`)).body.amountRefunded).toBe(0);
    };

    const forger = (await import('../../shared/channels/wechat-pay/credentials.js')).generateSandboxWechatPayKeys();
    const refusals: Array<[Promise<Response>, string | undefined]> = [
      [refundNotice(resource(refund, paymentId), 'REFUND.SUCCESS', forger.channel.platformPrivateKeyPem), undefined],
      [refundNotice(resource(refund, paymentId, { out_refund_no: 'rf_0000000000notarefund0000000' })), 'unknown_refund'],
      [refundNotice(resource({ ...refund, amount: 1999 }, paymentId)), 'mismatch'],
      [refundNotice(resource(refund, 'pay_0000000000anotherpayment00')), 'mismatch'],
    ];
    for (const [sent, reason] of refusals) {
      const res = await sent;
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'FAIL' });
      if (reason) expect((await storedCallbacks()).filter((c) => c.reason === reason).length).toBeGreaterThan(0);
    }
    await unchanged();

    const genuine = await refundNotice(resource(refund, paymentId));
    expect(genuine.status).toBe(204);
    expect((await api.get(`/v1/refunds/${refund.id}`)).body.status).toBe('SUCCEEDED');
    expect((await api.get(`/v1/orders/${orderId}`)).body.amountRefunded).toBe(700);
    expect((await ledgerOf(orderId)).filter((e) => e.kind === 'refund')).toHaveLength(1);
    expect(await refundQueryPending(refund.id)).toBe(false);
    await eventually(() => eventTypes(hook).includes('refund.succeeded'), 20_000, 'the refund webhook');

    // A later contradicting notice for the final refund is acknowledged and changes nothing: the first word stands.
    const contradicting = await refundNotice(resource(refund, paymentId, { refund_status: 'ABNORMAL' }), 'REFUND.ABNORMAL');
    expect(contradicting.status).toBe(204);
    expect((await api.get(`/v1/refunds/${refund.id}`)).body.status).toBe('SUCCEEDED');
  });

  it("the sandbox's REFUND.ABNORMAL ends the refund FAILED and gives its amount back, so it can be refunded again", async () => {
    const hook = await hooks();
    const { orderId } = await paidOrder(hook.url);
    const created = await api.post(`/v1/orders/${orderId}/refunds`, { outRefundNo: `R-${randomUUID()}`, amount: 1999, reason: 'sandbox: refund abnormal' });
    expect(created.status).toBeLessThan(300);

    const failed = await eventually(async () => {
      const got = await api.get(`/v1/refunds/${created.body.id}`);
      return got.body.status === 'FAILED' ? got.body : undefined;
    }, 20_000, 'the refund to fail');
    expect(failed.failureCode).toBe('ABNORMAL');
    expect(await refundQueryPending(created.body.id)).toBe(false);
    expect((await api.get(`/v1/orders/${orderId}`)).body).toMatchObject({ status: 'SUCCEEDED', amountRefunded: 0 });
    expect((await ledgerOf(orderId)).filter((e) => e.kind === 'refund')).toHaveLength(0);
    await eventually(() => eventTypes(hook).includes('refund.failed'), 20_000, 'the refund.failed webhook');

    // The reservation was given back, at the platform and at WeChat: the full amount is refunded after all.
    const retry = await api.post(`/v1/orders/${orderId}/refunds`, { outRefundNo: `R-${randomUUID()}`, amount: 1999 });
    expect(retry.status).toBeLessThan(300);
    await eventually(async () => (await api.get(`/v1/orders/${orderId}`)).body.status === 'REFUNDED', 20_000, 'the order to be refunded');
    expect((await checkLedger(runtime.deps.ledger)).balanced).toBe(true);
  });
});

/** Alipay's notification after a refund, form-encoded and signed RSA2 with the sandbox Alipay's own key. */
function postAlipayNotify(fields: Record<string, string>): Promise<Response> {
  const alipay = JSON.parse(readFileSync(join(dataDir, 'sandbox-channels', 'alipay.json'), 'utf8')) as AlipaySandboxChannelKeys;
  const params: Record<string, string> = {
    notify_time: chinaTime(new Date()),
    notify_type: 'trade_status_sync',
    notify_id: randomUUID().replaceAll('-', ''),
    app_id: alipay.appId,
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    trade_status: 'TRADE_SUCCESS',
    total_amount: '19.99',
    gmt_refund: chinaTime(new Date()),
    ...fields,
  };
  params.sign = rsa2Sign(signContent(params, NOTIFY_UNSIGNED), alipay.alipaySigningKey.privateKeyPem);
  return fetch(`${runtime.url}/callbacks/alipay`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams(params).toString(),
  });
}

describe('an Alipay refund and the trade notification that follows it', () => {
  it('answered at once (fund_change Y), then notified with out_biz_no and refund_fee: one refund, one ledger entry, one webhook', async () => {
    const hook = await hooks();
    const order = await api.createOrder({ notifyUrl: hook.url });
    const paid = await api.post(`/v1/orders/${order.id}/pay`, { method: 'alipay' });
    const paymentId = paid.body.payment.id as string;
    await fetch(`${runtime.url}/sandbox/channels/alipay/payments/${paymentId}/complete`, { method: 'POST', body: '' });
    await eventually(async () => (await api.get(`/v1/orders/${order.id}`)).body.status === 'SUCCEEDED', 20_000, 'the payment');

    // The answer and the notification race to the platform; whichever ends the refund, the other is harmless.
    const refund = await api.post(`/v1/orders/${order.id}/refunds`, { outRefundNo: `R-${randomUUID()}`, amount: 500 });
    expect(refund.status).toBe(201);
    expect(refund.body.status).toBe('SUCCEEDED');
    const [notice] = await eventually(async () => {
      const settled = await settledFor(refund.body.id, 'alipay');
      return settled.length > 0 ? settled : undefined;
    }, 20_000, 'the refund notification');
    expect(['accepted', 'duplicate']).toContain(notice!.verdict);
    const fields = new URLSearchParams(notice!.rawBody);
    expect({ outBizNo: fields.get('out_biz_no'), refundFee: fields.get('refund_fee'), status: fields.get('trade_status') }).toEqual({
      outBizNo: refund.body.id,
      refundFee: '5.00',
      status: 'TRADE_SUCCESS',
    });
    expect((await ledgerOf(order.id)).filter((e) => e.kind === 'refund')).toHaveLength(1);
    await eventually(() => eventTypes(hook).includes('refund.succeeded'), 20_000, 'the refund webhook');
    expect(eventTypes(hook).filter((t) => t === 'refund.succeeded')).toHaveLength(1);

    // Signed by Alipay's key yet wrong: a refunded total below this refund, an unknown refund, another trade.
    const refusals: Array<[Record<string, string>, string]> = [
      [{ out_trade_no: paymentId, out_biz_no: refund.body.id, refund_fee: '4.99' }, 'mismatch'],
      [{ out_trade_no: paymentId, out_biz_no: 'rf_0000000000notarefund0000000', refund_fee: '5.00' }, 'unknown_refund'],
      [{ out_trade_no: 'pay_0000000000anotherpayment00', out_biz_no: refund.body.id, refund_fee: '5.00' }, 'mismatch'],
    ];
    for (const [fields, reason] of refusals) {
      const res = await postAlipayNotify(fields);
      expect(res.status).toBe(400);
      expect(await res.text()).not.toBe('success');
      expect((await storedCallbacks('alipay')).some((c) => c.reason === reason && c.rawBody.includes(encodeURIComponent(fields.out_biz_no!)))).toBe(true);
    }
    expect((await ledgerOf(order.id)).filter((e) => e.kind === 'refund')).toHaveLength(1);
    expect((await api.get(`/v1/orders/${order.id}`)).body.amountRefunded).toBe(500);
  });
});

describe("the refund of a late success, and its channel's notice", () => {
  it('an Alipay QR paid after the order closed is refunded at once; the trade notification that follows is a harmless duplicate', async () => {
    const order = await api.createOrder({});
    const paid = await api.post(`/v1/orders/${order.id}/pay`, { method: 'alipay' });
    const paymentId = paid.body.payment.id as string;
    // Closed before the payer scanned: Alipay has no trade yet, yet the QR code stays payable until its time_expire.
    expect((await api.post(`/v1/orders/${order.id}/close`, {})).body.status).toBe('CLOSED');
    expect((await fetch(`${runtime.url}/sandbox/channels/alipay/payments/${paymentId}/complete`, { method: 'POST', body: '' })).status).toBe(200);

    const attempt = await eventually(async () => {
      const [current] = await runtime.deps.orders.listAttempts(order.id);
      return current?.lateRefund?.status === 'SUCCEEDED' ? current : undefined;
    }, 20_000, 'the late success to be refunded');
    const [notice] = await eventually(async () => {
      const settled = await settledFor(attempt.lateRefund!.id, 'alipay');
      return settled.length > 0 ? settled : undefined;
    }, 20_000, 'the refund notification');
    expect(notice!.verdict).toBe('duplicate');
    expect(new URLSearchParams(notice!.rawBody).get('trade_status')).toBe('TRADE_CLOSED');
    expect((await ledgerOf(order.id)).map((e) => e.kind).sort()).toEqual(['late_payment', 'late_refund']);
    expect((await api.get(`/v1/orders/${order.id}`)).body.status).toBe('CLOSED');
  });
});
