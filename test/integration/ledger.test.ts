import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ensureTable, localDynamoDbClient } from '../../infra/local/dynamodb-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { keys } from '../../shared/adapters/dynamodb/keys.js';
import { DynamoLedgerStore } from '../../shared/adapters/dynamodb/ledger-store.js';
import { DynamoOrderStore } from '../../shared/adapters/dynamodb/order-store.js';
import { newId } from '../../shared/domain/ids.js';
import type { Order } from '../../shared/domain/order.js';
import { accounts } from '../../shared/ledger/accounts.js';
import { endHold, openHold } from '../../shared/ledger/hold-service.js';
import type { LedgerEntry, LedgerLine } from '../../shared/ledger/posting.js';
import { paymentLines } from '../../shared/ledger/rules.js';
import { checkLedger } from '../../shared/services/ledger-check.js';

/** The ledger adapter against DynamoDB Local: guarded accounts, holds, shards, and the check over what is stored. */
const table = `ledger-${randomBytes(6).toString('hex')}`;
const db = createDocumentClient({ endpoint: inject('dynamoEndpoint'), region: 'local' });
const ledger = new DynamoLedgerStore(db, table);
const orders = new DynamoOrderStore(db, table);

beforeAll(async () => {
  const admin = localDynamoDbClient(inject('dynamoEndpoint'));
  await ensureTable(admin, table);
  admin.destroy();
});
afterAll(() => db.destroy());

const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const uid = () => randomBytes(5).toString('hex');

function entry(lines: LedgerLine[], overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    id: newId('le'),
    kind: 'payment',
    merchantId: 'm_ledger',
    orderId: newId('ord'),
    refundId: null,
    channel: 'balance',
    currency: 'CNY',
    lines,
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}

/** A top-up's movement: the channel owes the platform, the customer's balance grows. */
const topUp = (customer: string, amount: number) =>
  entry([
    { account: accounts.channelClearing('card_a'), direction: 'debit', amount },
    { account: customer, direction: 'credit', amount },
  ]);

/** A balance payment's movement: the customer's balance pays the merchant. */
const spend = (customer: string, merchantId: string, amount: number) =>
  entry([
    { account: customer, direction: 'debit', amount },
    { account: accounts.merchantPending(merchantId), direction: 'credit', amount },
  ]);

async function fundedCustomer(amount: number): Promise<string> {
  const customer = accounts.customerBalance(`cus_${uid()}`);
  expect(await ledger.post({ entry: topUp(customer, amount) })).toEqual({ committed: true });
  return customer;
}

const holdSpec = (customer: string, merchantId: string, amount: number, expiresAtMs = T0 + 60_000) => ({
  id: `hold_${uid()}`,
  merchantId,
  orderId: newId('ord'),
  channel: 'balance',
  currency: 'CNY' as const,
  amount,
  debitAccount: customer,
  creditAccount: accounts.merchantPending(merchantId),
  expiresAt: new Date(expiresAtMs).toISOString(),
});

const reason = (promise: Promise<unknown>) => promise.then(() => 'ok', (e: { reason?: string }) => e.reason ?? String(e));

