import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agreement } from '../../shared/domain/agreement.js';
import { newId } from '../../shared/domain/ids.js';
import type { Payment } from '../../shared/domain/order.js';
import type { Deps } from '../../shared/services/deps.js';
import { agreementEvent } from '../../shared/services/events.js';
import { createOrder } from '../../shared/services/orders.js';
import { claimForDebit } from '../../shared/services/state-writer.js';
import { DuplicateOutAgreementNoError } from '../../shared/ports/agreement-store.js';
import { agreementFixture } from '../support/agreement-fixture.js';
import { serviceDeps, TEST_MERCHANT } from '../support/service-deps.js';

/**
 * Agreements on DynamoDB Local: the store's conditional writes with their events, the uniqueness of outAgreementNo,
 * and the debit's claim that checks the agreement ACTIVE in its own transaction (docs/decisions.md, entry 126).
 */
let deps: Deps;
let events: Awaited<ReturnType<typeof serviceDeps>>['events'];
let close: () => void;

beforeAll(async () => {
  const env = await serviceDeps([]);
  deps = env.deps;
  events = env.events;
  close = env.close;
});
afterAll(() => close());

/** An ACTIVE agreement of the test merchant, created now (so the customer's list is ordered by creation). */
const agreement = (overrides: Partial<Agreement> = {}) =>
  agreementFixture({ merchantId: TEST_MERCHANT.merchantId, outAgreementNo: `AG-${randomBytes(5).toString('hex')}`, createdAt: new Date().toISOString(), ...overrides });

async function createdOrder() {
  return createOrder(deps, TEST_MERCHANT, { outTradeNo: `AD-${randomBytes(6).toString('hex')}`, amount: 700, currency: 'CNY', subject: 'Debit', metadata: {}, expiresInSeconds: 1800 } as never);
}

function debitClaim(orderId: string, agreementId: string) {
  const nowMs = deps.now();
  const payment: Payment = {
    id: newId('pay', nowMs), method: 'agreement', capture: true, channel: 'card_a', channelPaymentId: null, card: null, payerId: null,
    nextAction: null, fee: 0, riskDecision: null, otpFailures: 0, createdAt: new Date(nowMs).toISOString(), agreementId,
  };
  return { orderId, merchantId: TEST_MERCHANT.merchantId, nowMs, payment, agreementId };
}

describe('agreements in the table', () => {
  it('a debit claims the order only while the agreement is ACTIVE: after a committed termination the claim fails on the agreement and the order stays CREATED', async () => {
    const active = agreement();
    await deps.agreements.create(active);
    const first = await createdOrder();
    expect(await claimForDebit(deps, debitClaim(first.id, active.id))).toBe('claimed');
    expect((await deps.orders.getOrder(first.id))?.status).toBe('PROCESSING');

    const terminated: Agreement = { ...active, status: 'TERMINATED', version: active.version + 1, terminatedBy: 'merchant' };
    expect(await deps.agreements.commit({ after: terminated, expect: { status: 'ACTIVE', version: active.version }, event: agreementEvent('agreement.terminated', terminated, null, deps.now()) })).toBe(true);
    const second = await createdOrder();
    expect(await claimForDebit(deps, debitClaim(second.id, active.id))).toBe('agreement');
    expect((await deps.orders.getOrder(second.id))).toMatchObject({ status: 'CREATED', version: 1 });
    // A claim of an order that is not payable fails on the order, whatever the agreement.
    expect(await claimForDebit(deps, debitClaim(first.id, active.id))).toBe('order');
  });

  it('commits on the version read, once: a stale writer changes nothing; the event is written with the change', async () => {
    const pending = agreement({ status: 'PENDING', version: 1, channelToken: null });
    await deps.agreements.create(pending);
    const activated: Agreement = { ...pending, status: 'ACTIVE', version: 2, channelToken: 'src_1' };
    const event = agreementEvent('agreement.activated', activated, 'https://merchant.example/hooks', deps.now());
    expect(await deps.agreements.commit({ after: activated, expect: { status: 'PENDING', version: 1 }, event })).toBe(true);
    expect(await deps.agreements.commit({ after: { ...activated, version: 2 }, expect: { status: 'PENDING', version: 1 } })).toBe(false);
    expect(await deps.agreements.get(pending.id)).toMatchObject({ status: 'ACTIVE', version: 2 });
    const stored = await events.getEvent(event.id);
    expect(stored).toMatchObject({ type: 'agreement.activated', objectType: 'agreement', objectId: pending.id, orderId: pending.id, deliveryStatus: 'PENDING' });
  });

  it('outAgreementNo is unique per merchant: a second create is 409 naming the first, and lists show only the customer\'s', async () => {
    const first = agreement();
    await deps.agreements.create(first);
    const error = await deps.agreements.create(agreement({ outAgreementNo: first.outAgreementNo })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateOutAgreementNoError);
    expect((error as DuplicateOutAgreementNoError).details).toEqual({ agreementId: first.id });
    const second = agreement({ customerId: first.customerId });
    await deps.agreements.create(second);
    const listed = await deps.agreements.listByCustomer(TEST_MERCHANT.merchantId, first.customerId);
    expect(listed.map((a) => a.id)).toEqual([second.id, first.id]);
    expect(await deps.agreements.listByCustomer('m_other', first.customerId)).toEqual([]);
  });
});
