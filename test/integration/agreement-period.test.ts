import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALIPAY_CATALOG } from '../../shared/channels/alipay/catalog.js';
import type { PeriodLimitsRule } from '../../shared/domain/agreement-rules.js';
import type { Agreement } from '../../shared/domain/agreement.js';
import { newId } from '../../shared/domain/ids.js';
import type { Payment } from '../../shared/domain/order.js';
import type { ChannelAdapter, CreatePaymentRequest, CreatePaymentResult } from '../../shared/ports/channel-flows.js';
import { payWithAgreement } from '../../shared/services/agreement-debit.js';
import type { Deps } from '../../shared/services/deps.js';
import { createOrder } from '../../shared/services/orders.js';
import { claimForDebit } from '../../shared/services/state-writer.js';
import { agreementFixture } from '../support/agreement-fixture.js';
import { serviceDeps, TEST_MERCHANT } from '../support/service-deps.js';

/**
 * A channel's period rule on DynamoDB Local (docs/decisions.md, 175): the period's counter is bumped in the debit's
 * claim transaction on the rule's limits, so concurrent claims cannot pass them, and a debit that charged nothing
 * gives its place back.
 */
const rule: PeriodLimitsRule = { kind: 'period_limits', periodDays: 7, maxDebits: 3, maxAmount: 2000 };

/** The wallet as a stand-in: it declines the next debit when told to, charges otherwise, and counts its calls. */
class WalletChannel implements ChannelAdapter {
  readonly id = 'alipay';
  calls = 0;
  declineNext = false;

  async createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult> {
    this.calls++;
    if (this.declineNext) {
      this.declineNext = false;
      return { outcome: 'declined', channelPaymentId: null, code: 'ACQ.BUYER_BALANCE_NOT_ENOUGH', message: 'balance' };
    }
    return { outcome: 'succeeded', channelPaymentId: request.paymentId };
  }
}

const wallet = new WalletChannel();
let deps: Deps;
let close: () => void;

beforeAll(async () => {
  const built = await serviceDeps([wallet]);
  close = built.close;
  deps = { ...built.deps, channelCatalog: [{ ...ALIPAY_CATALOG, agreementRules: [rule] }] };
});
afterAll(() => close());

async function activeAgreement(): Promise<Agreement> {
  const agreement = agreementFixture({
    merchantId: TEST_MERCHANT.merchantId,
    method: 'alipay' as Agreement['method'],
    channel: 'alipay',
    maxAmountPerDebit: 2000,
    createdAt: new Date(deps.now()).toISOString(),
    activatedAt: new Date(deps.now()).toISOString(),
  });
  await deps.agreements.create(agreement);
  return agreement;
}

const createdOrder = (amount: number) =>
  createOrder(deps, TEST_MERCHANT, { outTradeNo: `AP-${randomBytes(6).toString('hex')}`, amount, currency: 'CNY', subject: 'Debit', metadata: {}, expiresInSeconds: 1800 } as never);

function claim(orderId: string, agreementId: string, amount: number, period = 0) {
  const nowMs = deps.now();
  const payment: Payment = {
    id: newId('pay', nowMs), method: 'agreement', capture: true, channel: 'alipay', channelPaymentId: null, card: null, payerId: null,
    nextAction: null, fee: 0, riskDecision: null, otpFailures: 0, createdAt: new Date(nowMs).toISOString(), agreementId,
  };
  return { orderId, merchantId: TEST_MERCHANT.merchantId, nowMs, payment, agreementId, period: { agreementId, period, amount, maxDebits: rule.maxDebits, maxAmount: rule.maxAmount } };
}

describe("a channel's period rule in the table", () => {
  it('20 concurrent claims against 3 debits per period: exactly 3 claim, the rest fail on the period and leave their orders CREATED', async () => {
    const agreement = await activeAgreement();
    const orders = await Promise.all(Array.from({ length: 20 }, () => createdOrder(100)));
    const results = await Promise.all(orders.map((o) => claimForDebit(deps, claim(o.id, agreement.id, 100))));
    expect(results.filter((r) => r === 'claimed')).toHaveLength(3);
    expect(results.filter((r) => r === 'period')).toHaveLength(17);
    expect(await deps.agreements.periodUsage(agreement.id, 0)).toEqual({ debits: 3, amount: 300 });
    const refused = orders.filter((_, i) => results[i] === 'period');
    for (const o of refused) expect((await deps.orders.getOrder(o.id))?.status).toBe('CREATED');
    // The next period is counted apart.
    expect(await claimForDebit(deps, claim(refused[0]!.id, agreement.id, 100, 1))).toBe('claimed');
    expect(await deps.agreements.periodUsage(agreement.id, 1)).toEqual({ debits: 1, amount: 100 });
  });

  it("the sum: a claim that would pass the period's amount fails, a first one above it too; a release gives back once, never below zero", async () => {
    const agreement = await activeAgreement();
    expect(await claimForDebit(deps, claim((await createdOrder(2001)).id, agreement.id, 2001))).toBe('period');
    expect(await deps.agreements.periodUsage(agreement.id, 0)).toEqual({ debits: 0, amount: 0 });
    expect(await claimForDebit(deps, claim((await createdOrder(1500)).id, agreement.id, 1500))).toBe('claimed');
    expect(await claimForDebit(deps, claim((await createdOrder(501)).id, agreement.id, 501))).toBe('period');
    expect(await claimForDebit(deps, claim((await createdOrder(500)).id, agreement.id, 500))).toBe('claimed');
    await deps.agreements.releasePeriodDebit(agreement.id, 0, 500);
    expect(await deps.agreements.periodUsage(agreement.id, 0)).toEqual({ debits: 1, amount: 1500 });
    await deps.agreements.releasePeriodDebit(agreement.id, 0, 1500);
    await deps.agreements.releasePeriodDebit(agreement.id, 0, 1500);
    expect(await deps.agreements.periodUsage(agreement.id, 0)).toEqual({ debits: 0, amount: 0 });
  });

  it("a debit the wallet declines is not counted: the period's 3 debits still charge after it, the fourth is refused before the wallet", async () => {
    const agreement = await activeAgreement();
    wallet.calls = 0;
    wallet.declineNext = true;
    const declined = await payWithAgreement(deps, TEST_MERCHANT, (await createdOrder(100)).id, agreement.id).catch((e: unknown) => e);
    expect(declined).toMatchObject({ statusCode: 402 });
    expect((declined as { code: string }).code).not.toBe('agreement_rule_refused');
    expect(await deps.agreements.periodUsage(agreement.id, 0)).toEqual({ debits: 0, amount: 0 });
    for (let i = 0; i < 3; i++) {
      const paid = await payWithAgreement(deps, TEST_MERCHANT, (await createdOrder(100)).id, agreement.id);
      expect(paid.order.status).toBe('SUCCEEDED');
    }
    const fourth = await payWithAgreement(deps, TEST_MERCHANT, (await createdOrder(100)).id, agreement.id).catch((e: unknown) => e);
    expect(fourth).toMatchObject({ statusCode: 402, code: 'agreement_rule_refused' });
    expect(wallet.calls).toBe(4);
  });
});
