import { describe, expect, it } from 'vitest';
import { parseNotifyMessage, handler as notifierHandler } from '../../functions/notify/notifier.js';
import { outboxEvent } from '../../functions/notify/relay.js';
import { setNotifyDeps } from '../../functions/notify/compose.js';
import { RETRY_SCHEDULE_SECONDS } from '../../shared/domain/webhook.js';
import type { DeliveryAttempt, DeliveryStatus, EventStore, NotificationQueue, NotifyMessage, StoredEvent, WebhookSigner, WebhookTransport } from '../../shared/ports/notifications.js';
import { processNotification, type NotifyDeps } from '../../shared/services/notifications.js';

const NOW = 1_795_560_000_000;
const ORDER = { id: 'ord_01', merchantId: 'm_1', amount: 1999, currency: 'CNY', version: 3 };

function storedEvent(over: Partial<StoredEvent> = {}): StoredEvent {
  return {
    id: 'evt_01m87xr9aw8e9w1aybh8rp4n77',
    type: 'order.succeeded',
    merchantId: 'm_1',
    orderId: 'ord_01',
    objectType: 'order',
    objectId: 'ord_01',
    objectVersion: 3,
    object: { id: 'ord_01', amount: 1999, currency: 'CNY', version: 3, status: 'SUCCEEDED' },
    notifyUrl: 'https://merchant.example/hook',
    createdAt: new Date(NOW).toISOString(),
    deliveryStatus: 'PENDING',
    attempts: [],
    nextAttemptAt: null,
    statusReason: null,
    ...over,
  };
}

/** In-memory ports: the service is what is under test. */
function harness(event: StoredEvent | undefined, httpStatus: number | null = 200) {
  let current = event;
  const sent: Array<{ message: NotifyMessage; delayMs: number }> = [];
  const dead: NotifyMessage[] = [];
  const posts: Array<{ url: string; headers: Record<string, string>; body: string }> = [];
  const events: EventStore = {
    listEventsOfMerchant: async () => ({ data: [], nextCursor: null }),
    getEvent: async () => current,
    listEventsOfOrder: async () => (current ? [current] : []),
    recordAttempt: async (_id, attempt: DeliveryAttempt, status: DeliveryStatus, nextAttemptAt) => {
      current = { ...current!, attempts: [...current!.attempts, attempt], deliveryStatus: status, nextAttemptAt };
    },
    setStatus: async (_id, status, reason) => {
      current = { ...current!, deliveryStatus: status, statusReason: reason };
    },
  };
  const queue: NotificationQueue = {
    maxDelayMs: 900_000,
    send: async (message, delayMs) => {
      sent.push({ message, delayMs });
    },
    deadLetter: async (message) => {
      dead.push(message);
    },
  };
  const signer: WebhookSigner = { keyId: 'k1', sign: async () => Buffer.from('sig'), publicKeys: async () => [] };
  const transport: WebhookTransport = {
    post: async (url, headers, body) => {
      posts.push({ url, headers: { ...headers }, body });
      return { httpStatus, latencyMs: 3, error: httpStatus === null ? 'connection_failed' : httpStatus < 300 ? null : 'http_status' };
    },
  };
  const deps: NotifyDeps = {
    events,
    orders: { getOrder: async (id) => (id === ORDER.id ? (ORDER as never) : undefined), getRefund: async () => undefined },
    agreements: { get: async () => undefined },
    queue,
    signer,
    transport,
    now: () => NOW,
    retryTimeScale: 1,
  };
  return { deps, sent, dead, posts, current: () => current };
}

