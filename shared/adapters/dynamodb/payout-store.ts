import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Payout, PayoutStatus } from '../../domain/payout.js';
import type { AvailableSnapshot, LedgerWrite, LedgerWriteFailure } from '../../ledger/port.js';
import type { DomainEvent } from '../../ports/stores.js';
import { cancellationReasons, withConflictRetry } from './client.js';
import { indexKeys, keys } from './keys.js';
import { reconciliationShard } from './reconciliation-index.js';
import { PAYOUT_RECONCILIATION_ENTITY, payoutItem, payoutReturnItem } from './reconciliation-store.js';
import { ledgerWriteItems } from './ledger-items.js';
import { DynamoLedgerStore } from './ledger-store.js';
import { ValidationError } from '../../domain/errors.js';
import { outboxEventItem } from './outbox-item.js';

type Item = Record<string, unknown>;
type TxItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

export const payoutKeys = {
  payout: (payoutId: string) => ({ PK: `PAYOUT#${payoutId}`, SK: 'PAYOUT' }),
  outPayoutNo: (merchantId: string, outPayoutNo: string) => ({ PK: `MERCHANT#${merchantId}#OUTPAYOUTNO#${outPayoutNo}`, SK: 'UNIQUE' }),
  byMerchant: (merchantId: string) => `MERCHANT#${merchantId}#PAYOUTS`,
  byStatus: (merchantId: string, status: string) => `MERCHANT#${merchantId}#PAYOUTSTATUS#${status}`,
};

export type PayoutWriteOutcome = { readonly committed: true } | { readonly committed: false; readonly failed: 'payout' | 'outPayoutNo' | LedgerWriteFailure | 'other' };

export interface PayoutQuery {
  readonly merchantId?: string;
  readonly status?: PayoutStatus;
  readonly limit: number;
  readonly cursor?: string;
}

/**
 * Payouts in the single table (docs/data-model.md, payouts): the payout item, its outPayoutNo pointer, and the
 * ledger write of each step in the same TransactWriteItems, so the reservation and the payout exist together or not
 * at all, and each ending commits with its ledger entries and its outbox event.
 */
