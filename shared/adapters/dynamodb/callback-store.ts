import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CallbackVerdict, RawCallback, RawCallbackStore } from '../../ports/callback-store.js';
import { keys } from './keys.js';

/** Kept past the refund window (365 days) so a disputed refund can still be traced to what the channel said. */
const RETENTION_SECONDS = 400 * 86_400;

/** Raw channel callbacks, one item each (docs/data-model.md); expired by TTL after RETENTION_SECONDS. */
export class DynamoRawCallbackStore implements RawCallbackStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(callback: RawCallback): Promise<void> {
    const ttl = Math.ceil(Date.parse(callback.receivedAt) / 1000) + RETENTION_SECONDS;
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.rawCallback(callback.channel, callback.id), entity: 'RawCallback', ...callback, ttl },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async settle(
    ref: { channel: string; id: string },
    result: { verdict: CallbackVerdict; reason?: string; orderId?: string; paymentId?: string; refundId?: string },
  ): Promise<void> {
    const fields = Object.entries(result).filter(([, v]) => v !== undefined);
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.rawCallback(ref.channel, ref.id),
        UpdateExpression: `SET ${fields.map(([k]) => `#${k} = :${k}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(fields.map(([k]) => [`#${k}`, k])),
        ExpressionAttributeValues: Object.fromEntries(fields.map(([k, v]) => [`:${k}`, v])),
        ConditionExpression: 'attribute_exists(PK)',
      }),
    );
  }

  async get(ref: { channel: string; id: string }) {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.rawCallback(ref.channel, ref.id), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { PK: _pk, SK: _sk, entity: _e, ttl: _t, ...callback } = out.Item;
    return callback as RawCallback & { verdict?: CallbackVerdict; reason?: string; orderId?: string; paymentId?: string; refundId?: string };
  }
}
