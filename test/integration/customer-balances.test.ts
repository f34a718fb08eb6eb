import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../shared/domain/ids.js';
import type { Order, Payment, Refund } from '../../shared/domain/order.js';
import { accounts } from '../../shared/ledger/accounts.js';
import { checkLedger } from '../../shared/services/ledger-check.js';
import { payFromBalance } from '../../shared/services/balance-payments.js';
import { createCustomer, listCustomerTransactions } from '../../shared/services/customers.js';
import type { Deps } from '../../shared/services/deps.js';
import { createOrder } from '../../shared/services/orders.js';
import { claimForPayment, commitAttemptOutcome, failRefund } from '../../shared/services/state-writer.js';
import { holdForTopupRefund } from '../../shared/services/topup-refunds.js';
import { GatedChannel, serviceDeps, TEST_MERCHANT } from '../support/service-deps.js';

/**
 * Customers' balances through the one writer on DynamoDB Local: a top-up's credit and a balance payment's debit are
 * part of the order's own transaction (all or nothing, once), and a top-up refund's hold is given back when the
 * channel refuses the refund.
 */
let deps: Deps;
let close: () => void;

beforeAll(async () => {
  const env = await serviceDeps([new GatedChannel('card_a')]);
  deps = env.deps;
  close = env.close;
});
afterAll(async () => {
  expect((await checkLedger(deps.ledger)).balanced).toBe(true);
  close();
});

const balanceOf = (customerId: string) => deps.ledger.accountBalance(accounts.customerBalance(customerId), 'CNY');

async function newCustomer() {
  return createCustomer(deps, TEST_MERCHANT, { outCustomerNo: `u-${randomBytes(4).toString('hex')}`, name: 'Test' });
}

/** An order claimed for an attempt (as pay leaves it before its channel or the ledger answers). */
async function claimed(amount: number, extra: { topupFor?: string; method?: Payment['method']; customerId?: string } = {}): Promise<{ order: Order; paymentId: string }> {
  const order = await createOrder(deps, TEST_MERCHANT, {
    outTradeNo: `CB-${randomBytes(6).toString('hex')}`,
    amount,
    currency: 'CNY',
    subject: 'Customer balances',
    metadata: {},
    expiresInSeconds: 1800,
    ...(extra.topupFor ? { purpose: 'topup', customerId: extra.topupFor } : {}),
  });
  const nowMs = deps.now();
  const paymentId = newId('pay', nowMs);
  const payment: Payment = {
    id: paymentId, method: extra.method ?? 'card', capture: true, channel: null, channelPaymentId: null, card: null, payerId: null,
    nextAction: null, fee: 0, riskDecision: null, otpFailures: 0, createdAt: new Date(nowMs).toISOString(),
    ...(extra.customerId ? { customerId: extra.customerId } : {}),
  };
  expect(await claimForPayment(deps, { orderId: order.id, merchantId: order.merchantId, payment, nowMs })).toBe(true);
  return { order, paymentId };
}

async function toppedUp(customerId: string, amount: number): Promise<Order> {
  const { order, paymentId } = await claimed(amount, { topupFor: customerId });
  const committed = await commitAttemptOutcome(deps, { orderId: order.id, paymentId, outcome: { outcome: 'succeeded', channel: 'card_a', channelPaymentId: `ch_${paymentId}` }, fees: { default: { bps: 60, fixed: 0 }, methods: {} } });
  return committed.order;
}

