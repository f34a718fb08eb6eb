import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ensureTable, localDynamoDbClient } from '../../infra/local/dynamodb-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DuplicateOutTradeNoError, DynamoOrderStore, DynamoRiskReads } from '../../shared/adapters/dynamodb/order-store.js';
import { DynamoLedgerStore } from '../../shared/adapters/dynamodb/ledger-store.js';
import { DynamoBlocklistStore } from '../../shared/adapters/dynamodb/blocklist-store.js';
import { DynamoNonceStore } from '../../shared/adapters/dynamodb/request-stores.js';
import { keys } from '../../shared/adapters/dynamodb/keys.js';
import { ReplayedRequestError } from '../../shared/domain/errors.js';
import { newId } from '../../shared/domain/ids.js';
import { paymentLines } from '../../shared/domain/ledger.js';
import type { Order, Refund } from '../../shared/domain/order.js';
import type { DomainEvent, NonceGuard, StateChange } from '../../shared/ports/stores.js';

/** The DynamoDB adapter against DynamoDB Local: conditions and transactions, without the HTTP layer. */
const table = `store-${randomBytes(6).toString('hex')}`;
const db = createDocumentClient({ endpoint: inject('dynamoEndpoint'), region: 'local' });
const store = new DynamoOrderStore(db, table);
const ledger = new DynamoLedgerStore(db, table);
/** The merchant whose nonces the guarded writes record: its status is checked in the same transaction. */
const merchants = {
  setStatus: (merchantId: string, status: string) =>
    db.send(new PutCommand({ TableName: table, Item: { ...keys.merchant(merchantId), entity: 'Merchant', merchantId, status } })),
};

beforeAll(async () => {
  const admin = localDynamoDbClient(inject('dynamoEndpoint'));
  await ensureTable(admin, table);
  admin.destroy();
});
afterAll(() => db.destroy());

function order(overrides: Partial<Order> = {}): Order {
  const now = new Date().toISOString();
  return {
    id: newId('ord'),
    merchantId: 'm_test',
    outTradeNo: `O-${randomBytes(4).toString('hex')}`,
    amount: 1000,
    currency: 'CNY',
    status: 'CREATED',
    version: 1,
    amountCaptured: 0,
    amountRefunded: 0,
    refundableRemaining: 0,
    subject: 's',
    metadata: {},
    notifyUrl: null,
    payment: null,
    lastPaymentError: null,
    createdAt: now,
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
    updatedAt: now,
    capturedAt: null,
    closedAt: null,
    closeReason: null,
    ...overrides,
  };
}

/** The store's conditional write of a whole order, as the state writer uses it. */
async function transition(t: { before: Order; after: Order } & Omit<StateChange, 'order'>): Promise<boolean> {
  const { before, after, ...rest } = t;
  return (await store.commit({ ...rest, order: { after, expect: { status: before.status, version: before.version } } })).committed;
}

function event(o: Order, id = newId('evt')): DomainEvent {
  return {
    id,
    type: 'order.succeeded',
    merchantId: o.merchantId,
    orderId: o.id,
    objectType: 'order',
    objectId: o.id,
    objectVersion: o.version,
    object: { id: o.id },
    notifyUrl: null,
    createdAt: o.updatedAt,
  };
}

