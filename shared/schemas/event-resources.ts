import type { PlatformKey, StoredEvent } from '../ports/notifications.js';

/** An event as `GET /v1/events` shows it: what was sent, and every delivery attempt. */
export function eventResource(event: StoredEvent) {
  return {
    id: event.id,
    object: 'event',
    type: event.type,
    createdAt: event.createdAt,
    orderId: event.orderId,
    data: { object: event.object },
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

export function platformKeysResource(keys: readonly PlatformKey[]) {
  return { keys: keys.map((k) => ({ keyId: k.keyId, algorithm: k.algorithm, publicKeyPem: k.publicKeyPem, status: k.status })) };
}
