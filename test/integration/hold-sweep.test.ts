import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../shared/domain/ids.js';
import type { Order, Refund } from '../../shared/domain/order.js';
import { accounts } from '../../shared/ledger/accounts.js';
import { createCustomer } from '../../shared/services/customers.js';
import type { Deps } from '../../shared/services/deps.js';
import { handleHoldSweep, holdSweepKey } from '../../shared/services/hold-sweep.js';
import { checkLedger } from '../../shared/services/ledger-check.js';
import { createRefund } from '../../shared/services/refunds.js';
import { commitAttemptOutcome } from '../../shared/services/state-writer.js';
import { holdForTopupRefund } from '../../shared/services/topup-refunds.js';
import type { MemoryTimers } from '../support/memory-timers.js';
import { cardOrder, GatedChannel, serviceDeps, TEST_MERCHANT } from '../support/service-deps.js';

/**
 * The orphaned hold sweep on DynamoDB Local (docs/decisions.md, entry 142): a top-up refund whose process dies
 * between its hold on the customer's balance and its reservation leaves a hold no refund owns; the `hold.sweep` timer
 * set before the hold voids it and the balance comes back. A hold a refund owns is left to the refund, also when the
 * reservation commits between the sweep's read and its void.
 */
let deps: Deps;
let timers: MemoryTimers;
let close: () => void;

beforeAll(async () => {
  ({ deps, timers, close } = await serviceDeps([new GatedChannel('card_a')]));
  await deps.merchants.create(TEST_MERCHANT);
});
afterAll(async () => {
  expect((await checkLedger(deps.ledger)).balanced).toBe(true);
  close();
});

const balanceOf = (customerId: string) => deps.ledger.accountBalance(accounts.customerBalance(customerId), 'CNY');
/** The services as the timer sees them when it is due (the janitor's first wait after the hold). */
const whenDue = (timerDueAtMs: number): Deps => ({ ...deps, now: () => timerDueAtMs });

/** A customer whose balance holds `amount` from a top-up paid by card (SUCCEEDED through the one writer). */
async function toppedUpCustomer(amount: number): Promise<{ customerId: string; order: Order }> {
  const customer = await createCustomer(deps, TEST_MERCHANT, { outCustomerNo: `u-${randomBytes(4).toString('hex')}`, name: 'Sweep' });
  const claimed = cardOrder(deps, 'card_a', amount, {
    order: { status: 'PROCESSING', version: 2, purpose: 'topup', customerId: customer.id },
    payment: { channelPaymentId: null, nextAction: null },
  });
  await deps.orders.createOrder(claimed);
  const paymentId = claimed.payment!.id;
  const { order } = await commitAttemptOutcome(deps, { orderId: claimed.id, paymentId, outcome: { outcome: 'succeeded', channel: 'card_a', channelPaymentId: `ch_${paymentId}` } });
  expect(order.status).toBe('SUCCEEDED');
  expect(await balanceOf(customer.id)).toBe(amount);
  return { customerId: customer.id, order };
}

function refundOf(order: Order, amount: number): Refund {
  const now = new Date(deps.now()).toISOString();
  return {
    id: newId('rf', deps.now()), orderId: order.id, merchantId: order.merchantId, outRefundNo: `R-${randomBytes(4).toString('hex')}`, amount, currency: 'CNY',
    status: 'PROCESSING', reason: null, channel: 'card_a', channelRefundId: null, failureCode: null, version: 1, createdAt: now, updatedAt: now,
  };
}

describe('the orphaned hold sweep', () => {
  it('a top-up refund that dies at its reservation leaves a hold no refund owns: the sweep voids it and the balance comes back', async () => {
    const { customerId, order } = await toppedUpCustomer(5000);
    // The process dies at the reservation's write: the hold is placed, the refund never exists.
    const reserve = deps.orders.reserveRefund.bind(deps.orders);
    deps.orders.reserveRefund = async () => {
      throw new Error('process killed before the reservation was written');
    };
    try {
      await expect(createRefund(deps, TEST_MERCHANT, order.id, { outRefundNo: 'R-dies', amount: 3000 })).rejects.toThrow('process killed');
    } finally {
      deps.orders.reserveRefund = reserve;
    }
    expect(await balanceOf(customerId)).toBe(2000);
    const [key] = [...timers.pending.keys()].filter((k) => k.startsWith('hold.sweep:'));
    const holdId = key!.slice('hold.sweep:'.length);
    expect(await deps.ledger.getHold(holdId)).toMatchObject({ status: 'PENDING', amount: 3000, orderId: order.id });
    expect(await deps.orders.getRefund(holdId)).toBeUndefined();

    const timer = timers.take(holdSweepKey(holdId));
    // Due once the request that placed the hold can no longer be running (the janitor's first wait).
    expect(timer.dueAtMs).toBeGreaterThan(Date.parse((await deps.ledger.getHold(holdId))!.createdAt));
    await handleHoldSweep(whenDue(timer.dueAtMs), timer);
    expect(await deps.ledger.getHold(holdId)).toMatchObject({ status: 'VOIDED' });
    expect(await balanceOf(customerId)).toBe(5000);
    // Delivered again (at least once): nothing more moves.
    await handleHoldSweep(whenDue(timer.dueAtMs), timer);
    expect(await balanceOf(customerId)).toBe(5000);
    expect((await checkLedger(deps.ledger)).balanced).toBe(true);
  });

  it('a hold whose refund was reserved belongs to the refund: the sweep leaves it PENDING', async () => {
    const { customerId, order } = await toppedUpCustomer(4000);
    const refund = refundOf(order, 1000);
    await holdForTopupRefund(deps, order, refund, deps.now());
    expect(await deps.orders.reserveRefund(refund)).toBe('reserved');
    const timer = timers.take(holdSweepKey(refund.id));
    await handleHoldSweep(whenDue(timer.dueAtMs), timer);
    expect(await deps.ledger.getHold(refund.id)).toMatchObject({ status: 'PENDING', amount: 1000 });
    expect(await balanceOf(customerId)).toBe(3000);
  });

  it('a reservation that commits between the sweep\'s read and its void wins: the void is refused by its condition', async () => {
    const { customerId, order } = await toppedUpCustomer(4000);
    const refund = refundOf(order, 1500);
    await holdForTopupRefund(deps, order, refund, deps.now());
    const timer = timers.take(holdSweepKey(refund.id));
    // The sweep reads "no refund", then the slow request's reservation commits, then the sweep writes its void.
    const racing: Deps = {
      ...whenDue(timer.dueAtMs),
      orders: Object.assign(Object.create(deps.orders) as Deps['orders'], {
        getRefund: async (id: string) => {
          const before = await deps.orders.getRefund(id);
          expect(await deps.orders.reserveRefund(refund)).toBe('reserved');
          return before;
        },
      }),
    };
    await handleHoldSweep(racing, timer);
    expect(await deps.orders.getRefund(refund.id)).toMatchObject({ status: 'PROCESSING' });
    expect(await deps.ledger.getHold(refund.id)).toMatchObject({ status: 'PENDING', amount: 1500 });
    expect(await balanceOf(customerId)).toBe(2500);
  });
});