describe('processNotification', () => {
  it('delivers a signed webhook and marks the event DELIVERED', async () => {
    const h = harness(storedEvent());
    expect(await processNotification(h.deps, { eventId: 'evt_01m87xr9aw8e9w1aybh8rp4n77', attempt: 0 })).toBe('delivered');
    expect(h.posts).toHaveLength(1);
    expect(h.posts[0]!.headers).toMatchObject({ 'X-Event-Id': 'evt_01m87xr9aw8e9w1aybh8rp4n77', 'X-Key-Id': 'k1', 'X-Signature': Buffer.from('sig').toString('base64'), 'X-Timestamp': String(NOW / 1000) });
    expect(JSON.parse(h.posts[0]!.body)).toEqual({ id: 'evt_01m87xr9aw8e9w1aybh8rp4n77', type: 'order.succeeded', createdAt: new Date(NOW).toISOString(), data: { object: storedEvent().object } });
    expect(h.current()).toMatchObject({ deliveryStatus: 'DELIVERED', attempts: [{ attempt: 1, httpStatus: 200 }] });
    expect(h.sent).toEqual([]);
  });

  it('schedules the next attempt as a new message with the scheduled wait, enqueued before the attempt is recorded', async () => {
    const h = harness(storedEvent(), 500);
    expect(await processNotification(h.deps, { eventId: 'evt_01m87xr9aw8e9w1aybh8rp4n77', attempt: 0 })).toBe('retry_scheduled');
    expect(h.sent).toEqual([{ message: { eventId: 'evt_01m87xr9aw8e9w1aybh8rp4n77', attempt: 1, notBefore: NOW + 15_000 }, delayMs: 15_000 }]);
    expect(h.current()).toMatchObject({ deliveryStatus: 'RETRYING', nextAttemptAt: new Date(NOW + 15_000).toISOString() });
  });

  it('caps a long wait at the queue maximum: the message hops until notBefore', async () => {
    const attempts = Array.from({ length: 10 }, (_, i) => ({ at: '', attempt: i + 1, url: '', httpStatus: 500, latencyMs: 1, error: null, manual: false }));
    const h = harness(storedEvent({ attempts, deliveryStatus: 'RETRYING' }), 500);
    expect(await processNotification(h.deps, { eventId: 'evt_01m87xr9aw8e9w1aybh8rp4n77', attempt: 10 })).toBe('retry_scheduled');
    expect(h.sent[0]).toEqual({ message: expect.objectContaining({ attempt: 11, notBefore: NOW + 3 * 3600_000 }), delayMs: 900_000 });

    const hop = harness(storedEvent({ attempts: [...attempts, { ...attempts[0]!, attempt: 11 }] }), 500);
    const early = { eventId: 'evt_01m87xr9aw8e9w1aybh8rp4n77', attempt: 11, notBefore: NOW + 1_000_000 };
    expect(await processNotification(hop.deps, early)).toBe('hopped');
    expect(hop.sent).toEqual([{ message: early, delayMs: 900_000 }]);
    expect(hop.posts).toEqual([]);
  });

  it('parks the event in the DLQ after the 16th failed attempt', async () => {
    const last = RETRY_SCHEDULE_SECONDS.length; // 15 attempts made
    const attempts = Array.from({ length: last }, (_, i) => ({ at: '', attempt: i + 1, url: '', httpStatus: 500, latencyMs: 1, error: null, manual: false }));
    const h = harness(storedEvent({ attempts, deliveryStatus: 'RETRYING' }), null);
    expect(await processNotification(h.deps, { eventId: 'evt_01m87xr9aw8e9w1aybh8rp4n77', attempt: last })).toBe('dead_lettered');
    expect(h.dead).toEqual([{ eventId: 'evt_01m87xr9aw8e9w1aybh8rp4n77', attempt: 16 }]);
    expect(h.sent).toEqual([]);
    expect(h.current()).toMatchObject({ deliveryStatus: 'FAILED' });
  });

  it('drops duplicates: a delivered event, or a message for an attempt already made', async () => {
    const delivered = harness(storedEvent({ deliveryStatus: 'DELIVERED' }));
    expect(await processNotification(delivered.deps, { eventId: 'evt_01m87xr9aw8e9w1aybh8rp4n77', attempt: 0 })).toBe('duplicate');
    const stale = harness(storedEvent({ deliveryStatus: 'RETRYING', attempts: [{ at: '', attempt: 1, url: '', httpStatus: 500, latencyMs: 1, error: null, manual: false }] }));
    expect(await processNotification(stale.deps, { eventId: 'evt_01m87xr9aw8e9w1aybh8rp4n77', attempt: 0 })).toBe('duplicate');
    expect([...delivered.posts, ...stale.posts]).toEqual([]);
  });

  it('refuses an event that does not match the stored order, and sends nothing', async () => {
    const h = harness(storedEvent({ object: { id: 'ord_01', amount: 1, currency: 'CNY', version: 3 } }));
    expect(await processNotification(h.deps, { eventId: 'evt_01m87xr9aw8e9w1aybh8rp4n77', attempt: 0 })).toBe('refused');
    expect(h.posts).toEqual([]);
    expect(h.current()).toMatchObject({ deliveryStatus: 'REFUSED', statusReason: 'amount mismatch' });
  });

  it('makes one manual attempt on redelivery, without scheduling more', async () => {
    const h = harness(storedEvent({ deliveryStatus: 'FAILED' }), 500);
    expect(await processNotification(h.deps, { eventId: 'evt_01m87xr9aw8e9w1aybh8rp4n77', attempt: 0, manual: true })).toBe('failed');
    expect(h.sent).toEqual([]);
    expect(h.current()).toMatchObject({ deliveryStatus: 'FAILED', attempts: [{ manual: true, httpStatus: 500 }] });
  });
});

describe('relay and notifier handlers', () => {
  it('relays only inserted Event items', () => {
    const image = { PK: { S: 'EVENT#e' }, SK: { S: 'EVENT' }, entity: { S: 'Event' }, id: { S: 'evt_x' }, deliveryStatus: { S: 'PENDING' } };
    expect(outboxEvent({ eventName: 'INSERT', dynamodb: { NewImage: image } } as never)).toEqual({ id: 'evt_x' });
    expect(outboxEvent({ eventName: 'MODIFY', dynamodb: { NewImage: image } } as never)).toBeNull();
    expect(outboxEvent({ eventName: 'INSERT', dynamodb: { NewImage: { ...image, entity: { S: 'Order' } } } } as never)).toBeNull();
  });

  it('parses queue messages strictly and reports a malformed one as a batch item failure', async () => {
    expect(parseNotifyMessage('{"eventId":"evt_01m87xr9aw8e9w1aybh8rp4n77","attempt":2,"notBefore":5,"manual":true,"type":"x"}')).toEqual({
      eventId: 'evt_01m87xr9aw8e9w1aybh8rp4n77',
      attempt: 2,
      notBefore: 5,
      manual: true,
    });
    expect(() => parseNotifyMessage('{"eventId":"nope"}')).toThrow();
    const h = harness(storedEvent());
    setNotifyDeps(h.deps);
    const response = await notifierHandler({
      Records: [
        { messageId: 'm-1', body: 'not json' },
        { messageId: 'm-2', body: JSON.stringify({ eventId: 'evt_01m87xr9aw8e9w1aybh8rp4n77', attempt: 0 }) },
      ],
    } as never);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(h.posts).toHaveLength(1);
  });
});
