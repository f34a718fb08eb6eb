import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BlocklistEntry, BlocklistListing, BlocklistStore } from '../../ports/stores.js';
import { decodeIndexCursor, encodeIndexCursor } from './index-cursor.js';
import { indexKeys, keys } from './keys.js';

/**
 * The platform's blocklist: one item per `subject:value`, read by key (the risk step's BatchGet, an agreement's
 * screening), and listed for operators from the `BLOCKLIST` partition of GSI1 (docs/decisions.md, 220): entries are
 * written by people and fraud tooling, a low write rate for one index partition.
 */
export class DynamoBlocklistStore implements BlocklistStore, BlocklistListing {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(key: string, reason: string, createdBy?: string): Promise<void> {
    const createdAt = new Date().toISOString();
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.blocklist(key),
          entity: 'Blocklist',
          key,
          reason,
          createdAt,
          ...(createdBy ? { createdBy } : {}),
          GSI1PK: indexKeys.blocklist,
          GSI1SK: indexKeys.timeSortKey(createdAt, key),
        },
      }),
    );
  }

  async remove(key: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.blocklist(key) }));
  }

  async find(lookups: readonly string[]): Promise<Set<string>> {
    // At most one key per blocklist subject (three): single reads in parallel, no batch to retry.
    const found = await Promise.all([...new Set(lookups)].map(async (key) => ((await this.get(key)) ? key : undefined)));
    return new Set(found.filter((key): key is string => key !== undefined));
  }

  async get(key: string): Promise<BlocklistEntry | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.blocklist(key), ConsistentRead: true }));
    return out.Item ? entryOf(out.Item) : undefined;
  }

  async list(page: { readonly limit: number; readonly cursor?: string }): Promise<{ data: BlocklistEntry[]; nextCursor: string | null }> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': indexKeys.blocklist },
        Limit: page.limit,
        ExclusiveStartKey: page.cursor ? decodeIndexCursor(page.cursor, indexKeys.blocklist) : undefined,
      }),
    );
    return { data: (out.Items ?? []).map(entryOf), nextCursor: encodeIndexCursor(out.LastEvaluatedKey) };
  }
}

function entryOf(item: Record<string, unknown>): BlocklistEntry {
  return {
    key: item.key as string,
    reason: item.reason as string,
    createdAt: item.createdAt as string,
    ...(typeof item.createdBy === 'string' ? { createdBy: item.createdBy } : {}),
  };
}
