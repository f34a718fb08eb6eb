import type { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { merchantBalanceRole } from '../../ledger/accounts.js';
import type { HoldWrite } from '../../ledger/holds.js';
import type { AvailableSnapshot, LedgerWrite } from '../../ledger/port.js';
import { assertPostable, netChanges, type LedgerEntry } from '../../ledger/posting.js';
import { settleItemOf } from '../../ledger/settlement.js';
import { BALANCE_SHARDS, indexKeys, keys } from './keys.js';
import { settleItemPut } from './settlement-items.js';

type TxItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** Which part of the ledger write an item is, so a failed condition can be named: `balance` (a guard) or `hold`. */
export type LedgerItemTag = 'entry' | 'shard' | 'balance' | 'hold' | 'owner';

/**
 * The TransactWriteItems of one ledger write, for the caller's transaction (the state writer's commit, or the ledger's
 * own `post`): the entry (immutable, created once), the balance items its lines change, and the hold. `shards` is
 * BALANCE_SHARDS except in the benchmark, which compares it with a single item.
 */
export function ledgerWriteItems(table: string, write: LedgerWrite, shards = BALANCE_SHARDS): { item: TxItem; tag: LedgerItemTag }[] {
  const out: { item: TxItem; tag: LedgerItemTag }[] = [];
  for (const entry of [write.entry, write.holdEntry]) {
    if (!entry) continue;
    assertPostable(entry);
    out.push({ item: entryPut(table, entry), tag: 'entry' });
    out.push(...balanceUpdates(table, entry, shards));
    // What settlement will move from pending, written with the posting so that no posting escapes a batch.
    const settle = settleItemOf(entry);
    if (settle) out.push({ item: settleItemPut(table, settle, shardOf(entry.id)), tag: 'entry' });
  }
  if (write.availableAsRead) conditionOnAvailable(table, out, write.availableAsRead);
  if (write.hold) out.push({ item: holdPut(table, write.hold), tag: 'hold' });
  if (write.unlessRefund) {
    out.push({
      item: { ConditionCheck: { TableName: table, Key: keys.refundPointer(write.unlessRefund), ConditionExpression: 'attribute_not_exists(PK)' } },
      tag: 'owner',
    });
  }
  assertOneWritePerItem(out);
  return out;
}

/**
 * A payout's guard (docs/decisions.md, entry 156): every shard of the merchant's `available` in the currency must
 * still hold what was read. The shard the entry changes gets the condition on its own update (one item, one
 * operation); the others get a ConditionCheck. A payment changes only `pending`, so it never disturbs the guard;
 * a refund or settlement that changed `available` since the read makes this write fail as `balance`, to be decided
 * again on a fresh read. Equal values are enough: the sum is what the guard is about, not the history.
 */
function conditionOnAvailable(table: string, out: { item: TxItem; tag: LedgerItemTag }[], seen: AvailableSnapshot): void {
  seen.shards.forEach((amount, shard) => {
    const key = keys.balanceShard(seen.merchantId, seen.currency, shard);
    const condition = amount === 0 ? '(attribute_not_exists(available) OR available = :seen)' : 'available = :seen';
    const row = out.find(({ item }) => item.Update?.Key?.PK === key.PK && item.Update?.Key?.SK === key.SK);
    if (row?.item.Update) {
      row.item.Update.ConditionExpression = condition;
      row.item.Update.ExpressionAttributeValues = { ...row.item.Update.ExpressionAttributeValues, ':seen': amount };
      row.tag = 'balance';
      return;
    }
    out.push({ item: { ConditionCheck: { TableName: table, Key: key, ConditionExpression: condition, ExpressionAttributeValues: { ':seen': amount } } }, tag: 'balance' });
  });
}

/**
 * A transaction may not touch one item twice (DynamoDB refuses it as a ValidationException): two entries of one
 * commit that change the same balance item are a wiring bug, named here rather than by the database. The capture's
 * pair never meets: its hold entry moves only derived accounts.
 */
function assertOneWritePerItem(items: readonly { item: TxItem }[]): void {
  const seen = new Set<string>();
  for (const { item } of items) {
    const op = item.Put ?? item.Update ?? item.ConditionCheck ?? item.Delete;
    const key = op && 'Item' in op ? { PK: op.Item?.PK, SK: op.Item?.SK } : (op as { Key?: Record<string, unknown> } | undefined)?.Key;
    const id = JSON.stringify([key?.PK, key?.SK]);
    if (seen.has(id)) throw new Error(`A ledger write touches the item ${id} twice`);
    seen.add(id);
  }
}

function entryPut(table: string, entry: LedgerEntry): TxItem {
  return {
    Put: {
      TableName: table,
      Item: {
        ...keys.ledgerEntry(entry.id),
        entity: 'LedgerEntry',
        GSI1PK: indexKeys.ledgerByMerchant(entry.merchantId),
        GSI1SK: indexKeys.timeSortKey(entry.createdAt, entry.id),
        ...entry,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}

/**
 * Sharded accounts (a merchant's pending and available) change one shard picked by the entry id, both attributes in
 * one update when the entry moves both; `single` accounts change their one item, a guarded debit on the condition
 * that the balance covers it; `derived` accounts have no item.
 */
function balanceUpdates(table: string, entry: LedgerEntry, shards: number): { item: TxItem; tag: LedgerItemTag }[] {
  const out: { item: TxItem; tag: LedgerItemTag }[] = [];
  const byMerchant = new Map<string, { pending: number; available: number }>();
  for (const { account, policy, change } of netChanges(entry.lines)) {
    if (policy.storage === 'sharded') {
      const row = byMerchant.get(policy.merchantId!) ?? { pending: 0, available: 0 };
      row[merchantBalanceRole(policy)] += change;
      byMerchant.set(policy.merchantId!, row);
    } else if (policy.storage === 'single') {
      out.push({ item: singleUpdate(table, account, entry.currency, change, policy.guard === 'non_negative'), tag: 'balance' });
      out.push({ item: linePut(table, account, entry, change), tag: 'entry' });
    }
  }
  for (const [merchantId, change] of byMerchant) {
    out.push({
      item: {
        Update: {
          TableName: table,
          Key: keys.balanceShard(merchantId, entry.currency, shardOf(entry.id, shards)),
          UpdateExpression: 'SET entity = :entity, currency = :currency ADD available :available, pending :pending',
          ExpressionAttributeValues: { ':entity': 'BalanceShard', ':currency': entry.currency, ':available': change.available, ':pending': change.pending },
        },
      },
      tag: 'shard',
    });
  }
  return out;
}

/**
 * The account's own line of the entry (a customer's statement, GET /v1/customers/{id}/transactions): written in the
 * same transaction as the balance it changes, so every movement of a `single` account is a line, and no line exists
 * for a movement that did not commit.
 */
function linePut(table: string, account: string, entry: LedgerEntry, change: number): TxItem {
  return {
    Put: {
      TableName: table,
      Item: {
        ...keys.accountLine(account, entry.createdAt, entry.id),
        entity: 'AccountLine',
        account,
        entryId: entry.id,
        entryKind: entry.kind,
        orderId: entry.orderId,
        refundId: entry.refundId ?? entry.holdId ?? null,
        currency: entry.currency,
        amount: change,
        createdAt: entry.createdAt,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}

function singleUpdate(table: string, account: string, currency: string, change: number, guarded: boolean): TxItem {
  const values = { ':entity': 'AccountBalance', ':account': account, ':currency': currency, ':change': change };
  if (change > 0 || !guarded) {
    return {
      Update: { TableName: table, Key: keys.accountBalance(account, currency), UpdateExpression: 'SET entity = :entity, account = :account, currency = :currency ADD balance :change', ExpressionAttributeValues: values },
    };
  }
  // The guard: the debit commits only if the balance covers it, in the same transaction as everything it belongs to.
  return {
    Update: {
      TableName: table,
      Key: keys.accountBalance(account, currency),
      UpdateExpression: 'SET balance = balance + :change',
      ConditionExpression: 'balance >= :need',
      ExpressionAttributeValues: { ':change': change, ':need': -change },
    },
  };
}

function holdPut(table: string, write: HoldWrite): TxItem {
  const item = { ...keys.hold(write.after.id), entity: 'Hold', ...write.after };
  if (!write.expect) return { Put: { TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(PK)' } };
  const deadline = write.expect.deadline;
  // ISO instants compare in order as strings: the deadline is checked at write time, not only when the hold was read.
  const onDeadline = deadline ? (deadline.side === 'before' ? ' AND expiresAt > :at' : ' AND expiresAt <= :at') : '';
  return {
    Put: {
      TableName: table,
      Item: item,
      ConditionExpression: `#status = :status AND #version = :version${onDeadline}`,
      ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
      ExpressionAttributeValues: { ':status': write.expect.status, ':version': write.expect.version, ...(deadline ? { ':at': deadline.at } : {}) },
    },
  };
}

/** A 31-multiplier string hash of the entry id: random ids spread one merchant's postings over its shards. */
export function shardOf(id: string, shards = BALANCE_SHARDS): number {
  let hash = 0;
  for (let i = 0; i < id.length; i += 1) hash = (hash * 31 + id.charCodeAt(i)) >>> 0;
  return hash % shards;
}