describe('top-ups through the one writer', () => {
  it('credits the customer with the order\'s success, once: a repeated outcome (a duplicate callback) credits nothing more', async () => {
    const customer = await newCustomer();
    const { order, paymentId } = await claimed(5000, { topupFor: customer.id });
    const outcome = { outcome: 'succeeded', channel: 'card_a', channelPaymentId: `ch_${paymentId}` } as const;
    expect((await commitAttemptOutcome(deps, { orderId: order.id, paymentId, outcome, fees: { default: { bps: 60, fixed: 0 }, methods: {} } })).kind).toBe('committed');
    expect((await commitAttemptOutcome(deps, { orderId: order.id, paymentId, outcome, fees: { default: { bps: 60, fixed: 0 }, methods: {} } })).kind).toBe('duplicate');
    expect(await balanceOf(customer.id)).toBe(5000);
    const lines = await listCustomerTransactions(deps, customer.id, { limit: 10 });
    expect(lines.data.map((t) => [t.type, t.amount, t.balanceAfter, t.orderId])).toEqual([['topup', 5000, 5000, order.id]]);
  });

  it('a top-up whose order write loses its condition credits nothing (the balance is part of the same transaction)', async () => {
    const customer = await newCustomer();
    const { order, paymentId } = await claimed(4000, { topupFor: customer.id });
    const stored = (await deps.orders.getOrder(order.id))!;
    const entry = {
      id: newId('le'), kind: 'payment' as const, merchantId: order.merchantId, orderId: order.id, refundId: null, channel: 'card_a', currency: 'CNY' as const,
      lines: [
        { account: accounts.channelClearing('card_a'), direction: 'debit' as const, amount: 4000 },
        { account: accounts.customerBalance(customer.id), direction: 'credit' as const, amount: 4000 },
      ],
      createdAt: new Date().toISOString(),
    };
    const stale = await deps.orders.commit({
      order: { after: { ...stored, status: 'SUCCEEDED', version: stored.version + 1 }, expect: { status: stored.status, version: stored.version - 1 } },
      ledger: entry,
    });
    expect(stale).toEqual({ committed: false, failed: 'order' });
    expect(await balanceOf(customer.id)).toBe(0);
    expect((await listCustomerTransactions(deps, customer.id, { limit: 10 })).data).toEqual([]);
    expect(paymentId).toMatch(/^pay_/);
  });
});

describe('balance payments through the one writer', () => {
  it('a debit the balance does not cover writes nothing but the attempt FAILED: the order is CREATED again', async () => {
    const customer = await newCustomer();
    await toppedUp(customer.id, 1000);
    const { order, paymentId } = await claimed(1500, { method: 'balance', customerId: customer.id });
    await expect(payFromBalance(deps, { orderId: order.id, paymentId })).rejects.toMatchObject({ statusCode: 402, code: 'insufficient_balance' });
    const after = (await deps.orders.getOrder(order.id))!;
    expect(after).toMatchObject({ status: 'CREATED', lastPaymentError: { code: 'insufficient_balance', paymentId } });
    expect((await deps.orders.getAttempt(order.id, paymentId))?.status).toBe('FAILED');
    expect(await balanceOf(customer.id)).toBe(1000);

    const covered = await claimed(1000, { method: 'balance', customerId: customer.id });
    const paid = await payFromBalance(deps, { orderId: covered.order.id, paymentId: covered.paymentId });
    expect(paid.order).toMatchObject({ status: 'SUCCEEDED', amountCaptured: 1000, payment: { channel: 'balance', customerId: customer.id, fee: 0 } });
    expect(await balanceOf(customer.id)).toBe(0);
  });
});

describe("a top-up's refund", () => {
  it('holds the amount on the balance before the channel is asked, and gives it back when the channel refuses', async () => {
    const customer = await newCustomer();
    const topup = await toppedUp(customer.id, 3000);
    const nowMs = deps.now();
    const now = new Date(nowMs).toISOString();
    const refund: Refund = {
      id: newId('rf', nowMs), orderId: topup.id, merchantId: topup.merchantId, outRefundNo: 'R-1', amount: 2000, currency: 'CNY', status: 'PROCESSING',
      reason: null, channel: 'card_a', channelRefundId: null, failureCode: null, version: 1, createdAt: now, updatedAt: now,
    };
    await holdForTopupRefund(deps, topup, refund, nowMs);
    expect(await balanceOf(customer.id)).toBe(1000);
    // What is held cannot be held again: a second refund of 2000 does not fit in the 1000 left.
    await expect(holdForTopupRefund(deps, topup, { ...refund, id: newId('rf', nowMs) }, nowMs)).rejects.toMatchObject({ statusCode: 409, code: 'insufficient_balance' });
    expect(await deps.orders.reserveRefund(refund)).toBe('reserved');

    const failed = await failRefund(deps, { order: topup, refund, code: 'refund_failed', nowMs: deps.now() });
    expect(failed.status).toBe('FAILED');
    expect(await balanceOf(customer.id)).toBe(3000);
    expect((await deps.ledger.getHold(refund.id))?.status).toBe('VOIDED');
    const lines = await listCustomerTransactions(deps, customer.id, { limit: 10 });
    expect(lines.data.map((t) => [t.type, t.amount, t.balanceAfter, t.refundId])).toEqual([
      ['topup_refund_returned', 2000, 3000, refund.id],
      ['topup_refund', -2000, 1000, refund.id],
      ['topup', 3000, 3000, null],
    ]);
  });
});
