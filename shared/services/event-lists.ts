import { ValidationError } from '../domain/errors.js';
import type { DeliveryStatus, StoredEvent } from '../ports/notifications.js';
import { listObjectEvents, type NotifyDeps } from './notifications.js';

export interface EventsQuery {
  readonly orderId?: string;
  readonly type?: string;
  readonly deliveryStatus?: DeliveryStatus;
  readonly limit?: number;
  readonly cursor?: string;
}

/** The page size of a merchant's events when the request names none. */
export const DEFAULT_EVENTS_LIMIT = 20;

/**
 * GET /v1/events. With `orderId`, every event of that order or agreement, oldest first, as before (an object has a
 * handful of events: one answer, no cursor), optionally narrowed by type and delivery status. Without it, every event
 * of the merchant across its objects, newest first, a page at a time: "which deliveries failed?" (decisions, 163).
 */
export async function listEvents(
  deps: Pick<NotifyDeps, 'events' | 'orders' | 'agreements'>,
  merchantId: string,
  query: EventsQuery,
): Promise<{ readonly data: readonly StoredEvent[]; readonly nextCursor: string | null }> {
  if (query.orderId === undefined) {
    return deps.events.listEventsOfMerchant({ ...query, merchantId, limit: query.limit ?? DEFAULT_EVENTS_LIMIT });
  }
  const paging = query.cursor !== undefined ? 'cursor' : query.limit !== undefined ? 'limit' : undefined;
  if (paging) throw new ValidationError('parameter_invalid', `${paging} pages the merchant's events: leave it out with orderId.`, paging);
  const events = await listObjectEvents(deps, merchantId, query.orderId);
  const wanted = (e: StoredEvent) => (!query.type || e.type === query.type) && (!query.deliveryStatus || e.deliveryStatus === query.deliveryStatus);
  return { data: events.filter(wanted), nextCursor: null };
}
