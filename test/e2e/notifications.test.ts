import { createPublicKey, verify } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMerchant } from '../../shared/services/merchants.js';
import { newId } from '../../shared/domain/ids.js';
import { RETRY_SCHEDULE_SECONDS } from '../../shared/domain/webhook.js';
import type { Runtime } from '../../infra/local/runtime.js';
import type { ApiClient } from '../support/api-client.js';
import { startTestRuntime } from '../support/runtime.js';
import { eventually, WebhookReceiver, type ReceivedWebhook } from '../support/webhook-receiver.js';
import { transitionOrder } from '../../shared/services/state-writer.js';

/** 24 h of schedule in about 9 s. */
const SCALE = 0.0001;

let runtime: Runtime;
let api: ApiClient;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  ({ runtime, api } = await startTestRuntime({ retryTimeScale: SCALE }));
});
afterAll(async () => {
  await runtime?.stop();
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.stop()));
});

async function receiver(respond?: (n: number) => number): Promise<WebhookReceiver> {
  const r = await new WebhookReceiver(respond).start();
  receivers.push(r);
  return r;
}

async function paidOrder(notifyUrl: string): Promise<{ id: string }> {
  const order = (await api.createOrder({ notifyUrl })) as { id: string };
  const paid = await api.pay(order.id);
  expect(paid.status).toBe(200);
  return order;
}

async function eventsOf(orderId: string) {
  const res = await api.get(`/v1/events?orderId=${orderId}`);
  expect(res.status).toBe(200);
  return res.body.data as Array<{ id: string; type: string; data: { object: Record<string, unknown> }; delivery: { status: string; nextAttemptAt: string | null; attempts: Array<{ at: string; attempt: number; httpStatus: number | null; latencyMs: number; error: string | null; manual: boolean }> } }>;
}

async function platformKeys(): Promise<Map<string, string>> {
  const res = await api.get('/v1/platform/keys');
  expect(res.status).toBe(200);
  return new Map((res.body.keys as Array<{ keyId: string; publicKeyPem: string }>).map((k) => [k.keyId, k.publicKeyPem]));
}

function signatureValid(hook: ReceivedWebhook, keys: Map<string, string>): boolean {
  const pem = keys.get(String(hook.headers['x-key-id']));
  if (!pem) return false;
  const signed = Buffer.from(`${hook.headers['x-timestamp']}.${hook.rawBody}`, 'utf8');
  return verify('sha256', signed, createPublicKey(pem), Buffer.from(String(hook.headers['x-signature']), 'base64'));
}

