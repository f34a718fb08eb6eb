import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../domain/errors.js';
import type { LedgerEntry } from '../../ledger/posting.js';
import type { Settlement, SettleItem } from '../../ledger/settlement.js';
import type { SettlementStore } from '../../ports/settlement-store.js';
import { cancellationReasons, withConflictRetry } from './client.js';
import { ledgerWriteItems } from './ledger-items.js';
import { SETTLE_SHARDS, settlementKeys } from './settlement-items.js';
import { queryItems } from './query-pages.js';

type Item = Record<string, unknown>;
type TxItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** Every condition here decides who wins; a conflict with another transaction only changes who waits. */
const CONFLICT_ROUNDS = 12;

export class DynamoSettlementStore implements SettlementStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async *dueItems(cut: { readonly creditsUpTo: string; readonly debitsUpTo: string }): AsyncIterable<SettleItem> {
    for (const side of ['credit', 'debit'] as const) {
      const upTo = side === 'credit' ? cut.creditsUpTo : cut.debitsUpTo;
      for (let shard = 0; shard < SETTLE_SHARDS; shard += 1) {
        // '~' sorts after every id character: every item of the instant `upTo` is included.
        const query = { IndexName: 'GSI2', KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK <= :upTo', ExpressionAttributeValues: { ':pk': settlementKeys.due(side, shard), ':upTo': `${upTo}~` } };
        for await (const item of this.pages(query)) yield strip<SettleItem>(item);
      }
    }
  }

  async *openBatches(): AsyncIterable<Settlement> {
    const query = { IndexName: 'GSI2', KeyConditionExpression: 'GSI2PK = :pk', ExpressionAttributeValues: { ':pk': settlementKeys.openIndex } };
    for await (const item of this.pages(query)) yield strip<Settlement>(item);
  }

  async openBatch(candidate: Settlement): Promise<Settlement> {
    const pointer = settlementKeys.open(candidate.merchantId, candidate.currency);
    for (let round = 0; round < CONFLICT_ROUNDS; round += 1) {
      const found = await this.db.send(new GetCommand({ TableName: this.tableName, Key: pointer, ConsistentRead: true }));
      if (found.Item) {
        const batch = await this.get(found.Item.settlementId as string);
        if (batch) return batch;
      }
      try {
        await this.transact([
                  { Put: { TableName: this.tableName, Item: { ...pointer, entity: 'SettlementOpen', settlementId: candidate.id }, ConditionExpression: 'attribute_not_exists(PK)' } },
                  {
                    Put: {
                      TableName: this.tableName,
                      Item: { ...settlementKeys.batch(candidate.id), entity: 'Settlement', GSI2PK: settlementKeys.openIndex, GSI2SK: `${candidate.createdAt}#${candidate.id}`, ...candidate },
                      ConditionExpression: 'attribute_not_exists(PK)',
                    },
                  },
                ]);
        return candidate;
      } catch (error) {
        // Another run opened this merchant's batch first: read its pointer again and join that batch.
        if (!cancellationReasons(error)?.includes('ConditionalCheckFailed')) throw error;
      }
    }
    throw new Error(`No OPEN settlement batch could be opened for ${candidate.merchantId} ${candidate.currency}`);
  }

