import { describe, expect, it } from 'vitest';
import type { Agreement } from '../../shared/domain/agreement.js';
import { refuseDebit, type AgreementRule } from '../../shared/domain/agreement-rules.js';
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
