import type { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent } from '../../ports/stores.js';
import { indexKeys, keys } from './keys.js';

type TxItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/**
 * An outbox event as the transaction item that writes it with the change it describes (orders, refunds,
 * agreements): the table's stream carries it to the notifier. `orderId` is the event's scope (GSI1: an order's, or
 * an agreement's, events).
 */
export function outboxEventItem(tableName: string, event: DomainEvent): TxItem {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.event(event.id),
        entity: 'Event',
        GSI1PK: indexKeys.eventsByOrder(event.orderId),
        GSI1SK: indexKeys.timeSortKey(event.createdAt, event.id),
        // Every event of the merchant by time: GET /v1/events and the operations API's events (decisions, 163).
        GSI2PK: indexKeys.eventsByMerchant(event.merchantId),
        GSI2SK: indexKeys.timeSortKey(event.createdAt, event.id),
        ...event,
        // Without a notifyUrl there is nothing to deliver; the notification rule does not route such events.
        deliveryStatus: event.notifyUrl ? 'PENDING' : 'NO_URL',
        statusReason: event.notifyUrl ? null : 'the order has no notifyUrl',
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}