  async claim(item: SettleItem, batchId: string): Promise<'claimed' | 'taken' | 'closed'> {
    try {
      await this.transact([
                {
                  Update: {
                    TableName: this.tableName,
                    Key: settlementKeys.item(item.entryId),
                    UpdateExpression: 'SET settlementId = :batch REMOVE GSI2PK, GSI2SK',
                    ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(settlementId)',
                    ExpressionAttributeValues: { ':batch': batchId },
                  },
                },
                {
                  Update: {
                    TableName: this.tableName,
                    Key: settlementKeys.batch(batchId),
                    UpdateExpression: 'ADD #count :one, gross :gross, fees :fees, refunds :refunds, net :net',
                    ConditionExpression: '#status = :open AND merchantId = :merchant AND currency = :currency',
                    ExpressionAttributeNames: { '#count': 'count', '#status': 'status' },
                    ExpressionAttributeValues: {
                      ':one': 1,
                      ':gross': item.gross,
                      ':fees': item.fees,
                      ':refunds': item.refunds,
                      ':net': item.net,
                      ':open': 'OPEN',
                      ':merchant': item.merchantId,
                      ':currency': item.currency,
                    },
                  },
                },
              ]);
      return 'claimed';
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons?.[0] === 'ConditionalCheckFailed') return 'taken';
      if (reasons?.[1] === 'ConditionalCheckFailed') return 'closed';
      throw error;
    }
  }

  async close(batch: Settlement, entry: LedgerEntry | undefined, settledAt: string): Promise<'settled' | 'changed'> {
    const ledger = entry ? ledgerWriteItems(this.tableName, { entry }).map((i) => i.item) : [];
    try {
      await this.transact([
                {
                  Update: {
                    TableName: this.tableName,
                    Key: settlementKeys.batch(batch.id),
                    UpdateExpression: 'SET #status = :settled, settledAt = :at, ledgerEntryId = :entry, GSI1PK = :gsi1pk, GSI1SK = :gsi1sk REMOVE GSI2PK, GSI2SK',
                    ConditionExpression: '#status = :open AND #count = :count',
                    ExpressionAttributeNames: { '#status': 'status', '#count': 'count' },
                    ExpressionAttributeValues: {
                      ':settled': 'SETTLED',
                      ':open': 'OPEN',
                      ':count': batch.count,
                      ':at': settledAt,
                      ':entry': entry?.id ?? null,
                      ':gsi1pk': settlementKeys.byMerchant(batch.merchantId),
                      ':gsi1sk': `${settledAt}#${batch.id}`,
                    },
                  },
                },
                {
                  Delete: {
                    TableName: this.tableName,
                    Key: settlementKeys.open(batch.merchantId, batch.currency),
                    ConditionExpression: 'settlementId = :id',
                    ExpressionAttributeValues: { ':id': batch.id },
                  },
                },
                ...ledger,
              ]);
      return 'settled';
    } catch (error) {
      if (cancellationReasons(error)?.includes('ConditionalCheckFailed')) return 'changed';
      throw error;
    }
  }

  async get(settlementId: string): Promise<Settlement | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: settlementKeys.batch(settlementId), ConsistentRead: true }));
    return out.Item ? strip<Settlement>(out.Item) : undefined;
  }

  async list(merchantId: string, page: { readonly limit: number; readonly cursor?: string }): Promise<{ settlements: Settlement[]; nextCursor: string | null }> {
    const partition = settlementKeys.byMerchant(merchantId);
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': partition },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: page.cursor ? decodeCursor(page.cursor, partition) : undefined,
      }),
    );
    return {
      settlements: (out.Items ?? []).map((item) => strip<Settlement>(item)),
      nextCursor: out.LastEvaluatedKey ? Buffer.from(JSON.stringify(out.LastEvaluatedKey), 'utf8').toString('base64url') : null,
    };
  }

  private async transact(items: TxItem[]): Promise<void> {
    await withConflictRetry(() => this.db.send(new TransactWriteCommand({ TransactItems: items })), CONFLICT_ROUNDS);
  }

  private pages(input: Item): AsyncIterable<Item> {
    return queryItems(this.db, { TableName: this.tableName, ...input });
  }
}

/** A cursor is only accepted for the same merchant's settlements. */
function decodeCursor(cursor: string, partition: string): Item {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (key && typeof key === 'object' && !Array.isArray(key) && Object.values(key).every((v) => typeof v === 'string') && (key as Item).GSI1PK === partition) return key as Item;
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError('cursor_invalid', 'The cursor is not valid for this query.', 'cursor');
}

function strip<T>(item: Item): T {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g1s, GSI2PK: _g2, GSI2SK: _g2s, entity: _entity, ...rest } = item;
  return rest as T;
}

