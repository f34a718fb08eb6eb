import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureLocalTable } from '../../../shared/adapters/local/local-table.js';

/**
 * The sandbox channels' own database. A sandbox channel (WeChat Pay, Alipay, the bank, the card acquirers) is a
 * separate service that the platform reaches over HTTP; what it knows (its payments, refunds, pending callbacks,
 * bills) lives in a table of its own in DynamoDB Local, apart from the platform's table, so it survives a restart of
 * `npm start` (and a SIGKILL in the chaos run) as a real channel's records would. The platform never reads it.
 *
 * Items: `channel` (partition: the sandbox channel id) + `key` (e.g. `payment#pay_…`, `refund#rf_…`,
 * `callback#…`), the record as JSON in `value`, and a `version` for conditional updates.
 */
export class SandboxStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  static async ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
    await ensureLocalTable(client, tableName, 'channel', 'key');
  }


  async get<T>(channel: string, key: string): Promise<{ value: T; version: number } | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { channel, key }, ConsistentRead: true }));
    if (!out.Item) return undefined;
    return { value: JSON.parse(out.Item.value as string) as T, version: out.Item.version as number };
  }

  /**
   * Writes `value`. With `expectedVersion` the write succeeds only if the stored version is that one (0: the record
   * must not exist yet); returns false when the condition failed, so two concurrent changes have one winner.
   */
  async put<T>(channel: string, key: string, value: T, expectedVersion?: number): Promise<boolean> {
    const condition =
      expectedVersion === undefined
        ? {}
        : expectedVersion === 0
          ? { ConditionExpression: 'attribute_not_exists(#k)', ExpressionAttributeNames: { '#k': 'key' } }
          : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { channel, key, value: JSON.stringify(value), version: (expectedVersion ?? 0) + 1 },
          ...condition,
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** Every record of a channel whose key starts with `prefix`, in key order. */
  async list<T>(channel: string, prefix: string): Promise<{ key: string; value: T; version: number }[]> {
    const items: { key: string; value: T; version: number }[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'channel = :c AND begins_with(#k, :p)',
          ExpressionAttributeNames: { '#k': 'key' },
          ExpressionAttributeValues: { ':c': channel, ':p': prefix },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        items.push({ key: item.key as string, value: JSON.parse(item.value as string) as T, version: item.version as number });
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
