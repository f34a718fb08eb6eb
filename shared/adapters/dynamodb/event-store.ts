import { GetCommand, paginateQuery, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../domain/errors.js';
import type { DeliveryAttempt, DeliveryStatus, EventStore, MerchantEventListing, MerchantEventQuery, StoredEvent } from '../../ports/notifications.js';
import { indexKeys, keys } from './keys.js';

/** Keeps at most this many attempts on an event item (16 scheduled + redeliveries stays far below 400 KB). */
const MAX_ATTEMPTS_KEPT = 100;

/**
 * Outbox events (written by OrderStore in the transaction of the change they describe) and their delivery state:
 * status and every attempt live on the event item itself. Events of an order are read through GSI1.
 */
export class DynamoEventStore implements EventStore, MerchantEventListing {
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

  /**
   * A merchant's events newest first from its GSI2 partition; type and delivery status are filters on that one
   * partition (never a scan of the table), so a page reads at most MAX_EVENTS_READ items and may come back short with
   * a cursor to go on from (docs/decisions.md, 163).
   */
  async listEventsOfMerchant(query: MerchantEventQuery): Promise<{ data: StoredEvent[]; nextCursor: string | null }> {
    const partition = indexKeys.eventsByMerchant(query.merchantId);
    const filters: string[] = [];
    const values: Record<string, unknown> = { ':pk': partition };
    const names: Record<string, string> = {};
    if (query.type) {
      filters.push('#type = :type');
      names['#type'] = 'type';
      values[':type'] = query.type;
    }
    if (query.deliveryStatus) {
      filters.push('deliveryStatus = :status');
      values[':status'] = query.deliveryStatus;
    }
    const data: StoredEvent[] = [];
    let start = query.cursor ? decodeEventCursor(query.cursor, partition) : undefined;
    for (let read = 0; read < MAX_EVENTS_READ; ) {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'GSI2',
          KeyConditionExpression: 'GSI2PK = :pk',
          ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: Math.min(100, MAX_EVENTS_READ - read),
          ExclusiveStartKey: start,
        }),
      );
      read += out.ScannedCount ?? 0;
      for (const item of out.Items ?? []) {
        data.push(toStoredEvent(item));
        // A full page ends at its last event, whatever the index read beyond it.
        if (data.length === query.limit) return { data, nextCursor: encodeEventCursor(item) };
      }
      start = out.LastEvaluatedKey;
      if (!start) return { data, nextCursor: null };
    }
    return { data, nextCursor: start ? encodeEventCursor(start) : null };
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

/** How many index items one page of a filtered event list reads at most. */
const MAX_EVENTS_READ = 1000;

function encodeEventCursor(item: Record<string, unknown>): string {
  const key = { PK: item.PK, SK: item.SK, GSI2PK: item.GSI2PK, GSI2SK: item.GSI2SK };
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** A cursor is accepted only for the partition it came from: one merchant cannot page into another's events. */
function decodeEventCursor(cursor: string, partition: string): Record<string, string> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (key && key.GSI2PK === partition && ['PK', 'SK', 'GSI2SK'].every((k) => typeof key[k] === 'string')) return key as Record<string, string>;
  } catch {
    // falls through
  }
  throw new ValidationError('cursor_invalid', 'This cursor does not belong to this list.', 'cursor');
}

function toStoredEvent(item: Record<string, unknown>): StoredEvent {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g2, GSI2PK: _g3, GSI2SK: _g4, entity: _e, ...rest } = item;
  return {
    ...(rest as unknown as StoredEvent),
    attempts: (item.attempts as DeliveryAttempt[] | undefined) ?? [],
    nextAttemptAt: (item.nextAttemptAt as string | null | undefined) ?? null,
    statusReason: (item.statusReason as string | null | undefined) ?? null,
  };
}
