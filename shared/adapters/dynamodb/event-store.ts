import { GetCommand, paginateQuery, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeliveryAttempt, DeliveryStatus, EventStore, StoredEvent } from '../../ports/notifications.js';
import { indexKeys, keys } from './keys.js';

/** Keeps at most this many attempts on an event item (16 scheduled + redeliveries stays far below 400 KB). */
const MAX_ATTEMPTS_KEPT = 100;

/**
 * Outbox events (written by OrderStore in the transaction of the change they describe) and their delivery state:
 * status and every attempt live on the event item itself. Events of an order are read through GSI1.
 */
export class DynamoEventStore implements EventStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getEvent(eventId: string): Promise<StoredEvent | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.event(eventId), ConsistentRead: true }));
    return out.Item ? toStoredEvent(out.Item) : undefined;
  }

  async listEventsOfOrder(orderId: string): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': indexKeys.eventsByOrder(orderId) },
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) events.push(toStoredEvent(item));
    return events;
  }

  async recordAttempt(eventId: string, attempt: DeliveryAttempt, status: DeliveryStatus, nextAttemptAt: string | null): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.event(eventId),
        UpdateExpression:
          'SET attempts = list_append(if_not_exists(attempts, :empty), :attempt), deliveryStatus = :status, nextAttemptAt = :next, statusReason = :reason',
        // A delivered event stays delivered: a late duplicate's failure must not overwrite it.
        ConditionExpression: 'attribute_exists(PK) AND (deliveryStatus <> :delivered OR :status = :delivered) AND (attribute_not_exists(attempts) OR size(attempts) < :max)',
        ExpressionAttributeValues: {
          ':empty': [],
          ':attempt': [attempt],
          ':status': status,
          ':next': nextAttemptAt,
          ':reason': attempt.error,
          ':delivered': 'DELIVERED',
          ':max': MAX_ATTEMPTS_KEPT,
        },
      }),
    ).catch((error: unknown) => {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return;
      throw error;
    });
  }

  async setStatus(eventId: string, status: DeliveryStatus, reason: string | null): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.event(eventId),
        UpdateExpression: 'SET deliveryStatus = :status, statusReason = :reason, nextAttemptAt = :none',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':status': status, ':reason': reason, ':none': null },
      }),
    );
  }
}

function toStoredEvent(item: Record<string, unknown>): StoredEvent {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g2, entity: _e, ...rest } = item;
  return {
    ...(rest as unknown as StoredEvent),
    attempts: (item.attempts as DeliveryAttempt[] | undefined) ?? [],
    nextAttemptAt: (item.nextAttemptAt as string | null | undefined) ?? null,
    statusReason: (item.statusReason as string | null | undefined) ?? null,
  };
}
