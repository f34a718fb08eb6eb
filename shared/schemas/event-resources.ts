import * as z from 'zod/mini';
import type { PlatformKey, StoredEvent } from '../ports/notifications.js';
import { idParam } from './requests.js';
import { orderSchema, refundSchema, timeSchema, type OrderResource, type RefundResource } from './resources.js';

/**
 * Events and webhooks as merchants see them: the payload POSTed to a notifyUrl, an event with its delivery history
 * (`GET /v1/events`), the platform's public keys and the answer of a test ping. Zod schemas with builders typed by
 * them, like resources.ts; the OpenAPI document's `webhooks` section is generated from the payload schemas.
 */

/** Every event type the platform emits, by the kind of object it carries. */
export const ORDER_EVENT_TYPES = ['order.succeeded', 'order.authorized', 'order.closed', 'order.payment_failed'] as const;
export const REFUND_EVENT_TYPES = ['refund.succeeded', 'refund.failed'] as const;
export const EVENT_TYPES = [...ORDER_EVENT_TYPES, ...REFUND_EVENT_TYPES] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const eventId = idParam('evt');

/** The body of a webhook (shared/domain/webhook.ts `webhookBody`): `data.object` is the object after the change. */
const payload = <T extends z.ZodMiniType, O extends z.ZodMiniType>(type: T, object: O) =>
  z.object({ id: eventId, type, createdAt: timeSchema, data: z.object({ object }) });

export const orderEventPayloadSchema = payload(z.enum(ORDER_EVENT_TYPES), orderSchema);
export const refundEventPayloadSchema = payload(z.enum(REFUND_EVENT_TYPES), refundSchema);
export const pingPayloadSchema = payload(
  z.literal('ping'),
  z.object({ object: z.literal('ping'), merchantId: idParam('m') }),
);

export const deliveryAttemptSchema = z.object({
  at: timeSchema,
  attempt: z.int().check(z.minimum(1), z.describe('1-based; manual redeliveries continue the count and carry manual: true.')),
  httpStatus: z.nullable(z.int().check(z.describe("The receiver's status, or null when no HTTP answer came (see error)."))),
  latencyMs: z.int().check(z.minimum(0)),
  error: z.nullable(z.string()),
  manual: z.boolean(),
});

export const eventSchema = z.object({
  id: eventId,
  object: z.literal('event'),
  type: z.enum(EVENT_TYPES),
  createdAt: timeSchema,
  orderId: idParam('ord'),
  data: z.object({
    object: z.nullable(z.union([orderSchema, refundSchema])).check(
      z.describe('The object after the change; null for a REFUSED event, whose object failed the integrity check.'),
    ),
  }),
  delivery: z.object({
    status: z.enum(['PENDING', 'RETRYING', 'DELIVERED', 'FAILED', 'REFUSED', 'NO_URL']),
    reason: z.nullable(z.string()),
    notifyUrl: z.nullable(z.string()),
    nextAttemptAt: z.nullable(timeSchema),
    attempts: z.array(deliveryAttemptSchema),
  }),
});
export type EventResource = z.infer<typeof eventSchema>;

export const eventListSchema = z.object({ object: z.literal('list'), data: z.array(eventSchema) });

export const platformKeysSchema = z.object({
  keys: z.array(
    z.object({
      keyId: z.string(),
      algorithm: z.literal('ECDSA_P256_SHA256'),
      publicKeyPem: z.string(),
      status: z.enum(['active', 'retiring']),
    }),
  ),
});

export const webhookTestResultSchema = z.object({
  object: z.literal('webhook_test'),
  url: z.string(),
  eventId,
  delivered: z.boolean(),
  httpStatus: z.nullable(z.int()),
  latencyMs: z.int().check(z.minimum(0)),
  error: z.nullable(z.string()),
});

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
    data: { object: event.deliveryStatus === 'REFUSED' ? null : (event.object as OrderResource | RefundResource) },
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

export function eventListResource(events: readonly StoredEvent[]): z.infer<typeof eventListSchema> {
  return { object: 'list', data: events.map(eventResource) };
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
