import {
  BatchGetCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, PermissionError, ReplayedRequestError, ValidationError } from '../../domain/errors.js';
import type { Order, Refund } from '../../domain/order.js';
import type { OrderStatus } from '../../domain/order-state.js';
import type { Attempt, AttemptPointer } from '../../domain/attempt.js';
import { counterId, type CounterIncrement, type CounterKey, type CounterValue } from '../../domain/velocity.js';
import type {
  AgreementPeriodCount,
  CommitOutcome,
  DomainEvent,
  NonceGuard,
  OrderQuery,
  OrderStore,
  RiskReads,
  ReserveRefundResult,
  StateChange,
} from '../../ports/stores.js';
import { cancellationReasons, withConflictRetry } from './client.js';
import { channelCallUpdate } from './channel-health-store.js';
import { channelUsageUpdate } from './channel-store.js';
import { indexKeys, keys } from './keys.js';
import { reconciliationIndex } from './reconciliation-index.js';
import { ledgerWriteItems } from './ledger-items.js';
import { outboxEventItem } from './outbox-item.js';
import { nonceFailure, nonceItems } from './request-stores.js';
import { queryAll } from './query-pages.js';

type Item = Record<string, unknown>;
type TxItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

const KEY_ATTRIBUTES = ['PK', 'SK', 'GSI1PK', 'GSI1SK', 'GSI2PK', 'GSI2SK', 'entity', 'ttl'];

function strip<T>(item: Item | undefined): T | undefined {
  if (!item) return undefined;
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!KEY_ATTRIBUTES.includes(k)) out[k] = v;
  return out as T;
}

export class DuplicateOutTradeNoError extends ConflictError {
  constructor(existingOrderId: string | undefined) {
    super('duplicate_out_trade_no', 'An order with this outTradeNo already exists.', { orderId: existingOrderId });
  }
}

/**
 * Orders, refunds and outbox events in the single table. Every state change is a conditional write, and every change
 * that moves money commits with its ledger part (built by the ledger adapter, ledger-items.ts) and event in one
 * TransactWriteItems: all or nothing.
 */
