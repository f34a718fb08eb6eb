import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Attempt } from '../../domain/attempt.js';
import type { Refund } from '../../domain/order.js';
import type { Payout } from '../../domain/payout.js';
import { channelDay } from '../../reconciliation/bill.js';
import type { PlatformItem } from '../../reconciliation/match.js';
import type { ReconciliationSummary } from '../../reconciliation/report.js';
import { indexKeys, RECONCILIATION_SHARDS } from './keys.js';

type Item = Record<string, unknown>;

/** The operators' list of reconciliation runs: few a day (one per channel), so one index partition holds them all. */
const RUNS_PARTITION = 'RECONCILIATIONS';
const runKey = (id: string) => ({ PK: `RECONCILIATION#${id}`, SK: 'RUN' });

/**
 * The platform's side of a reconciliation and the runs' metadata. A channel day's attempts and refunds are read from
 * their GSI1 shards (reconciliation-index.ts), never by scan; items filed on another day are reached by their pointers.
 */
export class DynamoReconciliationStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async platformDay(channel: string, day: string): Promise<PlatformItem[]> {
    const shards = await Promise.all(
      Array.from({ length: RECONCILIATION_SHARDS }, (_, shard) => this.query(indexKeys.reconciliation(channel, day, shard))),
    );
    return shards.flat().flatMap((item) => {
      if (item.entity === 'Attempt') return [attemptItem(item as unknown as Attempt)];
      if (item.entity === 'Refund') return [refundItem(item as unknown as Refund)];
      if (item.entity === PAYOUT_RECONCILIATION_ENTITY) return [toPlatformItem(item)];
      return [];
    });
  }

  async saveRun(summary: ReconciliationSummary): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...runKey(summary.id), entity: 'ReconciliationRun', GSI1PK: RUNS_PARTITION, GSI1SK: indexKeys.timeSortKey(summary.createdAt, summary.id), ...summary },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async getRun(id: string): Promise<ReconciliationSummary | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: runKey(id), ConsistentRead: true }));
    return out.Item ? toSummary(out.Item) : undefined;
  }

  /** Newest first. */
  async listRuns(limit: number): Promise<ReconciliationSummary[]> {
    const items = await this.query(RUNS_PARTITION, { limit, newestFirst: true });
    return items.map(toSummary);
  }

  /** A GSI1 partition: every page, or the first `limit` items. */
  private async query(partition: string, options: { limit?: number; newestFirst?: boolean } = {}): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'GSI1',
          KeyConditionExpression: 'GSI1PK = :p',
          ExpressionAttributeValues: { ':p': partition },
          ScanIndexForward: !options.newestFirst,
          ...(options.limit ? { Limit: options.limit } : {}),
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []));
      start = options.limit ? undefined : out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

/** The entity of a payout's reconciliation entries (payout-store.ts writes them with the payout). */
export const PAYOUT_RECONCILIATION_ENTITY = 'PayoutReconciliation';

function toPlatformItem(item: Item): PlatformItem {
  const { kind, paymentId, refundId, orderId, merchantId, amount, currency, status, createdAt, day } = item as unknown as PlatformItem;
  return { kind, paymentId, refundId, orderId, merchantId, amount, currency, status, createdAt, day };
}

function toSummary(item: Item): ReconciliationSummary {
  const { PK: _pk, SK: _sk, GSI1PK: _g, GSI1SK: _s, entity: _e, ...summary } = item;
  return summary as unknown as ReconciliationSummary;
}

/** An attempt as reconciliation compares it: what it took (the captured amount once captured) and its status. */
export function attemptItem(attempt: Attempt): PlatformItem {
  return {
    kind: 'payment', paymentId: attempt.id, refundId: null, orderId: attempt.orderId, merchantId: attempt.merchantId,
    amount: attempt.amount, currency: attempt.currency, status: attempt.status, createdAt: attempt.createdAt,
    day: channelDay(attempt.channel ?? '', attempt.createdAt),
  };
}

export function refundItem(refund: Refund): PlatformItem {
  return {
    kind: 'refund', paymentId: '', refundId: refund.id, orderId: refund.orderId, merchantId: refund.merchantId,
    amount: refund.amount, currency: refund.currency, status: refund.status, createdAt: refund.createdAt,
    day: channelDay(refund.channel, refund.createdAt),
  };
}

/**
 * A payout as reconciliation compares it: the transfer on the day the platform created it. Its `orderId` is the
 * payout id (a payout has no order; the row still names what an operator opens).
 */
export function payoutItem(payout: Payout): PlatformItem {
  return {
    kind: 'payout', paymentId: payout.id, refundId: null, orderId: payout.id, merchantId: payout.merchantId,
    amount: payout.amount, currency: payout.currency, status: payout.status, createdAt: payout.createdAt,
    day: channelDay(payout.channel, payout.createdAt),
  };
}

/** A RETURNED payout's return: the money back, on the day the platform recorded the return (the payout's last write). */
export function payoutReturnItem(payout: Payout): PlatformItem {
  return { ...payoutItem(payout), kind: 'payout_return', createdAt: payout.updatedAt, day: channelDay(payout.channel, payout.updatedAt) };
}
