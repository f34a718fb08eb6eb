import { describe, expect, it } from 'vitest';
import { DEFAULT_RISK_RULES, evaluateRisk } from '../../shared/domain/risk.js';
import {
  bucketSecondsOf,
  counterId,
  counterIncrements,
  counterReads,
  effectiveRules,
  velocityHits,
  windowBuckets,
  type CounterValue,
  type VelocityRule,
} from '../../shared/domain/velocity.js';

const T0 = Date.parse('2026-11-28T02:00:00.000Z');

function rule(over: Partial<VelocityRule> = {}): VelocityRule {
  return {
    id: 'vr_payer',
    scope: 'platform',
    subject: 'payer_id',
    metric: 'count',
    threshold: 2,
    windowSeconds: 60,
    currency: null,
    action: 'challenge',
    enabled: true,
    replaces: null,
    description: null,
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    version: 1,
    ...over,
  };
}

const payment = { merchantId: 'm_1', amount: 1000, currency: 'CNY' as const };
const subjects = { payer_id: 'u-1', payer_ip: '203.0.113.7', card_fingerprint: 'fp' };

/** Counters as the store would hold them after `attempts` at the given times (ms), for these rules. */
function countersAfter(rules: readonly VelocityRule[], attempts: readonly { atMs: number; amount?: number; currency?: 'CNY' | 'USD' }[]): Map<string, CounterValue> {
  const counters = new Map<string, { count: number; amounts: Record<string, number> }>();
  for (const a of attempts) {
    const p = { ...payment, amount: a.amount ?? payment.amount, currency: a.currency ?? payment.currency };
    for (const inc of counterIncrements(rules, p, subjects, a.atMs)) {
      const id = counterId(inc);
      const c = counters.get(id) ?? { count: 0, amounts: {} };
      c.count += 1;
      c.amounts[inc.currency] = (c.amounts[inc.currency] ?? 0) + inc.amount;
      counters.set(id, c);
    }
  }
  return counters;
}

describe('velocity windows (sliding, summed from sixths)', () => {
  it('sizes buckets at a sixth of the window, at least a second', () => {
    expect(bucketSecondsOf(60)).toBe(10);
    expect(bucketSecondsOf(86_400)).toBe(14_400);
    expect(bucketSecondsOf(3)).toBe(1);
    expect(bucketSecondsOf(1)).toBe(1);
  });

  it('covers every second of the window: no attempt younger than the window is left out', () => {
    for (const windowSeconds of [1, 3, 60, 100, 86_400]) {
      for (const offsetMs of [0, 999, 4_321, 59_999]) {
        const nowMs = T0 + offsetMs;
        const { bucketSeconds, buckets } = windowBuckets(windowSeconds, nowMs);
        const nowSeconds = Math.floor(nowMs / 1000);
        const oldestSecond = nowSeconds - windowSeconds + 1;
        expect(buckets[0]! * bucketSeconds).toBeLessThanOrEqual(oldestSecond);
        expect(buckets.at(-1)).toBe(Math.floor(nowSeconds / bucketSeconds));
        // At most one bucket beyond the window: an attempt is forgotten at most a sixth of the window late.
        expect(buckets.length).toBeLessThanOrEqual(Math.ceil(windowSeconds / bucketSeconds) + 1);
      }
    }
  });
});