describe('DynamoOrderStore', () => {
  it('refuses a second order with the same outTradeNo and names the first', async () => {
    const first = order();
    await store.createOrder(first);
    const error = await store.createOrder(order({ outTradeNo: first.outTradeNo })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateOutTradeNoError);
    expect((error as DuplicateOutTradeNoError).details).toEqual({ orderId: first.id });
  });

  it('writes a transition only over the version it read', async () => {
    const o = order();
    await store.createOrder(o);
    const claimed = { ...o, status: 'PROCESSING' as const, version: 2 };
    expect(await transition({ before: o, after: claimed })).toBe(true);
    // A second writer that read version 1 loses, and writes nothing.
    expect(await transition({ before: o, after: { ...o, status: 'CLOSED', version: 2 } })).toBe(false);
    expect((await store.getOrder(o.id))?.status).toBe('PROCESSING');
  });

  it('commits the order, its ledger entry and its event together or not at all', async () => {
    const o = order({ status: 'PROCESSING', version: 2 });
    await store.createOrder(o);
    const after = { ...o, status: 'SUCCEEDED' as const, version: 3, amountCaptured: 1000, refundableRemaining: 1000 };
    const entry = {
      id: newId('le'),
      kind: 'payment' as const,
      merchantId: o.merchantId,
      orderId: o.id,
      refundId: null,
      channel: 'card_a',
      currency: 'CNY' as const,
      lines: paymentLines({ merchantId: o.merchantId, channel: 'card_a', amount: 1000, fee: 6 }),
      createdAt: after.updatedAt,
    };
    // An event id that already exists makes the last item's condition fail: nothing of the three may be written.
    const taken = newId('evt');
    const other = order({ status: 'PROCESSING', version: 2 });
    await store.createOrder(other);
    await transition({ before: other, after: { ...other, status: 'CREATED', version: 3 }, event: event(other, taken) });
    const entriesBefore = await count(ledger.allEntries());
    await expect(transition({ before: o, after, ledger: entry, event: event(after, taken) })).rejects.toThrow();
    expect((await store.getOrder(o.id))?.status).toBe('PROCESSING');
    expect(await count(ledger.allEntries())).toBe(entriesBefore);
    expect(await ledger.balances(o.merchantId)).toEqual({ available: [], pending: [] });

    expect(await transition({ before: o, after, ledger: entry, event: event(after) })).toBe(true);
    expect((await store.getOrder(o.id))?.status).toBe('SUCCEEDED');
    expect(await ledger.balances(o.merchantId)).toEqual({ available: [{ currency: 'CNY', amount: 0 }], pending: [{ currency: 'CNY', amount: 994 }] });
  });

  it('reserves refunds against the remainder and the outRefundNo atomically', async () => {
    const o = order({ status: 'SUCCEEDED', version: 3, amountCaptured: 1000, refundableRemaining: 1000, payment: null });
    await store.createOrder(o);
    const refund = (outRefundNo: string, amount: number): Refund => ({
      id: newId('rf'),
      orderId: o.id,
      merchantId: o.merchantId,
      outRefundNo,
      amount,
      currency: 'CNY',
      status: 'PROCESSING',
      reason: null,
      channel: 'card_a',
      channelRefundId: null,
      failureCode: null,
      version: 1,
      createdAt: o.createdAt,
      updatedAt: o.createdAt,
    });
    expect(await store.reserveRefund(refund('A', 600))).toBe('reserved');
    expect(await store.reserveRefund(refund('A', 100))).toBe('duplicate');
    expect(await store.reserveRefund(refund('B', 401))).toBe('rejected');
    expect(await store.reserveRefund(refund('B', 400))).toBe('reserved');
    expect((await store.getOrder(o.id))?.refundableRemaining).toBe(0);
    expect((await store.listRefunds(o.id)).map((r) => r.outRefundNo).sort()).toEqual(['A', 'B']);
  });
});

async function count<T>(items: AsyncIterable<T>): Promise<number> {
  let n = 0;
  for await (const _ of items) n += 1;
  return n;
}