describe('webhooks', () => {
  it('delivers order.succeeded signed with the platform key, with the contract headers, once', async () => {
    const hooks = await receiver();
    const order = await paidOrder(hooks.url);
    await eventually(() => hooks.received.length >= 1, 10_000, 'the webhook');
    const [hook] = hooks.received;
    const body = JSON.parse(hook!.rawBody) as { id: string; type: string; createdAt: string; data: { object: { id: string; status: string; version: number } } };
    expect(body.type).toBe('order.succeeded');
    expect(body.data.object).toMatchObject({ id: order.id, status: 'SUCCEEDED' });
    expect(hook!.headers['x-event-id']).toBe(body.id);
    expect(Number(hook!.headers['x-timestamp'])).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(signatureValid(hook!, await platformKeys())).toBe(true);

    const [event] = await eventually(async () => {
      const events = await eventsOf(order.id);
      return events.every((e) => e.delivery.status === 'DELIVERED') && events.length > 0 ? events : undefined;
    }, 10_000, 'DELIVERED');
    expect(event!.delivery.attempts).toHaveLength(1);
    expect(event!.delivery.attempts[0]).toMatchObject({ attempt: 1, httpStatus: 200, error: null, manual: false });
    // Delivered means no more attempts.
    await new Promise((r) => setTimeout(r, 300));
    expect(hooks.received).toHaveLength(1);
  });

  it('retries on the (scaled) schedule and stops at the first 2xx', async () => {
    const failures = 4;
    const hooks = await receiver((n) => (n <= failures ? 503 : 204));
    const order = await paidOrder(hooks.url);
    await eventually(() => hooks.received.length >= failures + 1, 15_000, 'the fifth attempt');
    await new Promise((r) => setTimeout(r, 500));
    expect(hooks.received.map((h) => h.answeredWith)).toEqual([503, 503, 503, 503, 204]);
    // Each wait is at least the scheduled (scaled) delay.
    for (let i = 1; i < hooks.received.length; i += 1) {
      const gap = hooks.received[i]!.at - hooks.received[i - 1]!.at;
      expect(gap).toBeGreaterThanOrEqual(RETRY_SCHEDULE_SECONDS[i - 1]! * 1000 * SCALE - 5);
    }
    const keys = await platformKeys();
    expect(hooks.received.every((h) => signatureValid(h, keys))).toBe(true);
    expect(new Set(hooks.received.map((h) => h.headers['x-event-id'])).size).toBe(1);

    const [event] = await eventsOf(order.id);
    expect(event!.delivery.status).toBe('DELIVERED');
    expect(event!.delivery.attempts.map((a) => [a.attempt, a.httpStatus])).toEqual([
      [1, 503],
      [2, 503],
      [3, 503],
      [4, 503],
      [5, 204],
    ]);
    for (const attempt of event!.delivery.attempts) expect(attempt.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('parks the event in the DLQ after the last scheduled attempt, and redeliver delivers it later', async () => {
    let accept = false;
    const hooks = await receiver(() => (accept ? 200 : 500));
    const order = await paidOrder(hooks.url);
    const attempts = RETRY_SCHEDULE_SECONDS.length + 1;
    const [failed] = await eventually(async () => {
      const events = await eventsOf(order.id);
      return events[0]?.delivery.status === 'FAILED' ? events : undefined;
    }, 30_000, 'FAILED');
    expect(failed!.delivery.attempts).toHaveLength(attempts);
    expect(hooks.received).toHaveLength(attempts);
    const parked = (await runtime.notifications.deadLetters.all()).map((m) => JSON.parse(m.body as string) as { eventId: string });
    expect(parked.map((m) => m.eventId)).toContain(failed!.id);

    accept = true;
    const redeliver = await api.post(`/v1/events/${failed!.id}/redeliver`, {});
    expect(redeliver.status).toBe(202);
    const [delivered] = await eventually(async () => {
      const events = await eventsOf(order.id);
      return events[0]?.delivery.status === 'DELIVERED' ? events : undefined;
    }, 10_000, 'DELIVERED after redeliver');
    expect(delivered!.delivery.attempts.at(-1)).toMatchObject({ httpStatus: 200, manual: true });
    expect(hooks.received.at(-1)!.answeredWith).toBe(200);
  }, 60_000);

  it('lists events only for the owner of the order, and redelivers only their own events', async () => {
    const hooks = await receiver();
    const order = await paidOrder(hooks.url);
    const [event] = await eventually(async () => {
      const events = await eventsOf(order.id);
      return events.length > 0 ? events : undefined;
    });
    const stranger = api.as(await createMerchant(runtime.deps, { name: 'Stranger' }));
    expect((await stranger.get(`/v1/events?orderId=${order.id}`)).status).toBe(404);
    expect((await stranger.post(`/v1/events/${event!.id}/redeliver`, {})).status).toBe(404);
    // Without orderId the list is the merchant's own events across its objects (decision 163), never another's.
    const own = await stranger.get('/v1/events');
    expect(own.status).toBe(200);
    expect(own.body.data.map((e: { id: string }) => e.id)).not.toContain(event!.id);
    expect((await api.get('/v1/events?orderId=nope')).body.error.param).toBe('orderId');
  });

  it('sends a signed ping to a URL with POST /v1/webhooks/test', async () => {
    const hooks = await receiver();
    const res = await api.post('/v1/webhooks/test', { url: hooks.url });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ delivered: true, httpStatus: 200, error: null });
    expect(hooks.received).toHaveLength(1);
    const body = JSON.parse(hooks.received[0]!.rawBody) as { id: string; type: string };
    expect(body).toMatchObject({ id: res.body.eventId, type: 'ping' });
    expect(signatureValid(hooks.received[0]!, await platformKeys())).toBe(true);
  });

  it('refuses, and never sends, an event that does not match the stored order', async () => {
    const hooks = await receiver();
    const order = (await api.createOrder({ notifyUrl: hooks.url })) as { id: string; amount: number; version: number };
    // A forged outbox item (a well-formed order with a wrong amount) written straight into the table, as a bug or an
    // intruder might.
    const eventId = newId('evt');
    await transitionOrder(runtime.deps, {
      before: (await runtime.deps.orders.getOrder(order.id))!,
      after: { ...(await runtime.deps.orders.getOrder(order.id))!, version: order.version + 1 },
      event: {
        id: eventId,
        type: 'order.succeeded',
        merchantId: api.credentials.merchantId,
        orderId: order.id,
        objectType: 'order',
        objectId: order.id,
        objectVersion: order.version + 1,
        object: { ...order, amount: order.amount * 100, version: order.version + 1, status: 'SUCCEEDED' },
        notifyUrl: hooks.url,
        createdAt: new Date().toISOString(),
      },
    });
    const [refused] = await eventually(async () => {
      const events = await eventsOf(order.id);
      return events[0]?.delivery.status === 'REFUSED' ? events : undefined;
    }, 10_000, 'REFUSED');
    expect(refused).toMatchObject({ id: eventId, delivery: { reason: 'amount mismatch', attempts: [] } });
    // What a refused event carried is never shown: it may describe another order or merchant.
    expect(refused!.data.object).toBeNull();
    expect(hooks.received).toHaveLength(0);
    expect((await api.post(`/v1/events/${eventId}/redeliver`, {})).body.error.code).toBe('event_refused');
  });

  it('refuses notify URLs on metadata and private addresses', async () => {
    for (const url of ['https://169.254.169.254/latest/meta-data', 'https://10.0.0.1/hook', 'http://example.com/hook']) {
      const order = await api.post('/v1/orders', { outTradeNo: `U-${Date.now()}`, amount: 100, currency: 'CNY', subject: 'x', notifyUrl: url });
      expect(order.status, url).toBe(400);
      expect(order.body.error.param).toBe('notifyUrl');
      const test = await api.post('/v1/webhooks/test', { url });
      expect(test.status, url).toBe(400);
      expect(test.body.error.param).toBe('url');
    }
  });
});