export class DynamoPayoutStore {
  private readonly ledger: DynamoLedgerStore;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.ledger = new DynamoLedgerStore(db, tableName);
  }

  availableShards(merchantId: string, currency: string): Promise<AvailableSnapshot> {
    return this.ledger.availableShards(merchantId, currency);
  }

  async get(payoutId: string): Promise<Payout | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: payoutKeys.payout(payoutId), ConsistentRead: true }));
    return out.Item ? strip(out.Item) : undefined;
  }

  async findByOutPayoutNo(merchantId: string, outPayoutNo: string): Promise<Payout | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: payoutKeys.outPayoutNo(merchantId, outPayoutNo), ConsistentRead: true }));
    return out.Item ? this.get(out.Item.payoutId as string) : undefined;
  }

  /** The payout, its outPayoutNo pointer and its reservation, in one transaction. */
  create(payout: Payout, reservation: LedgerWrite): Promise<PayoutWriteOutcome> {
    return this.transact([
      { tag: 'payout', item: { Put: { TableName: this.tableName, Item: this.item(payout), ConditionExpression: 'attribute_not_exists(PK)' } } },
      {
        tag: 'outPayoutNo',
        item: {
          Put: {
            TableName: this.tableName,
            Item: { ...payoutKeys.outPayoutNo(payout.merchantId, payout.outPayoutNo), entity: 'OutPayoutNo', payoutId: payout.id },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
      },
      ...ledgerWriteItems(this.tableName, reservation).map(({ item, tag }) => ({ item, tag: ledgerTag(tag) })),
      ...this.reconciliationEntries(payout),
    ]);
  }

  /** The payout moved from `expectVersion`, with the step's ledger writes and its outbox event, in one transaction. */
  update(after: Payout, expectVersion: number, ledger: readonly LedgerWrite[], event?: DomainEvent): Promise<PayoutWriteOutcome> {
    return this.transact([
      {
        tag: 'payout',
        item: {
          Put: {
            TableName: this.tableName,
            Item: this.item(after),
            ConditionExpression: '#version = :version',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':version': expectVersion },
          },
        },
      },
      ...ledger.flatMap((write) => ledgerWriteItems(this.tableName, write).map(({ item, tag }) => ({ item, tag: ledgerTag(tag) }))),
      ...(event ? [{ tag: 'other' as const, item: outboxEventItem(this.tableName, event) }] : []),
      ...this.reconciliationEntries(after),
    ]);
  }

  /** A merchant's payouts (or, for operators, every merchant's by status), newest first, one page. */
  async list(query: PayoutQuery & { merchantId: string }): Promise<{ payouts: Payout[]; nextCursor: string | null }> {
    const byStatus = query.status !== undefined;
    const [index, pkName, skName] = byStatus ? ['GSI2', 'GSI2PK', 'GSI2SK'] : ['GSI1', 'GSI1PK', 'GSI1SK'];
    const partition = byStatus ? payoutKeys.byStatus(query.merchantId, query.status!) : payoutKeys.byMerchant(query.merchantId);
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': pkName },
        ExpressionAttributeValues: { ':pk': partition },
        ScanIndexForward: false,
        Limit: query.limit,
        ExclusiveStartKey: query.cursor ? startKey(query.cursor, { [pkName]: partition }, skName) : undefined,
      }),
    );
    const last = out.LastEvaluatedKey;
    return { payouts: (out.Items ?? []).map((item) => strip(item)), nextCursor: last ? Buffer.from(last[skName] as string, 'utf8').toString('base64url') : null };
  }

  private item(payout: Payout): Item {
    return {
      ...payoutKeys.payout(payout.id),
      entity: 'Payout',
      GSI1PK: payoutKeys.byMerchant(payout.merchantId),
      GSI1SK: indexKeys.timeSortKey(payout.createdAt, payout.id),
      GSI2PK: payoutKeys.byStatus(payout.merchantId, payout.status),
      GSI2SK: indexKeys.timeSortKey(payout.createdAt, payout.id),
      ...payout,
    };
  }

  /**
   * The payout on its channel's business day for reconciliation (docs/decisions.md, 189): the payout's own item is
   * already on two indexes (by merchant, by status), so a small entry beside it (same partition) carries the
   * reconciliation index, rewritten with every write of the payout so its status is current; a RETURNED payout gets a
   * second entry on the day of its return. Written in the payout's own transaction: never out of step with it.
   */
  private reconciliationEntries(payout: Payout): { tag: 'other'; item: TxItem }[] {
    const entries = [payoutItem(payout), ...(payout.status === 'RETURNED' ? [payoutReturnItem(payout)] : [])];
    return entries.map((entry) => ({
      tag: 'other' as const,
      item: {
        Put: {
          TableName: this.tableName,
          Item: {
            PK: payoutKeys.payout(payout.id).PK,
            SK: `RECONCILIATION#${entry.kind}`,
            entity: PAYOUT_RECONCILIATION_ENTITY,
            GSI1PK: indexKeys.reconciliation(payout.channel, entry.day, reconciliationShard(payout.id)),
            GSI1SK: indexKeys.timeSortKey(entry.createdAt, payout.id),
            ...entry,
          },
        },
      },
    }));
  }

  private async transact(items: { tag: Exclude<PayoutWriteOutcome, { committed: true }>['failed']; item: TxItem }[]): Promise<PayoutWriteOutcome> {
    try {
      await withConflictRetry(() => this.db.send(new TransactWriteCommand({ TransactItems: items.map((i) => i.item) })), 12);
      return { committed: true };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      const index = reasons.findIndex((reason) => reason === 'ConditionalCheckFailed');
      if (index < 0) throw error;
      return { committed: false, failed: items[index]!.tag };
    }
  }
}

/**
 * A cursor is the last payout's index sort key (`<createdAt>#<payoutId>`), from which its whole key follows; it is
 * only ever read in the partition of the query it is given to, so it cannot reach another merchant's payouts.
 */
function startKey(cursor: string, partition: Record<string, string>, skName: string): Item {
  const sortKey = Buffer.from(cursor, 'base64url').toString('utf8');
  const payoutId = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z#(po_[0-9a-z]{26})$/.exec(sortKey)?.[1];
  if (!payoutId) throw new ValidationError('cursor_invalid', 'The cursor is not valid for this query.', 'cursor');
  return { ...payoutKeys.payout(payoutId), ...partition, [skName]: sortKey };
}

function ledgerTag(tag: string): LedgerWriteFailure | 'other' {
  return tag === 'balance' || tag === 'hold' || tag === 'owner' ? tag : 'other';
}

function strip(item: Item): Payout {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g1s, GSI2PK: _g2, GSI2SK: _g2s, entity: _entity, ...rest } = item;
  return rest as unknown as Payout;
}