describe('the pay claim without a read, and the risk step\'s reads', () => {
  const payment = (id: string) => ({
    id,
    method: 'card' as const,
    capture: true,
    channel: null,
    channelPaymentId: null,
    card: null,
    payerId: null,
    nextAction: null,
    fee: 0,
    riskDecision: null,
    otpFailures: 0,
    createdAt: new Date().toISOString(),
  });
  const claim = async (o: Order, paymentId: string, extra: { merchantId?: string; nowMs?: number; guard?: NonceGuard } = {}) => {
    const { guard, ...over } = extra;
    const claimed = await store.commit({
      claim: { orderId: o.id, merchantId: o.merchantId, payment: payment(paymentId) as never, nowMs: Date.now(), from: 'CREATED', to: 'PROCESSING', ...over },
      guard,
    });
    return claimed.committed;
  };

  it('claims a CREATED order once, as this merchant, before it expires', async () => {
    const o = order();
    await store.createOrder(o);
    expect(await claim(o, 'pay_a', { merchantId: 'm_other' })).toBe(false);
    expect(await claim(o, 'pay_a', { nowMs: Date.parse(o.expiresAt) })).toBe(false);
    expect(await claim({ ...o, id: newId('ord') }, 'pay_a')).toBe(false); // no such order: nothing created
    expect(await store.getOrder(o.id)).toMatchObject({ status: 'CREATED', version: 1 });
    const results = await Promise.all([claim(o, 'pay_1'), claim(o, 'pay_2'), claim(o, 'pay_3')]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const claimed = await store.getOrder(o.id);
    expect(claimed).toMatchObject({ status: 'PROCESSING', version: 2 });
    expect(['pay_1', 'pay_2', 'pay_3']).toContain(claimed?.payment?.id);
    // The status index follows the claim.
    const processing = await store.listOrders({ merchantId: o.merchantId, status: 'PROCESSING', limit: 100 });
    expect(processing.orders.map((x) => x.id)).toContain(o.id);
  });

  it('records the nonce with the claim, and refuses the same nonce again without touching the order', async () => {
    const [first, second] = [order(), order()];
    await store.createOrder(first);
    await store.createOrder(second);
    await merchants.setStatus('m_test', 'active');
    const guard = () => ({ merchantId: 'm_test', nonce: `n-${randomBytes(8).toString('hex')}`, nowMs: Date.now(), windowMs: 300_000, recorded: false });
    const g = guard();
    expect(await claim(first, 'pay_n1', { guard: g })).toBe(true);
    expect(g.recorded).toBe(true);
    const replay = { ...g, recorded: false };
    await expect(claim(second, 'pay_n2', { guard: replay })).rejects.toBeInstanceOf(ReplayedRequestError);
    expect(await store.getOrder(second.id)).toMatchObject({ status: 'CREATED', version: 1 });
  });

  it('checks in the same transaction that the merchant is active, and records nothing when it is not', async () => {
    const o = order();
    await store.createOrder(o);
    await merchants.setStatus('m_test', 'disabled');
    const g = { merchantId: 'm_test', nonce: `n-${randomBytes(8).toString('hex')}`, nowMs: Date.now(), windowMs: 300_000, recorded: false };
    await expect(claim(o, 'pay_d1', { guard: g })).rejects.toMatchObject({ code: 'merchant_disabled' });
    expect(g.recorded).toBe(false);
    expect(await store.getOrder(o.id)).toMatchObject({ status: 'CREATED', version: 1 });
    // The nonce store spends the refused nonce on its own, and still says why.
    const nonces = new DynamoNonceStore(db, table);
    expect(await nonces.record(g)).toBe('merchant_disabled');
    await merchants.setStatus('m_test', 'active');
    expect(await nonces.record(g)).toBe('replayed');
    expect(await claim(o, 'pay_d2', { guard: { ...g, nonce: `${g.nonce}-2` } })).toBe(true);
  });

  it('reads the order and the blocklist entries in one call', async () => {
    const o = order();
    await store.createOrder(o);
    const blocklist = new DynamoBlocklistStore(db, table);
    await blocklist.add('payer_id:u-risk', 'test');
    const reads = new DynamoRiskReads(db, table);
    const { order: read, blocked } = await reads.load(o.id, ['payer_id:u-risk', 'payer_ip:203.0.113.9']);
    expect(read).toMatchObject({ id: o.id, status: 'CREATED', amount: 1000 });
    expect(read).not.toHaveProperty('PK');
    expect([...blocked]).toEqual(['payer_id:u-risk']);
    expect((await reads.load(newId('ord'), [])).order).toBeUndefined();
  });
});
