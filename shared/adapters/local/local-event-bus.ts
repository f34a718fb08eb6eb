import { detailOf } from '../aws/eventbridge-bus.js';
import type { EventBus, NotificationQueue } from '../../ports/notifications.js';
import type { DomainEvent } from '../../ports/stores.js';

/**
 * The local event bus: the notification rule (platform events with `detail.notify` → the notification queue, with
 * the event's detail as the message; see infra/cdk/notifications.ts) applied in-process. Durability is the queue's: once publish resolves, the message is in
 * DynamoDB Local.
 */
export class LocalEventBus implements EventBus {
  constructor(private readonly notifications: NotificationQueue) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (const event of events) {
      const detail = detailOf(event);
      if (detail.notify) await this.notifications.send(detail, 0);
    }
  }
}
