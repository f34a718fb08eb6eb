import type { DomainEvent } from './stores.js';

/**
 * Ports of the notification pipeline: outbox relay → event bus → queue → notifier → merchant. AWS adapters use
 * EventBridge, SQS and KMS; local adapters give the same semantics (durable queue with visibility timeouts,
 * receive counts and a DLQ; a P-256 key under .data/).
 */

/** Delivery state of an event, kept on the event item. */
export type DeliveryStatus =
  | 'PENDING' // committed, not yet attempted
  | 'RETRYING' // failed at least once, next attempt scheduled
  | 'DELIVERED' // a 2xx arrived
  | 'FAILED' // the schedule is exhausted: parked in the dead-letter queue, redeliverable
  | 'REFUSED' // the cross-check against the stored object failed: never sent
  | 'NO_URL'; // the order has no notifyUrl: nothing to send

export interface DeliveryAttempt {
  readonly at: string;
  /** 1-based, counting scheduled attempts; manual redeliveries and tests carry `manual: true`. */
  readonly attempt: number;
  readonly url: string;
  readonly httpStatus: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
  readonly manual: boolean;
}

export interface StoredEvent extends DomainEvent {
  readonly deliveryStatus: DeliveryStatus;
  readonly attempts: readonly DeliveryAttempt[];
  readonly nextAttemptAt: string | null;
  readonly statusReason: string | null;
}

export interface EventStore extends MerchantEventListing {
  getEvent(eventId: string): Promise<StoredEvent | undefined>;
  /** Oldest first. */
  listEventsOfOrder(orderId: string): Promise<StoredEvent[]>;
  /** Appends the attempt and sets the status in one write. */
  recordAttempt(eventId: string, attempt: DeliveryAttempt, status: DeliveryStatus, nextAttemptAt: string | null): Promise<void>;
  setStatus(eventId: string, status: DeliveryStatus, reason: string | null): Promise<void>;
}

/** Events of one merchant across its orders and agreements, newest first, optionally of one type and delivery status. */
export interface MerchantEventQuery {
  readonly merchantId: string;
  readonly type?: string;
  readonly deliveryStatus?: DeliveryStatus;
  readonly limit: number;
  readonly cursor?: string;
}

export interface MerchantEventListing {
  listEventsOfMerchant(query: MerchantEventQuery): Promise<{ readonly data: StoredEvent[]; readonly nextCursor: string | null }>;
}

/** A queue message: which event, how many scheduled attempts were made, and not before when to try again. */
export interface NotifyMessage {
  readonly eventId: string;
  readonly attempt: number;
  /** Epoch ms. A wait longer than the queue's maximum delay is taken in hops until this time. */
  readonly notBefore?: number;
  /** A merchant-requested redelivery: one attempt, outside the schedule. */
  readonly manual?: boolean;
}

export interface NotificationQueue {
  /** `delayMs` is capped at the queue's maximum delay (SQS: 15 min); longer waits hop with `notBefore`. */
  send(message: NotifyMessage, delayMs: number): Promise<void>;
  /** After the last scheduled attempt: parked, still readable and redeliverable. */
  deadLetter(message: NotifyMessage): Promise<void>;
  readonly maxDelayMs: number;
}

export interface EventBus {
  /** Publishes committed outbox events (at least once: the notifier tolerates duplicates). */
  publish(events: readonly DomainEvent[]): Promise<void>;
}

export interface PlatformKey {
  readonly keyId: string;
  readonly algorithm: 'ECDSA_P256_SHA256';
  readonly publicKeyPem: string;
  /** `retiring` keys still verify old deliveries during a rotation; new ones are signed with the active key. */
  readonly status: 'active' | 'retiring';
}

export interface WebhookSigner {
  readonly keyId: string;
  /** ECDSA P-256 over SHA-256 of `data`; DER-encoded signature (what KMS Sign returns). */
  sign(data: Buffer): Promise<Buffer>;
  publicKeys(): Promise<PlatformKey[]>;
}

/**
 * Why an attempt failed, as merchants see it: a class, never the socket's own text (docs/decisions.md, entry 40).
 * `refused`: an address the platform will not call; `http_status`: an answer that is not 2xx.
 */
export type DeliveryFailure = 'refused' | 'connection_failed' | 'tls_error' | 'timeout' | 'http_status';

export interface WebhookDelivery {
  readonly httpStatus: number | null;
  readonly latencyMs: number;
  readonly error: DeliveryFailure | null;
}

export interface WebhookTransport {
  post(url: string, headers: Readonly<Record<string, string>>, body: string): Promise<WebhookDelivery>;
}
