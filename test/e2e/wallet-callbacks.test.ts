import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import type { NetbankEmulatorKeys } from '../../shared/channels/netbank/credentials.js';
import { netbankHeaderRecord, signNetbankMessage } from '../../shared/channels/netbank/signature.js';
import type { LedgerEntry } from '../../shared/domain/ledger.js';
import type { Runtime } from '../../infra/local/runtime.js';
import type { ApiClient } from '../support/api-client.js';
import { startTestRuntime } from '../support/runtime.js';
import { useWebhookReceivers } from '../support/use-webhook-receivers.js';
import { eventually, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * Wallet and bank payments completed by the channel's signed asynchronous callback (contract, Channel callbacks and
 * the sandbox complete endpoint), over HTTP: pay → REQUIRES_ACTION → the sandbox channel's complete → its callback to
 * `POST /callbacks/{channel}` → the order, its ledger entry and its webhook.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'pay-callbacks-'));
let runtime: Runtime;
let api: ApiClient;

beforeAll(async () => {
  ({ runtime, api } = await startTestRuntime({ dataDir, retryTimeScale: 0.001 }));
});
afterAll(async () => runtime?.stop());
const hooks = useWebhookReceivers();

async function awaitingPayer(method: string, notifyUrl?: string) {
  const order = await api.createOrder(notifyUrl ? { notifyUrl } : {});
  const paid = await api.post(`/v1/orders/${order.id}/pay`, { method });
  expect(paid.body.status).toBe('REQUIRES_ACTION');
  return { orderId: order.id as string, payment: paid.body.payment as { id: string; channelPaymentId: string } };
}

const complete = (channel: string, channelPaymentId: string, outcome?: 'succeeded' | 'failed') =>
  fetch(`${runtime.url}/sandbox/channels/${channel}/payments/${encodeURIComponent(channelPaymentId)}/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: outcome ? JSON.stringify({ outcome }) : '',
  });

async function ledgerOf(orderId: string): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for await (const entry of runtime.deps.ledger.allEntries()) if (entry.orderId === orderId) entries.push(entry);
  return entries;
}

/** The raw callbacks the platform stored (audit items), with what became of each. */
async function storedCallbacks(channel: string): Promise<Array<{ rawBody: string; verdict?: string; reason?: string; paymentId?: string }>> {
  const db = createDocumentClient({ endpoint: runtime.dynamoEndpoint, region: 'local' });
  try {
    const out = await db.send(
      new ScanCommand({ TableName: runtime.config.TABLE_NAME, FilterExpression: 'entity = :e AND channel = :c', ExpressionAttributeValues: { ':e': 'RawCallback', ':c': channel } }),
    );
    return (out.Items ?? []) as Array<{ rawBody: string; verdict?: string; reason?: string; paymentId?: string }>;
  } finally {
    db.destroy();
  }
}

const eventTypes = (hook: WebhookReceiver) => hook.received.map((h) => (JSON.parse(h.rawBody) as { type: string }).type);

describe.each(['wechat_pay', 'alipay', 'netbank'])('%s: completed by the channel callback', (channel) => {
  it('succeeded: SUCCEEDED via the callback, one ledger entry, order.succeeded; twice changes nothing more', async () => {
    const hook = await hooks();
    const { orderId, payment } = await awaitingPayer(channel, hook.url);
    expect((await complete(channel, payment.channelPaymentId)).status).toBeLessThan(300);
    const order = await eventually(async () => {
      const got = await api.get(`/v1/orders/${orderId}`);
      return got.body.status === 'SUCCEEDED' ? got.body : undefined;
    }, 20_000, 'the order to succeed');
    expect(order.payment).toMatchObject({ id: payment.id, channel });
    await eventually(() => eventTypes(hook).includes('order.succeeded'), 20_000, 'the webhook');

    // The payer's channel sends its callback again: still one capture, one ledger entry, one order.succeeded.
    const versionBefore = (await api.get(`/v1/orders/${orderId}`)).body.version;
    expect((await complete(channel, payment.channelPaymentId)).status).toBeLessThan(300);
    const mine = await eventually(async () => {
      const settled = (await storedCallbacks(channel)).filter((c) => c.paymentId === payment.id && c.verdict);
      return settled.length >= 2 ? settled : undefined;
    }, 20_000, 'the second callback');
    expect(mine.map((c) => c.verdict).sort()).toEqual(['accepted', 'duplicate']);
    const again = await api.get(`/v1/orders/${orderId}`);
    expect(again.body.status).toBe('SUCCEEDED');
    expect(again.body.version).toBe(versionBefore);
    expect((await ledgerOf(orderId)).filter((e) => e.kind === 'payment')).toHaveLength(1);
    expect(eventTypes(hook).filter((t) => t === 'order.succeeded')).toHaveLength(1);
  });

  it('failed: back to CREATED with lastPaymentError and order.payment_failed', async () => {
    const hook = await hooks();
    const { orderId, payment } = await awaitingPayer(channel, hook.url);
    expect((await complete(channel, payment.channelPaymentId, 'failed')).status).toBeLessThan(300);
    const order = await eventually(async () => {
      const got = await api.get(`/v1/orders/${orderId}`);
      return got.body.status === 'CREATED' ? got.body : undefined;
    }, 20_000, 'the order to return to CREATED');
    expect(order.lastPaymentError).toBeTruthy();
    await eventually(() => eventTypes(hook).includes('order.payment_failed'), 20_000, 'the webhook');
    expect(await ledgerOf(orderId)).toHaveLength(0);
  });

  it('a forged callback (no valid signature) is refused 4xx and changes nothing', async () => {
    const { orderId } = await awaitingPayer(channel);
    const res = await fetch(`${runtime.url}/callbacks/${channel}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'wechatpay-signature': 'Zm9yZ2Vk', 'x-nb-signature': 'Zm9yZ2Vk' },
      body: JSON.stringify({ out_trade_no: orderId, trade_status: 'TRADE_SUCCESS', status: 'PAID' }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await api.get(`/v1/orders/${orderId}`)).body.status).toBe('REQUIRES_ACTION');
    expect((await storedCallbacks(channel)).find((c) => c.rawBody.includes(orderId))).toMatchObject({ verdict: 'rejected' });
  });
});

