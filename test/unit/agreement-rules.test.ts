import { describe, expect, it } from 'vitest';
import type { Agreement } from '../../shared/domain/agreement.js';
import { periodIndex, periodLimitsOf, refuseDebit, type AgreementRule, type PeriodLimitsRule } from '../../shared/domain/agreement-rules.js';
import { agreementFixture } from '../support/agreement-fixture.js';

const ACTIVATED_AT = '2026-11-27T08:00:00.000Z';
const agreement = agreementFixture({ activatedAt: ACTIVATED_AT });
const at = (iso: string) => Date.parse(iso);
const debit = (amount: number, nowIso = '2026-11-28T10:00:00.000Z', currency: 'CNY' | 'USD' = 'CNY') => ({ amount, currency, nowMs: at(nowIso) });
const codeOf = (a: Agreement, d: ReturnType<typeof debit>, rules: readonly AgreementRule[] = []) => {
  const refusal = refuseDebit(a, d, rules);
  return refusal && { code: refusal.code, status: refusal.statusCode };
};

describe('refuseDebit: the contract checks, then the channel rules', () => {
  it('allows a debit within the limit of an ACTIVE agreement in its currency', () => {
    expect(refuseDebit(agreement, debit(5000), [])).toBeNull();
  });

  it('refuses a PENDING or TERMINATED agreement 409 first, another currency 400, above maxAmountPerDebit 402', () => {
    expect(codeOf({ ...agreement, status: 'TERMINATED' }, debit(9999, undefined, 'USD'))).toEqual({ code: 'agreement_not_active', status: 409 });
    expect(codeOf({ ...agreement, status: 'PENDING' }, debit(1))).toEqual({ code: 'agreement_not_active', status: 409 });
    expect(codeOf(agreement, debit(9999, undefined, 'USD'))).toEqual({ code: 'currency_mismatch', status: 400 });
    expect(codeOf(agreement, debit(5001))).toEqual({ code: 'agreement_limit_exceeded', status: 402 });
  });

  it("enforces a channel's cap, debit window and notice period from its catalog rules (402 agreement_rule_refused)", () => {
    const rules: AgreementRule[] = [
      { kind: 'max_amount_per_debit', maxAmount: 2000 },
      { kind: 'debit_window_utc', fromHour: 1, toHour: 15 },
      { kind: 'min_seconds_after_signing', seconds: 86_400 },
    ];
    expect(codeOf(agreement, debit(2000), rules)).toBeNull();
    expect(codeOf(agreement, debit(2001), rules)).toEqual({ code: 'agreement_rule_refused', status: 402 });
    expect(codeOf(agreement, debit(100, '2026-11-28T15:00:00.000Z'), rules)).toEqual({ code: 'agreement_rule_refused', status: 402 });
    expect(codeOf(agreement, debit(100, '2026-11-28T00:59:59.000Z'), rules)).toEqual({ code: 'agreement_rule_refused', status: 402 });
    expect(codeOf(agreement, debit(100, '2026-11-28T07:59:59.000Z'), rules)).toEqual({ code: 'agreement_rule_refused', status: 402 });
    expect(refuseDebit(agreement, debit(100, '2026-11-28T08:00:00.000Z'), rules)).toBeNull();
    // The contract's own limit is checked before the channel's rules: its code, not the rule's.
    expect(codeOf(agreement, debit(6000), rules)).toEqual({ code: 'agreement_limit_exceeded', status: 402 });
  });
});

describe("refuseDebit: a wallet's period rule (period_limits)", () => {
  // Created at 23:30 UTC on the 26th: already the 27th in China, so the first period starts 2026-11-27T00:00+08:00
  // (2026-11-26T16:00Z), execute_time's midnight, and each lasts 7 days.
  const signed = { ...agreement, createdAt: '2026-11-26T23:30:00.000Z' };
  const rule: PeriodLimitsRule = { kind: 'period_limits', periodDays: 7, maxDebits: 3, maxAmount: 10_000 };
  const used = (debits: number, amount: number) => ({ debits, amount });
  const judged = (amount: number, usage: { debits: number; amount: number } | undefined, nowIso = '2026-11-28T10:00:00.000Z') =>
    codeOf(signed, { ...debit(amount, nowIso), ...(usage ? { periodUsage: usage } : {}) }, [rule]);

  it('numbers the periods from midnight China time of the signing day', () => {
    expect(periodIndex(rule, signed, at('2026-11-26T15:59:59.999Z'))).toBe(-1);
    expect(periodIndex(rule, signed, at('2026-11-26T16:00:00.000Z'))).toBe(0);
    expect(periodIndex(rule, signed, at('2026-12-03T15:59:59.999Z'))).toBe(0);
    expect(periodIndex(rule, signed, at('2026-12-03T16:00:00.000Z'))).toBe(1);
    expect(periodLimitsOf([{ kind: 'max_amount_per_debit', maxAmount: 1 }, rule])).toBe(rule);
    expect(periodLimitsOf([])).toBeUndefined();
  });

  it('allows a debit while the period has room, counting nothing read as zero', () => {
    expect(judged(5000, undefined)).toBeNull();
    expect(judged(5000, used(2, 5000))).toBeNull();
  });

  it('refuses 402 agreement_rule_refused once the count is used or the sum would pass the limit, naming the rule', () => {
    expect(judged(1, used(3, 3))).toEqual({ code: 'agreement_rule_refused', status: 402 });
    expect(judged(5000, used(2, 5001))).toEqual({ code: 'agreement_rule_refused', status: 402 });
    expect(refuseDebit(signed, { ...debit(1), periodUsage: used(3, 3) }, [rule])?.message).toContain('at most 3 debits per 7 days');
    expect(refuseDebit(signed, { ...debit(5000), periodUsage: used(1, 5001) }, [rule])?.message).toContain('at most 10000 in all per 7 days, 5001 used');
    // A debit larger than the whole period's sum is refused with nothing counted yet.
    const small: PeriodLimitsRule = { ...rule, maxAmount: 4000 };
    expect(codeOf(signed, debit(4001), [small])).toEqual({ code: 'agreement_rule_refused', status: 402 });
  });

  it("refuses a debit before the rule's first day (execute_time)", () => {
    expect(judged(100, undefined, '2026-11-26T15:00:00.000Z')).toEqual({ code: 'agreement_rule_refused', status: 402 });
  });
});
