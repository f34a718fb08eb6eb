import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { logger } from '../../shared/logger.js';
import type { DomainEvent } from '../../shared/ports/stores.js';
import { relayOutbox } from '../../shared/services/notifications.js';
import { getEventBus } from './bus.js';

/** An inserted outbox Event item, or null for every other change on the table. */
export function outboxEvent(record: DynamoDBRecord): DomainEvent | null {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || !image || image.entity?.S !== 'Event') return null;
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g2, entity: _e, deliveryStatus: _d, ...event } = unmarshall(
    image as Record<string, AttributeValue>,
  );
  return event as DomainEvent;
}

/**
 * The outbox relay: table stream → event bus. In AWS a filter on the event source mapping already passes only Event
 * inserts; the check here keeps the local stream poller, which passes every record, on the same code. On a failure
 * the batch reports the first unpublished record, so the stream resumes there (nothing skipped, order kept).
 */
export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const bus = await getEventBus();
  for (const record of event.Records) {
    const outbox = outboxEvent(record);
    if (!outbox) continue;
    try {
      await relayOutbox(bus, [outbox]);
    } catch (error) {
      logger.error('outbox relay failed', { eventId: outbox.id, orderId: outbox.orderId, error: error instanceof Error ? error.message : String(error) });
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
    }
  }
  return { batchItemFailures: [] };
};
