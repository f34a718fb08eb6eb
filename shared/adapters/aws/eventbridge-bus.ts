import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventBus, NotifyMessage } from '../../ports/notifications.js';
import type { DomainEvent } from '../../ports/stores.js';
import { wantsWebhook } from '../../domain/webhook.js';

/** EventBridge accepts at most 10 entries per PutEvents. */
const BATCH = 10;

/**
 * Domain events onto the platform's bus. The detail carries what the notification rule forwards to SQS (a
 * NotifyMessage) plus routing fields for other consumers; the event's full body stays in the table.
 */
export class EventBridgeBus implements EventBus {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly source: string,
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      const batch = events.slice(i, i + BATCH);
      const out = await this.client.send(
        new PutEventsCommand({
          Entries: batch.map((event) => ({
            EventBusName: this.busName,
            Source: this.source,
            DetailType: event.type,
            Time: new Date(event.createdAt),
            Detail: JSON.stringify(detailOf(event)),
          })),
        }),
      );
      if ((out.FailedEntryCount ?? 0) > 0) {
        const codes = (out.Entries ?? []).map((e) => e.ErrorCode).filter(Boolean);
        throw new Error(`EventBridge rejected ${out.FailedEntryCount} of ${batch.length} events: ${codes.join(', ')}`);
      }
    }
  }
}

export function detailOf(event: DomainEvent): NotifyMessage & { type: string; merchantId: string; orderId: string; notify: boolean } {
  return { eventId: event.id, attempt: 0, type: event.type, merchantId: event.merchantId, orderId: event.orderId, notify: wantsWebhook(event) };
}