/** A notify signed with the sandbox bank's own key, sent to the platform's callback route as the bank sends it. */
function postNetbankNotify(keys: NetbankEmulatorKeys, body: string): Promise<Response> {
  return fetch(`${runtime.url}/callbacks/netbank`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...netbankHeaderRecord(signNetbankMessage(keys.signingKey, body, new Date())) },
    body,
  });
}

describe('callbacks the platform refuses', () => {
  it('a validly signed netbank notify whose amount differs from the payment: 4xx, nothing changes', async () => {
    const { orderId, payment } = await awaitingPayer('netbank');
    const keys = JSON.parse(readFileSync(join(dataDir, 'sandbox-channels', 'netbank.json'), 'utf8')) as NetbankEmulatorKeys;
    const body = JSON.stringify({
      notifyId: 'ntf-mismatch-1',
      notifyType: 'PAYMENT',
      merchantNo: keys.merchants[0]!.merchantNo,
      orderNo: payment.id,
      bankOrderId: payment.channelPaymentId,
      status: 'PAID',
      amount: '0.01',
      currency: 'CNY',
      paidTime: new Date().toISOString(),
    });
    const res = await postNetbankNotify(keys, body);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const order = await api.get(`/v1/orders/${orderId}`);
    expect(order.body.status).toBe('REQUIRES_ACTION');
    expect(await ledgerOf(orderId)).toHaveLength(0);
    // Kept for audit, with why it was refused.
    expect((await storedCallbacks('netbank')).find((c) => c.rawBody === body)).toMatchObject({ verdict: 'rejected', reason: 'mismatch' });
  });

  it("a validly signed netbank notify naming another channel's payment: 4xx, nothing changes", async () => {
    const { orderId, payment } = await awaitingPayer('wechat_pay');
    const keys = JSON.parse(readFileSync(join(dataDir, 'sandbox-channels', 'netbank.json'), 'utf8')) as NetbankEmulatorKeys;
    const body = JSON.stringify({
      notifyId: 'ntf-other-channel-1',
      notifyType: 'PAYMENT',
      merchantNo: keys.merchants[0]!.merchantNo,
      orderNo: payment.id,
      bankOrderId: 'B-not-ours',
      status: 'PAID',
      amount: '19.99',
      currency: 'CNY',
      paidTime: new Date().toISOString(),
    });
    const res = await postNetbankNotify(keys, body);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await api.get(`/v1/orders/${orderId}`)).body.status).toBe('REQUIRES_ACTION');
    expect((await storedCallbacks('netbank')).find((c) => c.rawBody === body)).toMatchObject({ verdict: 'rejected' });
  });

  it('an unknown channel is a JSON 404', async () => {
    const res = await fetch(`${runtime.url}/callbacks/nope`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('resource_missing');
  });
});

describe('refund of a wallet payment', () => {
  it('refunds an alipay payment completed by its callback', async () => {
    const { orderId, payment } = await awaitingPayer('alipay');
    await complete('alipay', payment.channelPaymentId);
    await eventually(async () => (await api.get(`/v1/orders/${orderId}`)).body.status === 'SUCCEEDED', 20_000, 'the payment');
    const refund = await api.post(`/v1/orders/${orderId}/refunds`, { outRefundNo: `R-${payment.id}`, amount: 500 });
    expect(refund.status).toBeLessThan(300);
    const settled = await eventually(async () => {
      const got = await api.get(`/v1/refunds/${refund.body.id}`);
      return got.body.status === 'SUCCEEDED' ? got.body : undefined;
    }, 20_000, 'the refund');
    expect(settled.amount).toBe(500);
  });
});
