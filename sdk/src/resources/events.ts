import { PageList } from '../pagination.js';
import type { RequestOptions, Transport } from '../transport.js';
import type { Event, EventList, EventListQuery } from '../types.generated.js';

export type EventListParams = EventListQuery;

/** `client.events`: events with their delivery status and every attempt; redelivery. */
export class Events {
  constructor(private readonly transport: Transport) {}

  /** GET /v1/events: await it for one page, or `for await` over every event of every page. */
  list(params: EventListParams, options?: RequestOptions): PageList<Event> {
    return new PageList<Event>(
      (cursor) => this.transport.request<EventList>({ method: 'GET', path: '/v1/events', query: { ...params, cursor } }, options),
      // Not every event query is paginated yet (by orderId it is one page); a cursor, when there is one, starts it.
      (params as { readonly cursor?: string }).cursor,
    );
  }

  /** POST /v1/events/{id}/redeliver → 202 Event: one more delivery attempt, now. */
  redeliver(eventId: string, options?: RequestOptions): Promise<Event> {
    return this.transport.request({ method: 'POST', path: `/v1/events/${encodeURIComponent(eventId)}/redeliver`, body: {} }, options);
  }
}
