import { describe, expect, it } from 'vitest';
import { blocklistKey, blocklistLookups, DEFAULT_RISK_RULES, evaluateBlocklist, evaluateRisk, type RiskFacts, type RiskRule } from '../../shared/domain/risk.js';

const facts = (over: Partial<RiskFacts> = {}): RiskFacts => ({
  amount: 1999,
  challengeAmount: 5_000_000,
  subjects: { payer_id: 'payer-1', card_fingerprint: 'fp-1', payer_ip: '203.0.113.9' },
  blocked: new Set(),
  ...over,
});

describe('risk rules (data, evaluated in order, strictest wins)', () => {
  it('allows an ordinary payment', () => {
    expect(evaluateRisk(DEFAULT_RISK_RULES, facts())).toEqual({ action: 'allow', ruleIds: [] });
  });

  it('challenges an amount above the merchant limit with an OTP, not at the limit', () => {
    expect(evaluateRisk(DEFAULT_RISK_RULES, facts({ amount: 5_000_001 }))).toEqual({ action: 'challenge', ruleIds: ['large-amount'] });
    expect(evaluateRisk(DEFAULT_RISK_RULES, facts({ amount: 5_000_000 })).action).toBe('allow');
  });

  it('blocks a blocklisted payer id, card fingerprint or IP, and block beats challenge', () => {
    for (const subject of ['payer_id', 'card_fingerprint', 'payer_ip'] as const) {
      const value = facts().subjects[subject]!;
      const decision = evaluateRisk(DEFAULT_RISK_RULES, facts({ amount: 9_000_000, blocked: new Set([blocklistKey(subject, value)]) }));
      expect(decision.action, subject).toBe('block');
      expect(decision.ruleIds).toContain('large-amount');
    }
  });

  it('does not match a blocklist rule when the subject is absent', () => {
    const decision = evaluateRisk(DEFAULT_RISK_RULES, facts({ subjects: {}, blocked: new Set([blocklistKey('payer_id', 'payer-1')]) }));
    expect(decision.action).toBe('allow');
  });

  it('looks up only the subjects the rules name and the payment has', () => {
    expect(blocklistLookups(DEFAULT_RISK_RULES, { payer_id: 'p', payer_ip: '10.1.1.1' })).toEqual(['payer_id:p', 'payer_ip:10.1.1.1']);
    const onlyCards: RiskRule[] = [{ id: 'c', type: 'blocklist', subject: 'card_fingerprint', action: 'challenge' }];
    expect(blocklistLookups(onlyCards, facts().subjects)).toEqual(['card_fingerprint:fp-1']);
  });

  it('takes its actions from the rule data, not from code', () => {
    const strict: RiskRule[] = [{ id: 'no-large', type: 'amount_above_merchant_limit', action: 'block' }];
    expect(evaluateRisk(strict, facts({ amount: 6_000_000 }))).toEqual({ action: 'block', ruleIds: ['no-large'] });
  });

  it('evaluateBlocklist (agreements: signing and debits) applies the blocklist rules alone: no amount challenge, block only on an entry', () => {
    const { subjects } = facts();
    expect(evaluateBlocklist(DEFAULT_RISK_RULES, subjects, new Set())).toEqual({ action: 'allow', ruleIds: [] });
    expect(evaluateBlocklist(DEFAULT_RISK_RULES, subjects, new Set([blocklistKey('card_fingerprint', 'fp-1')]))).toEqual({ action: 'block', ruleIds: ['blocked-card'] });
    const softer: RiskRule[] = [{ id: 'watch-ip', type: 'blocklist', subject: 'payer_ip', action: 'challenge' }];
    expect(evaluateBlocklist(softer, subjects, new Set([blocklistKey('payer_ip', '203.0.113.9')])).action).toBe('challenge');
  });
});
