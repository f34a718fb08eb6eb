import { randomBytes, randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, paginateQuery, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NotificationQueue, NotifyMessage } from '../../ports/notifications.js';
import { ensureLocalTable } from './local-table.js';

export interface QueueSettings {
  readonly visibilityTimeoutMs: number;
  /** Receives beyond this move the message to the dead-letter queue instead (SQS redrive policy). */
  readonly maxReceiveCount: number;
  readonly maxDelayMs: number;
}

export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly receiveCount: number;
  readonly sentAtMs: number;
}

const isConditionFailure = (error: unknown) =>
  ['ConditionalCheckFailedException', 'TransactionCanceledException'].includes((error as { name?: string }).name ?? '');

/**
 * The local stand-in for SQS, with its semantics: durable (items in DynamoDB Local, on disk under .data/, so a
 * restart loses nothing), delayed sends, a visibility timeout on receive, receive counts, and a redrive to the
 * dead-letter queue after maxReceiveCount receives. Each queue is one partition of a table of its own; a receive
 * claims a message with a conditional write, so two pollers never hold the same message.
 */
export class DurableQueue {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly queueName: string,
    readonly settings: QueueSettings,
    private readonly deadLetterQueueName: string | null,
    private readonly now: () => number = Date.now,
  ) {}

  static async ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
    await ensureLocalTable(client, tableName, 'queue', 'messageId');
  }


  async send(body: string, delayMs = 0): Promise<string> {
    const nowMs = this.now();
    // Time-ordered ids: receives serve the oldest message first, as a standard queue roughly does.
    const messageId = `${nowMs.toString(36).padStart(9, '0')}-${randomBytes(6).toString('hex')}`;
    await this.put(messageId, body, delayMs);
    return messageId;
  }

  /**
   * Writes the message `messageId` whether or not it exists (a fresh send: receive count 0, no receipt), for callers
   * that address messages by a key of their own (the timers: one message per timer key, a reschedule replaces it).
   * A receive under way keeps its stale receipt, so its delete leaves the replacement alone. Returns the delay it
   * applied (capped at maxDelayMs): when the message becomes visible, in ms from now.
   */
  async put(messageId: string, body: string, delayMs = 0): Promise<number> {
    const nowMs = this.now();
    const visibleInMs = Math.min(Math.max(0, delayMs), this.settings.maxDelayMs);
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          queue: this.queueName,
          messageId,
          body,
          sentAtMs: nowMs,
          visibleAtMs: nowMs + visibleInMs,
          receiveCount: 0,
          receipt: null,
        },
      }),
    );
    return visibleInMs;
  }

  /** Removes the message `messageId` whatever its state (absent: nothing to do). */
  async remove(messageId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { queue: this.queueName, messageId } }));
  }

  /** Up to `max` visible messages, each hidden for the visibility timeout and counted as received. */
  async receive(max: number): Promise<ReceivedMessage[]> {
    return (await this.receiveBatch(max)).messages;
  }

  /**
   * As receive, and when the next message not yet visible (delayed, or hidden by a receive) becomes visible, so a
   * poller can sleep until then instead of asking again and again.
   */
  async receiveBatch(max: number): Promise<{ messages: ReceivedMessage[]; nextVisibleAtMs: number | null }> {
    const nowMs = this.now();
    const items = await this.all();
    const visible = items.filter((m) => (m.visibleAtMs as number) <= nowMs);
    const later = items.map((m) => m.visibleAtMs as number).filter((at) => at > nowMs);
    const nextVisibleAtMs = later.length > 0 ? Math.min(...later) : null;
    visible.sort((a, b) => (a.visibleAtMs as number) - (b.visibleAtMs as number));
    const received: ReceivedMessage[] = [];
    for (const item of visible) {
      if (received.length >= max) break;
      const receipt = randomUUID();
      const receiveCount = (item.receiveCount as number) + 1;
      if (receiveCount > this.settings.maxReceiveCount && this.deadLetterQueueName) {
        await this.redrive(item);
        continue;
      }
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { queue: this.queueName, messageId: item.messageId },
            UpdateExpression: 'SET visibleAtMs = :hidden, receiveCount = :count, receipt = :receipt',
            ConditionExpression: 'visibleAtMs = :seen AND receiveCount = :previous',
            ExpressionAttributeValues: {
              ':hidden': nowMs + this.settings.visibilityTimeoutMs,
              ':count': receiveCount,
              ':receipt': receipt,
              ':seen': item.visibleAtMs,
              ':previous': item.receiveCount,
            },
          }),
        );
      } catch (error) {
        if (isConditionFailure(error)) continue; // another poller took it
        throw error;
      }
      received.push({
        messageId: item.messageId as string,
        receiptHandle: receipt,
        body: item.body as string,
        receiveCount,
        sentAtMs: item.sentAtMs as number,
      });
    }
    return { messages: received, nextVisibleAtMs };
  }

  /** Removes a processed message; a stale receipt (the message was received again since) is ignored, as in SQS. */
  async delete(messageId: string, receiptHandle: string): Promise<void> {
    await this.db
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { queue: this.queueName, messageId },
          ConditionExpression: 'receipt = :receipt',
          ExpressionAttributeValues: { ':receipt': receiptHandle },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }

  /** Every message, visible or not (for inspection and tests). */
  async all(): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#q = :q',
        ExpressionAttributeNames: { '#q': 'queue' },
        ExpressionAttributeValues: { ':q': this.queueName },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) items.push(...(page.Items ?? []));
    return items;
  }

  private async redrive(item: Record<string, unknown>): Promise<void> {
    const nowMs = this.now();
    await this.db
      .send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.tableName,
                Key: { queue: this.queueName, messageId: item.messageId },
                ConditionExpression: 'visibleAtMs = :seen',
                ExpressionAttributeValues: { ':seen': item.visibleAtMs },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...item, queue: this.deadLetterQueueName, visibleAtMs: nowMs, receiveCount: 0, receipt: null, redrivenAtMs: nowMs },
              },
            },
          ],
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }
}

/** The notification queue port over two durable queues (main and dead-letter). */
export class LocalNotificationQueue implements NotificationQueue {
  readonly maxDelayMs: number;

  /** `onSent` is told after each send (the local runtime wakes its queue poller with it). */
  constructor(
    readonly queue: DurableQueue,
    readonly deadLetters: DurableQueue,
    private readonly onSent: () => void = () => undefined,
  ) {
    this.maxDelayMs = queue.settings.maxDelayMs;
  }

  async send(message: NotifyMessage, delayMs: number): Promise<void> {
    await this.queue.send(JSON.stringify(message), delayMs);
    this.onSent();
  }

  async deadLetter(message: NotifyMessage): Promise<void> {
    await this.deadLetters.send(JSON.stringify(message), 0);
  }
}
