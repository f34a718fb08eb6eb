import type { DomainEvent } from '../ports/stores.js';

/**
 * Webhook rules as pure functions: the retry schedule, the payload merchants receive, the bytes that are signed,
 * and the integrity check between an event and the object it describes.
 */

/** EventBridge `source` of the platform's domain events (the notification rule matches on it). */
export const DOMAIN_EVENT_SOURCE = 'openpay.payments';

/** Only events whose order has a notifyUrl go to the notification queue (the rule matches `detail.notify`). */
export function wantsWebhook(event: Pick<DomainEvent, 'notifyUrl'>): boolean {
  return event.notifyUrl !== null && event.notifyUrl !== '';
}

/** Waits after each failed attempt, in seconds (contract, "Notifications"): 16 attempts over about 24 h. */
export const RETRY_SCHEDULE_SECONDS: readonly number[] = [
  15, 15, 30, 3 * 60, 10 * 60, 20 * 60, 30 * 60, 30 * 60, 30 * 60, 60 * 60, 3 * 3600, 3 * 3600, 3 * 3600, 6 * 3600, 6 * 3600,
];

/** The contract's "any 2xx within 10 s is a delivery". */
export const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * The wait before the next attempt after `failedAttempts` failures (1-based), scaled by PAY_RETRY_TIME_SCALE, or
 * null when the schedule is exhausted and the event goes to the dead-letter queue.
 */
export function nextRetryDelayMs(failedAttempts: number, scale = 1): number | null {
  const seconds = RETRY_SCHEDULE_SECONDS[failedAttempts - 1];
  if (seconds === undefined || failedAttempts < 1) return null;
  return Math.round(seconds * 1000 * scale);
}

export function isDelivered(httpStatus: number | null): boolean {
  return httpStatus !== null && httpStatus >= 200 && httpStatus < 300;
}

/** The JSON merchants receive: `{ id, type, createdAt, data: { object } }`. */
export function webhookBody(event: Pick<DomainEvent, 'id' | 'type' | 'createdAt' | 'object'>): string {
  return JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt, data: { object: event.object } });
}

/** What is signed: `TIMESTAMP + "." + rawBody`, as UTF-8 bytes. */
export function webhookSigningInput(timestampSeconds: number, rawBody: string): Buffer {
  return Buffer.from(`${timestampSeconds}.${rawBody}`, 'utf8');
}

export type WebhookHeaders = {
  readonly 'Content-Type': string;
  readonly 'User-Agent': string;
  readonly 'X-Event-Id': string;
  readonly 'X-Timestamp': string;
  readonly 'X-Key-Id': string;
  readonly 'X-Signature': string;
};

export function webhookHeaders(eventId: string, timestampSeconds: number, keyId: string, signatureDer: Buffer): WebhookHeaders {
  return {
    'Content-Type': 'application/json; charset=utf-8',
    'User-Agent': 'open-pay-webhooks/1',
    'X-Event-Id': eventId,
    'X-Timestamp': String(timestampSeconds),
    'X-Key-Id': keyId,
    'X-Signature': signatureDer.toString('base64'),
  };
}

/** The stored object an event describes, reduced to the fields the cross-check compares. */
export interface StoredObject {
  readonly merchantId: string;
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  readonly version: number;
}

/**
 * Before an event leaves, its fields must agree with the stored object: same merchant, same order, same amount and
 * currency, and a version the object has reached. A mismatch means a corrupted or forged event: it is refused.
 * Returns the reason, or null when the event is consistent.
 */
export function crossCheckEvent(event: DomainEvent, stored: StoredObject | undefined): string | null {
  if (!stored) return `${event.objectType} ${event.objectId} does not exist`;
  if (stored.merchantId !== event.merchantId) return 'merchant mismatch';
  if (stored.orderId !== event.orderId) return 'order mismatch';
  const object = event.object as { id?: unknown; amount?: unknown; maxAmountPerDebit?: unknown; currency?: unknown; version?: unknown };
  if (object.id !== event.objectId) return 'object id mismatch';
  // An agreement's money is its limit per debit; an order's and a refund's, their amount.
  const amount = event.objectType === 'agreement' ? object.maxAmountPerDebit : object.amount;
  if (amount !== stored.amount || object.currency !== stored.currency) return 'amount mismatch';
  if (object.version !== event.objectVersion || event.objectVersion > stored.version) return 'version mismatch';
  return null;
}
