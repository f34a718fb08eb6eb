import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALIPAY_CATALOG } from '../../shared/channels/alipay/catalog.js';
import { periodLimitsOf } from '../../shared/domain/agreement-rules.js';
import { createMerchant } from '../../shared/services/merchants.js';
import type { ApiClient } from '../support/api-client.js';
import { useTestRuntime } from '../support/runtime.js';
import { eventually } from '../support/webhook-receiver.js';

/**
 * Alipay 周期扣款's period rule over HTTP against the local runtime (docs/decisions.md, 175): the catalog row's
 * period_limits (at most 5 debits and 50 000 yuan per 7 days) is judged before Alipay is called and counted in the
 * debit's claim, so concurrent debits cannot pass it; the sandbox Alipay enforces the same rule from the
 * period_rule_params it was signed with, so a platform that let one by would show Alipay's refusal (402
 * card_declined) and a sixth trade in the sandbox's records instead of 402 agreement_rule_refused.
 */
const env = useTestRuntime({ dataDir: mkdtempSync(join(tmpdir(), 'pay-alipay-period-')), retryTimeScale: 0.001, janitorAfterSeconds: 4 });
const rule = periodLimitsOf(ALIPAY_CATALOG.agreementRules ?? [])!;

async function signedAgreement(maxAmountPerDebit: number): Promise<{ client: ApiClient; agreementId: string; agreementNo: string }> {
  const client = env.api.as(await createMerchant(env.runtime.deps, { name: `Periodic ${randomBytes(3).toString('hex')}` }));
  const customer = await client.post('/v1/customers', { outCustomerNo: `u-${randomBytes(4).toString('hex')}`, name: 'Li Lei' });
  const created = await client.post('/v1/agreements', {
    outAgreementNo: `AG-${randomBytes(4).toString('hex')}`,
    customerId: customer.body.id,
    method: 'alipay',
    currency: 'CNY',
    maxAmountPerDebit,
  });
  expect(created.status).toBe(201);
  const agreementId: string = created.body.id;
  const signed = await fetch(`${env.runtime.url}/sandbox/channels/alipay/agreements/${agreementId}/sign`, { method: 'POST' });
  expect(signed.status).toBe(200);
  const active = await eventually(async () => {
    const got = await client.get(`/v1/agreements/${agreementId}`);
    return got.body.status === 'ACTIVE' ? got.body : undefined;
  }, 20_000, 'the agreement to be ACTIVE');
  return { client, agreementId, agreementNo: active.channelAgreementId };
}

/** The trades the sandbox Alipay made under the agreement (its own records, never read by the platform). */
async function alipayDebits(agreementNo: string): Promise<string[]> {
  const res = await fetch(`${env.runtime.url}/sandbox/channels/alipay/agreements/${encodeURIComponent(agreementNo)}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { debits: string[] }).debits;
}

const debit = async (client: ApiClient, agreementId: string, amount: number) => {
  const order = await client.createOrder({ amount });
  return { orderId: order.id, res: await client.post(`/v1/orders/${order.id}/pay`, { method: 'agreement', agreementId }) };
};

describe('Alipay period rule (period_limits)', () => {
  it('signs with the rule as period_rule_params: the sandbox Alipay holds the same limits', async () => {
    const { agreementNo } = await signedAgreement(3000);
    const res = await fetch(`${env.runtime.url}/sandbox/channels/alipay/agreements/${encodeURIComponent(agreementNo)}`);
    expect(((await res.json()) as { periodRule: unknown }).periodRule).toMatchObject({
      periodDays: rule.periodDays,
      totalPayments: rule.maxDebits,
      totalAmountFen: rule.maxAmount,
    });
  });

  it(`20 concurrent debits against a limit of ${rule.maxDebits} per period: exactly ${rule.maxDebits} charge, the rest are 402 agreement_rule_refused before Alipay`, async () => {
    const { client, agreementId, agreementNo } = await signedAgreement(3000);
    const results = await Promise.all(Array.from({ length: 20 }, () => debit(client, agreementId, 100)));
    // 202 is a charge whose answer was late on a busy machine: counted (the janitor settles it), never a refusal.
    const charged = results.filter((r) => r.res.status === 200 || r.res.status === 202);
    const refused = results.filter((r) => r.res.status === 402);
    expect(charged).toHaveLength(rule.maxDebits);
    expect(refused).toHaveLength(20 - rule.maxDebits);
    for (const r of refused) {
      expect(r.res.body.error).toMatchObject({ code: 'agreement_rule_refused', type: 'payment' });
      expect(r.res.body.error.message).toContain(`at most ${rule.maxDebits} debits per ${rule.periodDays} days`);
      expect(r.res.body.error.requestId).toEqual(expect.any(String));
      expect((await client.get(`/v1/orders/${r.orderId}`)).body).toMatchObject({ status: 'CREATED', payment: null });
    }
    // Alipay saw exactly the charged ones: none of the refused reached it.
    const trades = await eventually(async () => {
      const debits = await alipayDebits(agreementNo);
      return debits.length >= rule.maxDebits ? debits : undefined;
    }, 20_000, 'the charged debits at Alipay');
    expect(trades).toHaveLength(rule.maxDebits);
    const next = await debit(client, agreementId, 100);
    expect(next.res.status).toBe(402);
    expect(next.res.body.error.code).toBe('agreement_rule_refused');
  });

  it(`the period's sum: debits up to ${rule.maxAmount} pass, one more minor unit is refused, and Alipay saw only those that passed`, async () => {
    const big = rule.maxAmount * 0.4;
    const { client, agreementId, agreementNo } = await signedAgreement(big);
    expect((await debit(client, agreementId, big)).res.status).toBe(200);
    expect((await debit(client, agreementId, big)).res.status).toBe(200);
    const over = await debit(client, agreementId, big);
    expect(over.res.status).toBe(402);
    expect(over.res.body.error.code).toBe('agreement_rule_refused');
    expect(over.res.body.error.message).toContain(`at most ${rule.maxAmount} in all per ${rule.periodDays} days, ${2 * big} used in this period`);
    // What is left of the period's sum still goes through, exactly up to it.
    expect((await debit(client, agreementId, rule.maxAmount - 2 * big)).res.status).toBe(200);
    const past = await debit(client, agreementId, 1);
    expect(past.res.status).toBe(402);
    expect(past.res.body.error.code).toBe('agreement_rule_refused');
    expect(await alipayDebits(agreementNo)).toHaveLength(3);
  });
});