export class DynamoOrderStore implements OrderStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async createOrder(order: Order, guard?: NonceGuard): Promise<void> {
    const [head, offset] = this.guardItems(guard);
    try {
      await withConflictRetry(() => this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            ...head,
            {
              Put: {
                TableName: this.tableName,
                Item: orderItem(order),
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.outTradeNo(order.merchantId, order.outTradeNo), entity: 'OutTradeNo', orderId: order.id },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
          ],
        }),
      ));
      if (guard) guard.recorded = true;
    } catch (error) {
      const reasons = cancellationReasons(error);
      this.throwIfReplayed(guard, reasons);
      if (reasons?.[offset + 1] === 'ConditionalCheckFailed') {
        throw new DuplicateOutTradeNoError(await this.findOrderIdByOutTradeNo(order.merchantId, order.outTradeNo));
      }
      throw error;
    }
  }

  /** The nonce items go first, so theirs is the failure reported when a replay also fails other conditions. */
  private guardItems(guard: NonceGuard | undefined): [TxItem[], number] {
    return guard ? [nonceItems(this.tableName, guard), 2] : [[], 0];
  }

  private throwIfReplayed(guard: NonceGuard | undefined, reasons: string[] | undefined): void {
    const failure = guard && nonceFailure(reasons);
    if (failure === 'replayed') {
      guard!.recorded = true; // by the request this one replays
      throw new ReplayedRequestError();
    }
    // Not recorded: the API layer spends the nonce on its own before it answers 403.
    if (failure === 'merchant_disabled') throw new PermissionError('merchant_disabled');
  }

  async getOrder(orderId: string): Promise<Order | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.order(orderId), ConsistentRead: true }),
    );
    return strip<Order>(out.Item);
  }

  async findOrderIdByOutTradeNo(merchantId: string, outTradeNo: string): Promise<string | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.outTradeNo(merchantId, outTradeNo), ConsistentRead: true }),
    );
    return out.Item?.orderId as string | undefined;
  }

  async oldestOrderInStatus(merchantId: string, status: OrderStatus): Promise<Order | undefined> {
    // The status partition is sorted by creation time: its first item is the oldest. One item read, never a scan.
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'GSI2',
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'GSI2PK' },
        ExpressionAttributeValues: { ':pk': indexKeys.ordersByStatus(merchantId, status) },
        ScanIndexForward: true,
        Limit: 1,
      }),
    );
    return strip<Order>(out.Items?.[0]);
  }

  async listOrders(query: OrderQuery): Promise<{ orders: Order[]; nextCursor: string | null }> {
    const byStatus = query.status !== undefined;
    const indexName = byStatus ? 'GSI2' : 'GSI1';
    const pkName = byStatus ? 'GSI2PK' : 'GSI1PK';
    const skName = byStatus ? 'GSI2SK' : 'GSI1SK';
    const partition = byStatus
      ? indexKeys.ordersByStatus(query.merchantId, query.status!)
      : indexKeys.ordersByMerchant(query.merchantId);
    const values: Item = { ':pk': partition };
    let condition = '#pk = :pk';
    if (query.createdFrom || query.createdTo) {
      condition += ' AND #sk BETWEEN :from AND :to';
      values[':from'] = query.createdFrom ?? '0';
      // '~' sorts after every id character, so the upper bound includes all ids of that instant.
      values[':to'] = `${query.createdTo ?? '9999'}~`;
    }
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: indexName,
        KeyConditionExpression: condition,
        ExpressionAttributeNames: { '#pk': pkName, ...(values[':from'] ? { '#sk': skName } : {}) },
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: query.limit,
        ExclusiveStartKey: query.cursor ? decodeCursor(query.cursor, pkName, partition) : undefined,
      }),
    );
    return {
      orders: (out.Items ?? []).map((item) => strip<Order>(item)!),
      nextCursor: out.LastEvaluatedKey ? encodeCursor(out.LastEvaluatedKey) : null,
    };
  }

  /**
   * One StateChange in one TransactWriteItems. The nonce items go first (their failure is reported before any
   * other), then each part with its condition; `tags` names each item's part, to say which condition failed.
   */
  async commit(change: StateChange): Promise<CommitOutcome> {
    const [head] = this.guardItems(change.guard);
    const items: TxItem[] = [...head];
    const tags: Array<Exclude<CommitOutcome, { committed: true }>['failed'] | 'guard' | 'other'> = head.map(() => 'guard' as const);
    const add = (tag: (typeof tags)[number], ...more: TxItem[]) => {
      for (const item of more) {
        items.push(item);
        tags.push(tag);
      }
    };
    if (change.claim) add('order', this.claimItem(change.claim));
    if (change.order) add('order', this.orderPut(change.order.after, change.order.expect));
    for (const attempt of change.attempts ?? []) add('attempt', this.attemptPut(attempt.after, attempt.expect));
    for (const pointer of change.pointers ?? []) add('pointer', this.pointerPut(pointer));
    if (change.refund) add('refund', this.refundPut(change.refund.after, change.refund.expect));
    if (change.refundTotals) add('refundTotals', this.refundTotalsItem(change.refundTotals));
    if (change.attemptChannel) {
      add('order', {
        Update: {
          TableName: this.tableName,
          Key: keys.order(change.attemptChannel.orderId),
          // The routing decision rides on the same write: the attempt item, made from this summary, keeps it.
          UpdateExpression: change.attemptChannel.routing ? 'SET payment.channel = :channel, payment.routing = :routing' : 'SET payment.channel = :channel',
          ConditionExpression: '#status = :processing AND payment.id = :paymentId',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':channel': change.attemptChannel.channel,
            ...(change.attemptChannel.routing ? { ':routing': change.attemptChannel.routing } : {}),
            ':processing': 'PROCESSING',
            ':paymentId': change.attemptChannel.paymentId,
          },
        },
      });
    }
    if (change.releaseRefund) {
      add('other', {
        Update: {
          TableName: this.tableName,
          Key: keys.order(change.releaseRefund.orderId),
          UpdateExpression: 'ADD refundableRemaining :amount',
          ExpressionAttributeValues: { ':amount': change.releaseRefund.amount },
        },
      });
    }
    // The ledger's part (entry, balance items, hold): a guarded account's failed condition is `balance`, a hold's `hold`.
    for (const { item, tag } of ledgerWriteItems(this.tableName, { entry: change.ledger, hold: change.hold, holdEntry: change.holdEntry })) {
      add(tag === 'balance' || tag === 'hold' ? tag : 'other', item);
    }
    if (change.event) add('other', this.eventItem(change.event));
    if (change.agreementActive) {
      add('agreement', {
        ConditionCheck: {
          TableName: this.tableName,
          Key: keys.agreement(change.agreementActive.agreementId),
          ConditionExpression: '#status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': 'ACTIVE' },
        },
      });
    }
    if (change.agreementPeriod) add('agreementPeriod', this.periodCountItem(change.agreementPeriod));
    for (const increment of change.velocity ?? []) add('other', velocityCountItem(this.tableName, increment));
    if (change.channelUsage) add('other', channelUsageUpdate(this.tableName, change.channelUsage));
    if (change.channelCall) add('other', { Update: channelCallUpdate(this.tableName, change.channelCall) });
    try {
      await withConflictRetry(() => this.db.send(new TransactWriteCommand({ TransactItems: items })));
      if (change.guard) change.guard.recorded = true;
      return { committed: true };
    } catch (error) {
      const reasons = cancellationReasons(error);
      this.throwIfReplayed(change.guard, reasons);
      const index = reasons?.findIndex((reason) => reason === 'ConditionalCheckFailed') ?? -1;
      const tag = index >= 0 ? tags[index] : undefined;
      if (tag && tag !== 'guard' && tag !== 'other') return { committed: false, failed: tag };
      throw error;
    }
  }

  /** One more debit on the period's counter, only while both sums stay within the channel's period rule. */
  private periodCountItem(p: AgreementPeriodCount): TxItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: keys.agreementPeriod(p.agreementId, p.period),
        UpdateExpression: 'ADD debits :one, amount :amount SET entity = :entity',
        // `:zero <= :room` refuses a first debit already above the period's sum, which the counter's absence would let by.
        ConditionExpression: '(attribute_not_exists(debits) OR debits < :maxDebits) AND :zero <= :room AND (attribute_not_exists(amount) OR amount <= :room)',
        ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':amount': p.amount, ':maxDebits': p.maxDebits, ':room': p.maxAmount - p.amount, ':entity': 'AgreementPeriod' },
      },
    };
  }

  private claimItem(c: NonNullable<StateChange['claim']>): TxItem {
    const now = new Date(c.nowMs).toISOString();
    return {
      Update: {
        TableName: this.tableName,
        Key: keys.order(c.orderId),
        UpdateExpression: 'SET #status = :to, #version = #version + :one, payment = :payment, updatedAt = :now, GSI2PK = :byStatus',
        // Expiry as in isExpired: an order whose expiresAt has come is no longer payable (ISO strings compare in order).
        ConditionExpression: 'merchantId = :merchantId AND #status = :from AND expiresAt > :now',
        ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
        ExpressionAttributeValues: {
          ':to': c.to,
          ':from': c.from,
          ':one': 1,
          ':payment': c.payment,
          ':now': now,
          ':merchantId': c.merchantId,
          ':byStatus': indexKeys.ordersByStatus(c.merchantId, c.to),
        },
      },
    };
  }

  private orderPut(after: Order, expect: { status: string; version: number }): TxItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: orderItem(after),
        ConditionExpression: '#status = :status AND #version = :version',
        ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
        ExpressionAttributeValues: { ':status': expect.status, ':version': expect.version },
      },
    };
  }

  /** `expect` null creates the attempt; version 0 is an attempt known only from its order's summary (older data). */
  private attemptPut(after: Attempt, expect: { status: string; version: number } | null): TxItem {
    const item = { ...keys.attempt(after.orderId, after.id), entity: 'Attempt', ...reconciliationIndex(after.channel, after.createdAt, after.id), ...after };
    if (!expect || expect.version === 0) {
      return { Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(PK)' } };
    }
    return {
      Put: {
        TableName: this.tableName,
        Item: item,
        ConditionExpression: '#status = :status AND #version = :version',
        ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
        ExpressionAttributeValues: { ':status': expect.status, ':version': expect.version },
      },
    };
  }

  private pointerPut(p: AttemptPointer): TxItem {
    const key = p.channelPaymentId !== null && p.channel !== null
      ? keys.channelPayment(p.channel, p.channelPaymentId)
      : keys.paymentPointer(p.paymentId);
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...key, entity: 'AttemptPointer', ...p },
        // Rewritten by a retry of the same commit; a channel payment id never moves to another attempt.
        ConditionExpression: 'attribute_not_exists(PK) OR paymentId = :paymentId',
        ExpressionAttributeValues: { ':paymentId': p.paymentId },
      },
    };
  }

  private refundPut(after: Refund, expect: string): TxItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: refundItem(after),
        ConditionExpression: '#status = :expect',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':expect': expect },
      },
    };
  }

  /**
   * The refund that brings amountRefunded to amountCaptured also moves the order to REFUNDED; which refund that is
   * can only be known at write time, so the writer conditions on it (`refundedBefore`) and flips on failure.
   */
  private refundTotalsItem(t: NonNullable<StateChange['refundTotals']>): TxItem {
    const final = t.toStatus !== null;
    return {
      Update: {
        TableName: this.tableName,
        Key: keys.order(t.orderId),
        UpdateExpression: final
          ? 'SET updatedAt = :now, #status = :to, GSI2PK = :gsi2 ADD amountRefunded :amount, #version :one'
          : 'SET updatedAt = :now ADD amountRefunded :amount, #version :one',
        ConditionExpression: final
          ? '#status = :succeeded AND amountRefunded = :before'
          : '#status = :succeeded AND amountRefunded < :before',
        ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
        ExpressionAttributeValues: {
          ':now': t.now,
          ':amount': t.amount,
          ':one': 1,
          ':succeeded': 'SUCCEEDED',
          ':before': t.refundedBefore,
          ...(final ? { ':to': t.toStatus, ':gsi2': indexKeys.ordersByStatus(t.merchantId, t.toStatus!) } : {}),
        },
      },
    };
  }

  async getAttempt(orderId: string, paymentId: string): Promise<Attempt | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.attempt(orderId, paymentId), ConsistentRead: true }),
    );
    return strip<Attempt>(out.Item);
  }

  async listAttempts(orderId: string): Promise<Attempt[]> {
    return this.queryUnder<Attempt>(orderId, 'ATTEMPT#');
  }

  async findAttempt(ref: { channel: string | null; channelPaymentId: string | null; paymentId?: string }): Promise<{ orderId: string; paymentId: string } | undefined> {
    const key = ref.channel !== null && ref.channelPaymentId !== null
      ? keys.channelPayment(ref.channel, ref.channelPaymentId)
      : ref.paymentId ? keys.paymentPointer(ref.paymentId) : undefined;
    if (!key) return undefined;
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    if (!out.Item) return undefined;
    return { orderId: out.Item.orderId as string, paymentId: out.Item.paymentId as string };
  }

  async reserveRefund(refund: Refund): Promise<ReserveRefundResult> {
    try {
      await withConflictRetry(() =>
        this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: keys.order(refund.orderId),
                  UpdateExpression: 'SET refundableRemaining = refundableRemaining - :amount',
                  ConditionExpression: '#status = :succeeded AND refundableRemaining >= :amount',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: { ':amount': refund.amount, ':succeeded': 'SUCCEEDED' },
                },
              },
              {
                Put: {
                  TableName: this.tableName,
                  Item: {
                    ...keys.outRefundNo(refund.orderId, refund.outRefundNo),
                    entity: 'OutRefundNo',
                    refundId: refund.id,
                    amount: refund.amount,
                  },
                  ConditionExpression: 'attribute_not_exists(PK)',
                },
              },
              {
                Put: {
                  TableName: this.tableName,
                  Item: refundItem(refund),
                  ConditionExpression: 'attribute_not_exists(PK)',
                },
              },
              {
                Put: {
                  TableName: this.tableName,
                  Item: { ...keys.refundPointer(refund.id), entity: 'RefundPointer', orderId: refund.orderId },
                  ConditionExpression: 'attribute_not_exists(PK)',
                },
              },
            ],
          }),
        ),
      );
      return 'reserved';
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons?.[1] === 'ConditionalCheckFailed') return 'duplicate';
      if (reasons?.[0] === 'ConditionalCheckFailed') return 'rejected';
      throw error;
    }
  }

  async getRefund(refundId: string): Promise<Refund | undefined> {
    const pointer = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.refundPointer(refundId), ConsistentRead: true }),
    );
    const orderId = pointer.Item?.orderId as string | undefined;
    if (!orderId) return undefined;
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.refund(orderId, refundId), ConsistentRead: true }),
    );
    return strip<Refund>(out.Item);
  }

  async findRefundByOutRefundNo(orderId: string, outRefundNo: string): Promise<Refund | undefined> {
    const lock = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.outRefundNo(orderId, outRefundNo), ConsistentRead: true }),
    );
    const refundId = lock.Item?.refundId as string | undefined;
    if (!refundId) return undefined;
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.refund(orderId, refundId), ConsistentRead: true }),
    );
    return strip<Refund>(out.Item);
  }

  async listRefunds(orderId: string): Promise<Refund[]> {
    return this.queryUnder<Refund>(orderId, 'REFUND#');
  }

  /** The order's items of one kind (by sort key prefix), every page. */
  private async queryUnder<T>(orderId: string, prefix: string): Promise<T[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.order(orderId).PK, ':prefix': prefix },
      ConsistentRead: true,
    });
    return items.map((item) => strip<T>(item)!);
  }

  private eventItem(event: DomainEvent): TxItem {
    return outboxEventItem(this.tableName, event);
  }
}

