import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accounts } from '../../ledger/accounts.js';
import type { StoredBalance } from '../../ledger/check.js';
import type { Hold } from '../../ledger/holds.js';
import type { AvailableShardReader, AvailableSnapshot, BalanceRow, LedgerStore, LedgerWrite, MerchantBalances, PostOutcome } from '../../ledger/port.js';
import type { LedgerEntry } from '../../ledger/posting.js';
import { cancellationReasons, withConflictRetry } from './client.js';
import { BALANCE_SHARDS, indexKeys, keys } from './keys.js';
import { ledgerWriteItems } from './ledger-items.js';
import { queryItems, queryPages, scanItems } from './query-pages.js';

type Item = Record<string, unknown>;

/**
 * How many times a ledger write is retried after it lost a race on an item to another transaction. A guarded
 * account is one item by design (entry 108), so concurrent debits of one customer meet there; each retry is
 * decided again by the item's condition, so more rounds change who waits, never what commits.
 */
const CONFLICT_ROUNDS = 12;

export class DynamoLedgerStore implements LedgerStore, AvailableShardReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly shards?: number,
  ) {}

  async balances(merchantId: string): Promise<MerchantBalances> {
    const totals = new Map<string, { available: number; pending: number }>();
    for await (const item of this.pages({ KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': keys.balancePartition(merchantId) } }, 'query')) {
      const row = totals.get(item.currency as string) ?? { available: 0, pending: 0 };
      row.available += (item.available as number | undefined) ?? 0;
      row.pending += (item.pending as number | undefined) ?? 0;
      totals.set(item.currency as string, row);
    }
    const sorted = [...totals].sort(([a], [b]) => a.localeCompare(b));
    const rows = (role: 'available' | 'pending'): BalanceRow[] => sorted.map(([currency, row]) => ({ currency, amount: row[role] }));
    return { available: rows('available'), pending: rows('pending') };
  }

  async availableShards(merchantId: string, currency: string): Promise<AvailableSnapshot> {
    const shards = new Array<number>(this.shards ?? BALANCE_SHARDS).fill(0);
    const query = { KeyConditionExpression: 'PK = :pk AND begins_with(SK, :currency)', ExpressionAttributeValues: { ':pk': keys.balancePartition(merchantId), ':currency': `${currency}#` } };
    for await (const item of this.pages(query, 'query')) {
      const shard = Number((item.SK as string).slice(currency.length + 1));
      if (shard < shards.length) shards[shard] = (item.available as number | undefined) ?? 0;
    }
    return { merchantId, currency, shards };
  }

  async accountBalance(account: string, currency: string): Promise<number> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.accountBalance(account, currency), ConsistentRead: true }));
    return (out.Item?.balance as number | undefined) ?? 0;
  }

  async getHold(holdId: string): Promise<Hold | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.hold(holdId), ConsistentRead: true }));
    return out.Item ? withoutKeys<Hold>(out.Item) : undefined;
  }

  async post(write: LedgerWrite): Promise<PostOutcome> {
    const items = ledgerWriteItems(this.tableName, write, this.shards);
    try {
      await withConflictRetry(() => this.db.send(new TransactWriteCommand({ TransactItems: items.map((i) => i.item) })), CONFLICT_ROUNDS);
      return { committed: true };
    } catch (error) {
      const reasons = cancellationReasons(error);
      const index = reasons?.findIndex((reason) => reason === 'ConditionalCheckFailed') ?? -1;
      const tag = index >= 0 ? items[index]?.tag : undefined;
      if (tag === 'balance' || tag === 'hold' || tag === 'owner') return { committed: false, failed: tag };
      throw error;
    }
  }

  async *entriesOfDay(merchantId: string, day: string): AsyncIterable<readonly LedgerEntry[]> {
    // GSI1SK is `createdAt#entryId` and createdAt an ISO instant: the day's entries are one key range, in time order.
    const request = {
      TableName: this.tableName,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk AND begins_with(GSI1SK, :day)',
      ExpressionAttributeValues: { ':pk': indexKeys.ledgerByMerchant(merchantId), ':day': `${day}T` },
    };
    for await (const page of queryPages(this.db, request)) yield page.map((item) => withoutKeys<LedgerEntry>(item));
  }

  async *allEntries(): AsyncIterable<LedgerEntry> {
    for await (const item of this.byEntity('LedgerEntry')) yield withoutKeys<LedgerEntry>(item);
  }

  async allBalances(): Promise<StoredBalance[]> {
    const totals = new Map<string, StoredBalance>();
    const add = (account: string, currency: string, amount: number) => {
      const key = `${currency} ${account}`;
      totals.set(key, { account, currency, amount: (totals.get(key)?.amount ?? 0) + amount });
    };
    for await (const item of this.byEntity('BalanceShard')) {
      // MERCHANT#<merchantId>#BALANCE: the shards of the merchant's pending and available accounts.
      const merchantId = (item.PK as string).slice('MERCHANT#'.length, -'#BALANCE'.length);
      add(accounts.merchantAvailable(merchantId), item.currency as string, (item.available as number | undefined) ?? 0);
      add(accounts.merchantPending(merchantId), item.currency as string, (item.pending as number | undefined) ?? 0);
    }
    for await (const item of this.byEntity('AccountBalance')) add(item.account as string, item.currency as string, item.balance as number);
    return [...totals.values()];
  }

  async *allHolds(): AsyncIterable<Hold> {
    for await (const item of this.byEntity('Hold')) yield withoutKeys<Hold>(item);
  }

  /** A whole-table scan by entity, strongly consistent: the check compares what it reads, so it must read what committed. */
  private byEntity(entity: string): AsyncIterable<Item> {
    return this.pages({ FilterExpression: 'entity = :entity', ExpressionAttributeValues: { ':entity': entity } }, 'scan');
  }

  private pages(input: Item, kind: 'query' | 'scan'): AsyncIterable<Item> {
    const request = { TableName: this.tableName, ConsistentRead: true, ...input };
    return kind === 'query' ? queryItems(this.db, request) : scanItems(this.db, request);
  }
}

function withoutKeys<T>(item: Item): T {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g1s, entity: _entity, ...rest } = item;
  return rest as T;
}
