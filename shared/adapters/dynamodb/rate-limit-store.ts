import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '../../domain/errors.js';
import type { RateLimitOverride } from '../../domain/rate-limits.js';
import type { RateLimitStore } from '../../ports/rate-limits.js';
import { withConflictRetry } from './client.js';
import { keys } from './keys.js';
import { queryAll } from './query-pages.js';

/** The overrides' index: one small partition written by operators only (a few writes a day), read by the WAF sync. */
const OVERRIDES_PK = 'RATELIMITS';
const overrideKey = (merchantId: string) => ({ PK: OVERRIDES_PK, SK: `MERCHANT#${merchantId}` });

/**
 * A merchant's `rateLimitPerMinute` lives on its record (what the operations API shows) and, while set, in the
 * `RATELIMITS` partition, so the sync reads every override with one consistent Query instead of scanning merchants
 * (docs/decisions.md, 226). Both change in one transaction.
 */
export class DynamoRateLimitStore implements RateLimitStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async set(merchantId: string, rateLimitPerMinute: number | null): Promise<number | null> {
    const before = await this.current(merchantId);
    const merchant = {
      TableName: this.tableName,
      Key: keys.merchant(merchantId),
      ConditionExpression: 'attribute_exists(PK)',
      ...(rateLimitPerMinute === null
        ? { UpdateExpression: 'REMOVE rateLimitPerMinute' }
        : { UpdateExpression: 'SET rateLimitPerMinute = :limit', ExpressionAttributeValues: { ':limit': rateLimitPerMinute } }),
    };
    const index =
      rateLimitPerMinute === null
        ? { Delete: { TableName: this.tableName, Key: overrideKey(merchantId) } }
        : { Put: { TableName: this.tableName, Item: { ...overrideKey(merchantId), entity: 'RateLimitOverride', merchantId, rateLimitPerMinute } } };
    try {
      await withConflictRetry(() => this.db.send(new TransactWriteCommand({ TransactItems: [{ Update: merchant }, index] })));
    } catch (error) {
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      if (reasons?.[0]?.Code === 'ConditionalCheckFailed') throw new NotFoundError('merchant', 'id');
      throw error;
    }
    return before;
  }

  async list(): Promise<RateLimitOverride[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': OVERRIDES_PK },
      ConsistentRead: true,
    });
    return items.map((item) => ({ merchantId: item.merchantId as string, rateLimitPerMinute: item.rateLimitPerMinute as number }));
  }

  private async current(merchantId: string): Promise<number | null> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: overrideKey(merchantId), ConsistentRead: true }));
    return (out.Item?.rateLimitPerMinute as number | undefined) ?? null;
  }
}