describe('guarded accounts', () => {
  it('20 concurrent debits of 30 % against one guarded account: exactly 3 commit, the balance never goes below zero', async () => {
    const customer = await fundedCustomer(1000);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => ledger.post({ entry: spend(customer, 'm_guard', 300) })));
    expect(outcomes.filter((o) => o.committed)).toHaveLength(3);
    expect(outcomes.filter((o) => !o.committed)).toEqual(Array.from({ length: 17 }, () => ({ committed: false, failed: 'balance' })));
    expect(await ledger.accountBalance(customer, 'CNY')).toBe(100);
    expect((await ledger.balances('m_guard')).pending).toEqual([{ currency: 'CNY', amount: 900 }]);
    expect((await checkLedger(ledger)).balanced).toBe(true);
  });

  it('a debit of an account that never had money fails; a credit creates its balance', async () => {
    const customer = accounts.customerBalance(`cus_${uid()}`);
    expect(await ledger.post({ entry: spend(customer, 'm_guard', 1) })).toEqual({ committed: false, failed: 'balance' });
    expect(await ledger.accountBalance(customer, 'CNY')).toBe(0);
    expect(await ledger.post({ entry: topUp(customer, 5) })).toEqual({ committed: true });
    expect(await ledger.post({ entry: spend(customer, 'm_guard', 5) })).toEqual({ committed: true });
    expect(await ledger.accountBalance(customer, 'CNY')).toBe(0);
  });

  it('inside a state change: the guard failing cancels the order transition, its entry and its balance items', async () => {
    const customer = await fundedCustomer(100);
    const now = new Date().toISOString();
    const order: Order = {
      id: newId('ord'), merchantId: `m_${uid()}`, outTradeNo: `G-${uid()}`, amount: 150, currency: 'CNY', subject: 'Guarded',
      status: 'PROCESSING', version: 2, amountCaptured: 0, amountRefunded: 0, refundableRemaining: 0, metadata: {},
      notifyUrl: null, payment: null, lastPaymentError: null, createdAt: now, expiresAt: new Date(Date.now() + 600_000).toISOString(), updatedAt: now,
    } as Order;
    await orders.createOrder(order);
    const pay = spend(customer, order.merchantId, 150);
    const outcome = await orders.commit({
      order: { after: { ...order, status: 'SUCCEEDED', version: 3, amountCaptured: 150 }, expect: { status: 'PROCESSING', version: 2 } },
      ledger: pay,
    });
    expect(outcome).toEqual({ committed: false, failed: 'balance' });
    expect((await orders.getOrder(order.id))?.status).toBe('PROCESSING');
    expect(await ledger.balances(order.merchantId)).toEqual({ available: [], pending: [] });
    const ids: string[] = [];
    for await (const e of ledger.allEntries()) ids.push(e.id);
    expect(ids).not.toContain(pay.id);
  });
});

describe('holds', () => {
  it('a hold takes its amount from the guarded account at once; one larger than the balance is refused and writes nothing', async () => {
    const customer = await fundedCustomer(1000);
    const hold = await openHold(ledger, holdSpec(customer, 'm_hold', 600), T0);
    expect(hold).toMatchObject({ status: 'PENDING', amount: 600, postedAmount: 0, version: 1 });
    expect(await ledger.accountBalance(customer, 'CNY')).toBe(400);
    const refused = holdSpec(customer, 'm_hold', 401);
    expect(await reason(openHold(ledger, refused, T0))).toBe('insufficient_balance');
    expect(await ledger.getHold(refused.id)).toBeUndefined();
    expect(await ledger.accountBalance(customer, 'CNY')).toBe(400);
  });

  it('posts at most its amount, once: the rest goes back to the account it came from', async () => {
    const customer = await fundedCustomer(1000);
    const merchantId = `m_${uid()}`;
    const hold = await openHold(ledger, holdSpec(customer, merchantId, 500), T0);
    expect(await reason(endHold(ledger, hold.id, { kind: 'post', amount: 501 }, T0 + 1000))).toBe('exceeds_hold');
    const posted = await endHold(ledger, hold.id, { kind: 'post', amount: 300 }, T0 + 1000);
    expect(posted).toMatchObject({ status: 'POSTED', postedAmount: 300, version: 2 });
    expect(await ledger.accountBalance(customer, 'CNY')).toBe(700);
    expect((await ledger.balances(merchantId)).pending).toEqual([{ currency: 'CNY', amount: 300 }]);
    expect(await reason(endHold(ledger, hold.id, { kind: 'post', amount: 100 }, T0 + 2000))).toBe('hold_not_pending');
    expect(await reason(endHold(ledger, hold.id, { kind: 'void' }, T0 + 2000))).toBe('hold_not_pending');
    expect(await ledger.accountBalance(customer, 'CNY')).toBe(700);
  });

  it('of 10 concurrent posts and voids of one hold exactly one ends it; the others are told it is no longer pending', async () => {
    const customer = await fundedCustomer(1000);
    const merchantId = `m_${uid()}`;
    const hold = await openHold(ledger, holdSpec(customer, merchantId, 800), T0);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => reason(endHold(ledger, hold.id, i % 2 ? { kind: 'void' } : { kind: 'post', amount: 500 }, T0 + 1000))),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'hold_not_pending')).toHaveLength(9);
    const ended = (await ledger.getHold(hold.id))!;
    expect(ended.entryIds).toHaveLength(2);
    const toMerchant = ended.status === 'POSTED' ? 500 : 0;
    expect(await ledger.accountBalance(customer, 'CNY')).toBe(1000 - toMerchant);
    expect((await ledger.balances(merchantId)).pending).toEqual(toMerchant ? [{ currency: 'CNY', amount: 500 }] : []);
    expect((await checkLedger(ledger)).balanced).toBe(true);
  });

  it('expires once its deadline has come, and not before; a post after the deadline is refused', async () => {
    const customer = await fundedCustomer(1000);
    const hold = await openHold(ledger, holdSpec(customer, 'm_hold', 250, T0 + 60_000), T0);
    expect(await reason(endHold(ledger, hold.id, { kind: 'expire' }, T0 + 59_999))).toBe('hold_not_expired');
    expect(await reason(endHold(ledger, hold.id, { kind: 'post' }, T0 + 60_000))).toBe('hold_expired');
    expect(await endHold(ledger, hold.id, { kind: 'expire' }, T0 + 60_000)).toMatchObject({ status: 'EXPIRED', postedAmount: 0 });
    expect(await ledger.accountBalance(customer, 'CNY')).toBe(1000);
    expect(await reason(endHold(ledger, hold.id, { kind: 'expire' }, T0 + 70_000))).toBe('hold_not_pending');
  });

  it('the store checks the deadline at write time: a post read before the deadline but written after it fails', async () => {
    const customer = await fundedCustomer(1000);
    const spec = holdSpec(customer, 'm_hold', 100, T0 + 60_000);
    await openHold(ledger, spec, T0);
    const { postHold } = await import('../../shared/ledger/holds.js');
    const stale = postHold((await ledger.getHold(spec.id))!, 100, { entryId: newId('le'), nowMs: T0 + 1000 });
    // The same write, dated after the deadline (as a slow writer's would be): the hold's condition refuses it.
    const late = { ...stale.write, expect: { ...stale.write.expect!, deadline: { side: 'before' as const, at: new Date(T0 + 60_000).toISOString() } } };
    expect(await ledger.post({ entry: stale.entry, hold: late })).toEqual({ committed: false, failed: 'hold' });
    expect((await ledger.getHold(spec.id))?.status).toBe('PENDING');
  });
});

