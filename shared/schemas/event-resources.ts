import type * as z from 'zod/mini';
import type { PlatformKey, StoredEvent } from '../ports/notifications.js';
import type { AgreementResource } from './agreement-schemas.js';
import type { OrderResource, RefundResource } from './resources.js';
import type { EventType, eventListSchema, eventSchema, platformKeysSchema, webhookTestResultSchema } from './response-schemas.js';

/**
 * Events as `GET /v1/events` shows them, the platform's public keys and the answer of a test ping; each builder
 * returns the type of its zod schema in response-schemas.ts (types only: no schema is built at run time).
 */
export type EventResource = z.infer<typeof eventSchema>;

/** An event as `GET /v1/events` shows it: what was sent, and every delivery attempt. */
export function eventResource(event: StoredEvent): EventResource {
  return {
    id: event.id,
    object: 'event',
    // The outbox stores what these builders produced: the type one of EVENT_TYPES, the object an order or a refund.
    type: event.type as EventType,
    createdAt: event.createdAt,
    orderId: event.orderId,
    // A refused event's object disagrees with the stored one (a bug or a forgery): it may describe another order or
    // merchant, so it is never shown; `delivery.reason` says what did not match.
    data: { object: event.deliveryStatus === 'REFUSED' ? null : (event.object as OrderResource | RefundResource | AgreementResource) },
    delivery: {
      status: event.deliveryStatus,
      reason: event.statusReason,
      notifyUrl: event.notifyUrl,
      nextAttemptAt: event.nextAttemptAt,
      attempts: event.attempts.map((a) => ({
        at: a.at,
        attempt: a.attempt,
        httpStatus: a.httpStatus,
        latencyMs: a.latencyMs,
        error: a.error,
        manual: a.manual,
      })),
    },
  };
}

export function eventListResource(events: readonly StoredEvent[], nextCursor: string | null = null): z.infer<typeof eventListSchema> {
  return { object: 'list', data: events.map(eventResource), nextCursor };
}

export function platformKeysResource(keys: readonly PlatformKey[]): z.infer<typeof platformKeysSchema> {
  return { keys: keys.map((k) => ({ keyId: k.keyId, algorithm: k.algorithm, publicKeyPem: k.publicKeyPem, status: k.status })) };
}

export function webhookTestResource(
  url: string,
  result: { eventId: string; delivered: boolean; httpStatus: number | null; latencyMs: number; error: string | null },
): z.infer<typeof webhookTestResultSchema> {
  return { object: 'webhook_test', url, eventId: result.eventId, delivered: result.delivered, httpStatus: result.httpStatus, latencyMs: result.latencyMs, error: result.error };
}