describe('velocity rules', () => {
  it('fires when the window value, this attempt included, is above the threshold', () => {
    const rules = [rule({ threshold: 2 })];
    const two = countersAfter(rules, [{ atMs: T0 }]);
    expect(velocityHits(rules, payment, subjects, two, T0 + 1_000)).toEqual([]);
    const three = countersAfter(rules, [{ atMs: T0 }, { atMs: T0 + 500 }]);
    expect(velocityHits(rules, payment, subjects, three, T0 + 1_000)).toEqual([
      { ruleId: 'vr_payer', subject: 'payer_id', metric: 'count', currency: null, value: 3, threshold: 2, windowSeconds: 60, action: 'challenge' },
    ]);
  });

  it('forgets attempts once the window has passed them', () => {
    const rules = [rule({ threshold: 1, windowSeconds: 3 })];
    const counters = countersAfter(rules, [{ atMs: T0 }]);
    expect(velocityHits(rules, payment, subjects, counters, T0 + 2_000)).toHaveLength(1);
    expect(velocityHits(rules, payment, subjects, counters, T0 + 4_000)).toEqual([]);
  });

  it('sums amounts in the rule currency only, and applies an amount rule to payments in it only', () => {
    const rules = [rule({ id: 'vr_amt', subject: 'card_fingerprint', metric: 'amount', currency: 'CNY', threshold: 2_500, action: 'block' })];
    const counters = countersAfter(rules, [{ atMs: T0, amount: 1_000 }, { atMs: T0, amount: 9_000, currency: 'USD' }]);
    expect(velocityHits(rules, payment, subjects, counters, T0)).toEqual([]); // 1000 + 1000 CNY
    const hits = velocityHits(rules, { ...payment, amount: 1_600 }, subjects, counters, T0);
    expect(hits).toMatchObject([{ ruleId: 'vr_amt', value: 2_600, currency: 'CNY', action: 'block' }]);
    expect(velocityHits(rules, { ...payment, amount: 99_999, currency: 'USD' }, subjects, counters, T0)).toEqual([]);
  });

  it('needs the subject: a payment without a payer IP is not counted or judged by an IP rule', () => {
    const rules = [rule({ subject: 'payer_ip', threshold: 0 })];
    expect(counterReads(rules, 'm_1', { payer_id: 'u-1' }, T0)).toEqual([]);
    expect(counterIncrements(rules, payment, { payer_id: 'u-1' }, T0)).toEqual([]);
    expect(velocityHits(rules, payment, { payer_id: 'u-1' }, new Map(), T0)).toEqual([]);
    expect(velocityHits(rules, payment, subjects, new Map(), T0)).toHaveLength(1);
  });

  it('counts each attempt once per subject and bucket size, shared by rules with the same window', () => {
    const rules = [rule({ id: 'a' }), rule({ id: 'b', metric: 'amount', currency: 'CNY', threshold: 10 }), rule({ id: 'c', windowSeconds: 3600 })];
    const increments = counterIncrements(rules, payment, subjects, T0);
    expect(increments.map((i) => i.bucketSeconds).sort((x, y) => x - y)).toEqual([10, 600]);
    expect(increments.every((i) => i.expiresAt > T0 / 1000 + i.bucketSeconds * 6)).toBe(true);
    // The reads: 6 or 7 buckets per window, deduplicated across rules a and b.
    const reads = counterReads(rules, 'm_1', subjects, T0);
    expect(new Set(reads.map(counterId)).size).toBe(reads.length);
    expect(reads.length).toBeLessThanOrEqual(14);
  });

  it('adds its hits to the decision: strictest wins, allow records without changing anything', () => {
    const hits = [
      { ruleId: 'vr_allow', subject: 'payer_id', metric: 'count', currency: null, value: 5, threshold: 1, windowSeconds: 60, action: 'allow' },
    ] as const;
    const facts = { amount: 100, challengeAmount: 5_000_000, subjects, blocked: new Set<string>() };
    expect(evaluateRisk(DEFAULT_RISK_RULES, { ...facts, velocity: hits })).toEqual({ action: 'allow', ruleIds: ['vr_allow'], velocity: hits });
    const block = { ...hits[0], ruleId: 'vr_block', action: 'block' } as const;
    expect(evaluateRisk(DEFAULT_RISK_RULES, { ...facts, velocity: [...hits, block] })).toMatchObject({ action: 'block', ruleIds: ['vr_allow', 'vr_block'] });
    expect(evaluateRisk(DEFAULT_RISK_RULES, facts)).toEqual({ action: 'allow', ruleIds: [] });
  });
});

describe('platform defaults and merchant rules', () => {
  const platformRule = rule({ id: 'vr_default' });
  it('adds the merchant rules to the enabled defaults', () => {
    const mine = rule({ id: 'vr_mine', scope: 'm_1', subject: 'payer_ip' });
    expect(effectiveRules([platformRule, rule({ id: 'vr_off', enabled: false })], [mine]).map((r) => r.id)).toEqual(['vr_default', 'vr_mine']);
  });

  it('lets a merchant rule replace a default, and a disabled replacement switch it off', () => {
    const looser = rule({ id: 'vr_looser', scope: 'm_1', threshold: 50, replaces: 'vr_default' });
    expect(effectiveRules([platformRule], [looser]).map((r) => r.id)).toEqual(['vr_looser']);
    expect(effectiveRules([platformRule], [{ ...looser, enabled: false }])).toEqual([]);
  });
});
