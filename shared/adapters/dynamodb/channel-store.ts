import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChannelConfig } from '../../domain/routing.js';
import type { ChannelRecord, ChannelStore, ChannelUsageReader } from '../../ports/channel-store.js';
import { batchGetItems } from './batch-get.js';
import { isConditionFailure } from './client.js';
import { CHANNEL_USAGE_SHARDS, keys } from './keys.js';

/** The record's own fields: the item without its keys and entity. */
function recordOf(item: Record<string, unknown>): ChannelRecord {
  const { PK: _pk, SK: _sk, entity: _entity, ...record } = item;
  return record as unknown as ChannelRecord;
}

/** Channel records, one item per channel an operator changed (docs/data-model.md, "Channel"). */
export class DynamoChannelStore implements ChannelStore, ChannelUsageReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(defaults: readonly ChannelConfig[]): Promise<ChannelRecord[]> {
    if (defaults.length === 0) return [];
    // Strongly consistent: an operator's change is read back at once (the route step caches the answer for seconds).
    const items = await batchGetItems(this.db, this.tableName, defaults.map((row) => keys.channel(row.id)), { consistent: true });
    const stored = new Map(items.map((item) => [item.id as string, recordOf(item)]));
    return defaults.map((row) => stored.get(row.id) ?? { ...row, updatedAt: null, version: 0 });
  }

  async put(record: ChannelRecord, expectVersion: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.channel(record.id), entity: 'Channel', ...record, version: expectVersion + 1 },
          ConditionExpression: expectVersion === 0 ? 'attribute_not_exists(PK)' : '#version = :version',
          ...(expectVersion === 0 ? {} : { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': expectVersion } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** One BatchGet of every shard of each channel's counter for today; a missing shard counted nothing. */
  async usedToday(channelIds: readonly string[], currency: string, nowMs: number): Promise<Map<string, number>> {
    const day = usageDay(nowMs);
    const shardKeys = channelIds.flatMap((id) => Array.from({ length: CHANNEL_USAGE_SHARDS }, (_, shard) => keys.channelUsage(id, day, currency, shard)));
    const used = new Map(channelIds.map((id) => [id, 0]));
    if (shardKeys.length === 0) return used;
    for (const item of await batchGetItems(this.db, this.tableName, shardKeys)) {
      const channel = item.channel as string;
      used.set(channel, (used.get(channel) ?? 0) + Number(item.amount ?? 0));
    }
    return used;
  }
}

/** The UTC day a usage counter belongs to. */
export function usageDay(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}

/** How long a day's counter is kept: two days past its end, then DynamoDB's TTL removes it (never read after its day). */
const USAGE_KEEP_SECONDS = 3 * 86_400;

/**
 * The transaction item that adds a successful charge to its channel's counter for the day, on one of
 * CHANNEL_USAGE_SHARDS items chosen at random, so a busy channel's day is not one hot item; folded into the commit
 * that books the charge (no request of its own).
 */
export function channelUsageUpdate(
  tableName: string,
  usage: { readonly channel: string; readonly currency: string; readonly amount: number; readonly nowMs: number },
  shard = Math.floor(Math.random() * CHANNEL_USAGE_SHARDS),
) {
  const day = usageDay(usage.nowMs);
  const dayStartSeconds = Math.floor(Date.parse(`${day}T00:00:00.000Z`) / 1000);
  return {
    Update: {
      TableName: tableName,
      Key: keys.channelUsage(usage.channel, day, usage.currency, shard),
      UpdateExpression: 'ADD amount :amount SET entity = :entity, channel = :channel, #ttl = :ttl',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':amount': usage.amount, ':entity': 'ChannelUsage', ':channel': usage.channel, ':ttl': dayStartSeconds + USAGE_KEEP_SECONDS },
    },
  };
}