function orderItem(order: Order): Item {
  const sortKey = indexKeys.timeSortKey(order.createdAt, order.id);
  return {
    ...keys.order(order.id),
    entity: 'Order',
    GSI1PK: indexKeys.ordersByMerchant(order.merchantId),
    GSI1SK: sortKey,
    GSI2PK: indexKeys.ordersByStatus(order.merchantId, order.status),
    GSI2SK: sortKey,
    ...order,
  };
}

function refundItem(refund: Refund): Item {
  return { ...keys.refund(refund.orderId, refund.id), entity: 'Refund', ...reconciliationIndex(refund.channel, refund.createdAt, refund.id), ...refund };
}

function encodeCursor(key: Item): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** A cursor is only accepted for the same merchant's same index partition. */
function decodeCursor(cursor: string, pkName: string, partition: string): Item {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      key &&
      typeof key === 'object' &&
      !Array.isArray(key) &&
      Object.values(key).every((v) => typeof v === 'string') &&
      (key as Item)[pkName] === partition
    ) {
      return key as Item;
    }
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError('cursor_invalid', 'The cursor is not valid for this query.', 'cursor');
}


/**
 * The risk step's reads in one BatchGet: the order (as claimed), the blocklist entries and the velocity counters its
 * rules need (docs/decisions.md, 217). Strongly consistent, so the claim just written is seen; unprocessed keys are
 * retried, never read as "not blocked" or "not counted". Past BatchGet's 100 keys (many rules with many windows)
 * the keys go in more calls.
 */
