import type { DynamoPayoutStore } from '../adapters/dynamodb/payout-store.js';
import type { AgreementStore } from '../ports/agreement-store.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import {
  crossCheckEvent,
  isDelivered,
  nextRetryDelayMs,
  webhookBody,
  webhookHeaders,
  webhookSigningInput,
  type StoredObject,
} from '../domain/webhook.js';
import { logger } from '../logger.js';
import type {
  DeliveryAttempt,
  EventBus,
  EventStore,
  NotificationQueue,
  NotifyMessage,
  PlatformKey,
  StoredEvent,
  WebhookDelivery,
  WebhookSigner,
  WebhookTransport,
} from '../ports/notifications.js';
import type { DomainEvent, OrderStore } from '../ports/stores.js';

/** What the notification services use; composed per function (relay, notifier, events API). */
export interface NotifyDeps {
  readonly events: EventStore;
  readonly orders: Pick<OrderStore, 'getOrder' | 'getRefund'>;
  /** Agreement events are cross-checked against the stored agreement. */
  readonly agreements: Pick<AgreementStore, 'get'>;
  /** Payout events are cross-checked against the stored payout; without the store they are refused. */
  readonly payouts?: Pick<DynamoPayoutStore, 'get'>;
  readonly queue: NotificationQueue;
  readonly signer: WebhookSigner;
  readonly transport: WebhookTransport;
  readonly now: () => number;
  /** PAY_RETRY_TIME_SCALE: multiplies every retry delay (local mode runs the 24 h schedule in seconds). */
  readonly retryTimeScale: number;
}

/** The outbox relay: committed Event items, in stream order, onto the bus. */
export async function relayOutbox(bus: EventBus, events: readonly DomainEvent[]): Promise<void> {
  if (events.length > 0) await bus.publish(events);
}

export type NotificationOutcome = 'delivered' | 'retry_scheduled' | 'dead_lettered' | 'failed' | 'hopped' | 'duplicate' | 'refused' | 'no_url' | 'missing';

/**
 * One queue message: deliver the event (signed), record the attempt, and schedule what comes next. At-least-once
 * safe: a message for an attempt that was already made, or for an event already delivered, is dropped; retries are
 * new messages, enqueued before the attempt is recorded, so a crash in between repeats an attempt, never loses one.
 */
export async function processNotification(deps: NotifyDeps, message: NotifyMessage): Promise<NotificationOutcome> {
  const nowMs = deps.now();
  const event = await deps.events.getEvent(message.eventId);
  if (!event) {
    logger.warn('notification for an unknown event', { eventId: message.eventId });
    return 'missing';
  }
  if (!message.manual) {
    if (event.deliveryStatus === 'DELIVERED' || event.deliveryStatus === 'REFUSED' || event.deliveryStatus === 'NO_URL') return 'duplicate';
    const scheduledAttempts = event.attempts.filter((a) => !a.manual).length;
    if (scheduledAttempts > message.attempt) return 'duplicate';
  }
  if (message.notBefore !== undefined && message.notBefore > nowMs) {
    // A wait longer than the queue's maximum delay: take the next hop.
    await deps.queue.send(message, Math.min(message.notBefore - nowMs, deps.queue.maxDelayMs));
    return 'hopped';
  }

  const problem = crossCheckEvent(event, await storedObject(deps, event));
  if (problem) {
    logger.error('event refused: it does not match the stored object', { eventId: event.id, orderId: event.orderId, problem });
    await deps.events.setStatus(event.id, 'REFUSED', problem);
    return 'refused';
  }
  if (!event.notifyUrl) {
    await deps.events.setStatus(event.id, 'NO_URL', 'the order has no notifyUrl');
    return 'no_url';
  }

  const attemptNumber = message.manual ? event.attempts.length + 1 : message.attempt + 1;
  const startedAt = new Date(nowMs).toISOString();
  const delivery = await sendSigned(deps, event.notifyUrl, event);
  const attempt: DeliveryAttempt = { at: startedAt, attempt: attemptNumber, url: event.notifyUrl, ...delivery, manual: message.manual === true };
  logger.info('webhook attempt', { eventId: event.id, orderId: event.orderId, attempt: attemptNumber, httpStatus: delivery.httpStatus, latencyMs: delivery.latencyMs, error: delivery.error });

  if (isDelivered(delivery.httpStatus)) {
    await deps.events.recordAttempt(event.id, attempt, 'DELIVERED', null);
    return 'delivered';
  }
  if (message.manual) {
    // A redelivery is one attempt; the event keeps its state (FAILED stays redeliverable).
    await deps.events.recordAttempt(event.id, attempt, event.deliveryStatus === 'PENDING' ? 'RETRYING' : event.deliveryStatus, event.nextAttemptAt);
    return 'failed';
  }
  const delayMs = nextRetryDelayMs(attemptNumber, deps.retryTimeScale);
  if (delayMs === null) {
    await deps.queue.deadLetter({ eventId: event.id, attempt: attemptNumber });
    await deps.events.recordAttempt(event.id, attempt, 'FAILED', null);
    return 'dead_lettered';
  }
  const notBefore = deps.now() + delayMs;
  await deps.queue.send({ eventId: event.id, attempt: attemptNumber, notBefore }, Math.min(delayMs, deps.queue.maxDelayMs));
  await deps.events.recordAttempt(event.id, attempt, 'RETRYING', new Date(notBefore).toISOString());
  return 'retry_scheduled';
}