describe('merchant balances are sharded, and the check compares them with the postings', () => {
  it('spreads one merchant\'s postings over several balance items whose sum is the balance', async () => {
    const merchantId = `m_${uid()}`;
    await Promise.all(Array.from({ length: 40 }, () => ledger.post({ entry: entry(paymentLines({ merchantId, channel: 'card_a', amount: 1000, fee: 6 }), { merchantId }) })));
    const shards = await db.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': keys.balancePartition(merchantId) } }));
    expect(shards.Items!.length).toBeGreaterThan(4);
    expect((await ledger.balances(merchantId)).pending).toEqual([{ currency: 'CNY', amount: 40 * 994 }]);
    expect((await checkLedger(ledger)).balanced).toBe(true);
  });

  it('reports a balance item that is not the sum of its postings', async () => {
    const merchantId = `m_${uid()}`;
    const pay = entry(paymentLines({ merchantId, channel: 'card_a', amount: 1000, fee: 6 }), { merchantId });
    await ledger.post({ entry: pay });
    const shards = await db.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': keys.balancePartition(merchantId) } }));
    await db.send(new UpdateCommand({ TableName: table, Key: { PK: shards.Items![0]!.PK, SK: shards.Items![0]!.SK }, UpdateExpression: 'ADD pending :one', ExpressionAttributeValues: { ':one': 1 } }));
    const check = await checkLedger(ledger);
    expect(check.balanced).toBe(false);
    expect(check.balances.mismatches).toEqual([{ account: accounts.merchantPending(merchantId), currency: 'CNY', stored: 995, posted: 994 }]);
    // Put it back, so the other tests' checks see sound books.
    await db.send(new UpdateCommand({ TableName: table, Key: { PK: shards.Items![0]!.PK, SK: shards.Items![0]!.SK }, UpdateExpression: 'ADD pending :one', ExpressionAttributeValues: { ':one': -1 } }));
    expect((await checkLedger(ledger)).balanced).toBe(true);
  });
});