export class DynamoRiskReads implements RiskReads {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async load(
    orderId: string,
    lookups: readonly string[],
    counterKeys: readonly CounterKey[] = [],
  ): Promise<{ order: Order | undefined; blocked: Set<string>; counters: Map<string, CounterValue> }> {
    const blocked = new Set<string>();
    const counters = new Map<string, CounterValue>();
    let order: Order | undefined;
    const orderKey = keys.order(orderId);
    const all: Record<string, unknown>[] = [
      orderKey,
      ...[...new Set(lookups)].map((key) => keys.blocklist(key)),
      ...counterKeys.map((c) => keys.velocityCounter(c.merchantId, c.subject, c.value, c.bucketSeconds, c.bucket)),
    ];
    for (let start = 0; start < all.length; start += BATCH_GET_KEYS) {
      for (const item of await this.batchGet(all.slice(start, start + BATCH_GET_KEYS))) {
        if (item.PK === orderKey.PK && item.SK === orderKey.SK) order = strip<Order>(item);
        else if (item.entity === 'VelocityCounter') counters.set(item.counterId as string, counterValueOf(item));
        else blocked.add(item.key as string);
      }
    }
    return { order, blocked, counters };
  }

  private async batchGet(keysToRead: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let pending = keysToRead;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt >= 5) throw new Error('Risk reads left keys unprocessed');
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      const out = await this.db.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }));
      items.push(...(out.Responses?.[this.tableName] ?? []));
      pending = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
    return items;
  }
}

