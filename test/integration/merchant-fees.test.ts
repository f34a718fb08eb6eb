import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from '../../shared/domain/ledger.js';
import { newId } from '../../shared/domain/ids.js';
import type { PaymentMethod } from '../../shared/domain/order.js';
import { createOrder } from '../../shared/services/orders.js';
import type { Deps } from '../../shared/services/deps.js';
import { merchantFees, setMerchantFees } from '../../shared/services/merchants.js';
import { claimForPayment, commitAttemptOutcome } from '../../shared/services/state-writer.js';
import { GatedChannel, serviceDeps, TEST_MERCHANT } from '../support/service-deps.js';

/**
 * Fees as data on DynamoDB Local: a schedule set through the merchant service is what the one writer of state reads
 * when a payment commits (no fee passed in), per method, and what lands on the payment, its attempt and the ledger.
 */
const channel = new GatedChannel('card_a');
let deps: Deps;
let close: () => void;

beforeAll(async () => {
  const env = await serviceDeps([channel]);
  deps = env.deps;
  close = env.close;
});
afterAll(() => close());

async function merchant(feeBps: number | null): Promise<typeof TEST_MERCHANT> {
  const m = { ...TEST_MERCHANT, merchantId: newId('m', deps.now()), feeBps };
  await deps.merchants.create(m);
  return m;
}

/** A payment of `amount` with `method` committed as succeeded, without a fee schedule in the call. */
async function pay(m: typeof TEST_MERCHANT, method: PaymentMethod, amount: number) {
  const order = await createOrder(deps, m, { outTradeNo: `F-${randomBytes(6).toString('hex')}`, amount, currency: 'CNY', subject: 'Fees', metadata: {}, expiresInSeconds: 1800 } as never);
  const nowMs = deps.now();
  const paymentId = newId('pay', nowMs);
  const payment = { id: paymentId, method, capture: true, channel: null, channelPaymentId: null, card: null, payerId: null, nextAction: null, fee: 0, riskDecision: null, otpFailures: 0, createdAt: new Date(nowMs).toISOString() };
  expect(await claimForPayment(deps, { orderId: order.id, merchantId: m.merchantId, payment, nowMs })).toBe(true);
  const outcome = { outcome: 'succeeded', channel: 'card_a', channelPaymentId: `ch_${paymentId}` } as const;
  const committed = await commitAttemptOutcome(deps, { orderId: order.id, paymentId, outcome });
  const entries = [];
  for await (const entry of deps.ledger.allEntries()) if (entry.orderId === order.id) entries.push(entry);
  return { order: committed.order, attempt: (await deps.orders.getAttempt(order.id, paymentId))!, entries };
}

describe('merchant fees', () => {
  it('charges the method its own rule (basis points plus fixed), the others the default, on payment, attempt and ledger', async () => {
    const m = await merchant(60);
    await setMerchantFees(deps, m.merchantId, { default: { bps: 100, fixed: 5 }, methods: { wechat_pay: { bps: 38, fixed: 30 } } });

    const wechat = await pay(m, 'wechat_pay', 10_000);
    expect(wechat.order.payment?.fee).toBe(38 + 30);
    expect(wechat.attempt.fee).toBe(68);
    expect(wechat.entries).toHaveLength(1);
    expect(wechat.entries[0]!.lines).toEqual(
      expect.arrayContaining([
        { account: accounts.merchantPending(m.merchantId), direction: 'credit', amount: 10_000 - 68 },
        { account: accounts.feeRevenue(), direction: 'credit', amount: 68 },
      ]),
    );

    const card = await pay(m, 'card', 10_000);
    expect(card.order.payment?.fee).toBe(100 + 5);
  });

  it("keeps a merchant without a schedule on its single rate, and the next payment reads a schedule set meanwhile", async () => {
    const m = await merchant(100);
    expect(await merchantFees(deps, m.merchantId)).toEqual({ default: { bps: 100, fixed: 0 }, methods: {}, payout: { bps: 0, fixed: 100 } });
    expect((await pay(m, 'card', 1999)).order.payment?.fee).toBe(20);

    await setMerchantFees(deps, m.merchantId, { default: { bps: 0, fixed: 99 }, methods: {}, payout: { bps: 10, fixed: 250 } });
    expect((await pay(m, 'card', 1999)).order.payment?.fee).toBe(99);
    // The payout rule is stored with the schedule and shown as set.
    expect((await merchantFees(deps, m.merchantId)).payout).toEqual({ bps: 10, fixed: 250 });
  });

  it('refuses an unknown merchant (404) and a bad schedule (nothing stored)', async () => {
    const m = await merchant(null);
    await expect(setMerchantFees(deps, 'm_nobody', { default: { bps: 1, fixed: 0 }, methods: {} })).rejects.toMatchObject({ statusCode: 404 });
    await expect(setMerchantFees(deps, m.merchantId, { default: { bps: -1, fixed: 0 }, methods: {} })).rejects.toThrow(RangeError);
    expect((await deps.merchants.get(m.merchantId))?.fees).toBeUndefined();
  });
});