async function storedObject(deps: NotifyDeps, event: StoredEvent): Promise<StoredObject | undefined> {
  if (event.objectType === 'order') {
    const order = await deps.orders.getOrder(event.objectId);
    return order && { merchantId: order.merchantId, orderId: order.id, amount: order.amount, currency: order.currency, version: order.version };
  }
  if (event.objectType === 'agreement') return storedAgreement(deps, event.objectId);
  if (event.objectType === 'payout') {
    const payout = await deps.payouts?.get(event.objectId);
    // A payout is its own events' scope, as an agreement is.
    return payout && { merchantId: payout.merchantId, orderId: payout.id, amount: payout.amount, currency: payout.currency, version: payout.version };
  }
  const refund = await deps.orders.getRefund(event.objectId);
  return refund && { merchantId: refund.merchantId, orderId: refund.orderId, amount: refund.amount, currency: refund.currency, version: refund.version };
}

/** An agreement's cross-check: its merchant, its id as the event's scope, maxAmountPerDebit and currency, its version. */
async function storedAgreement(deps: NotifyDeps, agreementId: string): Promise<StoredObject | undefined> {
  const agreement = await deps.agreements.get(agreementId);
  return agreement && { merchantId: agreement.merchantId, orderId: agreement.id, amount: agreement.maxAmountPerDebit, currency: agreement.currency, version: agreement.version };
}

async function sendSigned(
  deps: Pick<NotifyDeps, 'signer' | 'transport' | 'now'>,
  url: string,
  event: Pick<DomainEvent, 'id' | 'type' | 'createdAt' | 'object'>,
): Promise<WebhookDelivery> {
  const body = webhookBody(event);
  const timestamp = Math.floor(deps.now() / 1000);
  const signature = await deps.signer.sign(webhookSigningInput(timestamp, body));
  return deps.transport.post(url, webhookHeaders(event.id, timestamp, deps.signer.keyId, signature), body);
}

/**
 * GET /v1/events?orderId=…: the events of an order, or of an agreement (`agr_…`: an agreement's events are scoped by
 * its id, entry 128), with every attempt; only the owner sees them, another merchant's id is 404 like a missing one
 * (docs/decisions.md, 144).
 */
export async function listObjectEvents(deps: Pick<NotifyDeps, 'events' | 'orders' | 'agreements'>, merchantId: string, scopeId: string): Promise<StoredEvent[]> {
  const isAgreement = scopeId.startsWith('agr_');
  const owner = isAgreement ? (await deps.agreements.get(scopeId))?.merchantId : (await deps.orders.getOrder(scopeId))?.merchantId;
  if (owner !== merchantId) throw new NotFoundError(isAgreement ? 'agreement' : 'order', 'orderId');
  return (await deps.events.listEventsOfOrder(scopeId)).filter((e) => e.merchantId === merchantId);
}

/** POST /v1/events/{id}/redeliver: one more signed attempt, now, whatever the event's state. */
export async function redeliverEvent(deps: Pick<NotifyDeps, 'events' | 'queue'>, merchantId: string, eventId: string): Promise<StoredEvent> {
  const event = await deps.events.getEvent(eventId);
  if (!event || event.merchantId !== merchantId) throw new NotFoundError('event', 'id');
  if (event.deliveryStatus === 'REFUSED') {
    throw new ConflictError('event_refused', 'This event failed its integrity check and is never delivered.');
  }
  if (!event.notifyUrl) throw new ConflictError('no_notify_url', 'The order has no notifyUrl to deliver to.');
  await deps.queue.send({ eventId: event.id, attempt: 0, manual: true }, 0);
  return event;
}

export interface TestWebhookResult extends WebhookDelivery {
  readonly eventId: string;
  readonly delivered: boolean;
}

/** POST /v1/webhooks/test: a signed `ping` to a URL, synchronously, with the same SSRF rules as real deliveries. */
export async function sendTestWebhook(
  deps: Pick<NotifyDeps, 'signer' | 'transport' | 'now'>,
  merchantId: string,
  url: string,
): Promise<TestWebhookResult> {
  const nowMs = deps.now();
  const event = { id: newId('evt', nowMs), type: 'ping', createdAt: new Date(nowMs).toISOString(), object: { object: 'ping', merchantId } };
  const delivery = await sendSigned(deps, url, event);
  return { eventId: event.id, delivered: isDelivered(delivery.httpStatus), ...delivery };
}

export async function platformKeys(deps: Pick<NotifyDeps, 'signer'>): Promise<PlatformKey[]> {
  return deps.signer.publicKeys();
}