const BATCH_GET_KEYS = 100;

/**
 * One attempt more (and its amount in its currency) on a velocity counter, created by the first attempt of its bucket,
 * with the TTL that removes it once no window reaches it (docs/decisions.md, 216). No condition: counting never fails
 * a commit. `counterId` is kept on the item so the risk step's BatchGet matches it to the key it asked for.
 */
function velocityCountItem(tableName: string, c: CounterIncrement): TxItem {
  return {
    Update: {
      TableName: tableName,
      Key: keys.velocityCounter(c.merchantId, c.subject, c.value, c.bucketSeconds, c.bucket),
      UpdateExpression: 'ADD #count :one, #amount :amount SET entity = :entity, counterId = :id, #ttl = :ttl',
      ExpressionAttributeNames: { '#count': 'count', '#amount': `amount_${c.currency}`, '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':one': 1, ':amount': c.amount, ':entity': 'VelocityCounter', ':id': counterId(c), ':ttl': c.expiresAt },
    },
  };
}

function counterValueOf(item: Record<string, unknown>): CounterValue {
  const amounts: Record<string, number> = {};
  for (const [name, value] of Object.entries(item)) if (name.startsWith('amount_') && typeof value === 'number') amounts[name.slice(7)] = value;
  return { count: typeof item.count === 'number' ? item.count : 0, amounts };
}
