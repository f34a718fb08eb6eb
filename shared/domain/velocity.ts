import type { Currency } from './money.js';
import type { BlocklistSubject, RiskAction } from './risk.js';

/**
 * Velocity rules (docs/decisions.md, 214-219): how many attempts, or how much money, one payer id, card fingerprint
 * or payer IP sent to one merchant within a window; above the rule's threshold its action applies. Rules are data
 * (operators manage them through /ops/v1/risk/rules); counters are per (merchant, subject, value, time bucket) items
 * that the commit of each attempt adds to, so a merchant's traffic spreads over as many items as it has payers.
 */
export type VelocitySubject = BlocklistSubject;
export type VelocityMetric = 'count' | 'amount';

export const VELOCITY_SUBJECTS = ['payer_id', 'card_fingerprint', 'payer_ip'] as const satisfies readonly VelocitySubject[];
export const VELOCITY_METRICS = ['count', 'amount'] as const satisfies readonly VelocityMetric[];
export const RISK_ACTIONS = ['allow', 'challenge', 'block'] as const satisfies readonly RiskAction[];

/** The scope of the platform's default rules; a merchant's rules have the merchant id as scope. */
export const PLATFORM_SCOPE = 'platform';

export interface VelocityRule {
  readonly id: string;
  /** `platform` (a default for every merchant) or the merchant id. */
  readonly scope: string;
  readonly subject: VelocitySubject;
  readonly metric: VelocityMetric;
  /** The rule fires when the window's value, this attempt included, is above it: attempts, or minor units. */
  readonly threshold: number;
  readonly windowSeconds: number;
  /** Amount rules only: the currency summed (amounts are never converted); the rule applies to payments in it. */
  readonly currency: Currency | null;
  readonly action: RiskAction;
  readonly enabled: boolean;
  /** A merchant rule may replace one platform rule for that merchant (entry 215); null otherwise. */
  readonly replaces: string | null;
  readonly description: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** A rule that fired, as the attempt records it (entry 218). */
export interface VelocityHit {
  readonly ruleId: string;
  readonly subject: VelocitySubject;
  readonly metric: VelocityMetric;
  readonly currency: Currency | null;
  readonly value: number;
  readonly threshold: number;
  readonly windowSeconds: number;
  readonly action: RiskAction;
}

/** One counter item: a subject value's attempts (and amounts per currency) in one time bucket. */
export interface CounterKey {
  readonly merchantId: string;
  readonly subject: VelocitySubject;
  readonly value: string;
  readonly bucketSeconds: number;
  /** floor(epoch seconds / bucketSeconds). */
  readonly bucket: number;
}

export interface CounterValue {
  readonly count: number;
  /** Minor units per currency. */
  readonly amounts: Readonly<Record<string, number>>;
}

/** What one attempt adds to its buckets, written in its commit's transaction (entry 217). */
export interface CounterIncrement extends CounterKey {
  readonly amount: number;
  readonly currency: Currency;
  /** Epoch seconds after which the item is of no use to any rule (DynamoDB's TTL deletes it). */
  readonly expiresAt: number;
}

/** A window is summed from this many sub-buckets (plus the one it starts in): a sliding window in sixths (entry 216). */
export const SUB_BUCKETS = 6;

export function bucketSecondsOf(windowSeconds: number): number {
  return Math.max(1, Math.ceil(windowSeconds / SUB_BUCKETS));
}

/** The text form of a counter key, to match read items to keys. */
export function counterId(key: CounterKey): string {
  return `${key.merchantId}#${key.subject}#${key.bucketSeconds}#${key.bucket}#${key.value}`;
}

/**
 * The buckets a rule's window covers at `nowMs`: every bucket that holds a second of (now − window, now], so no
 * attempt younger than the window is ever left out; one older by at most a sixth of the window may be counted.
 */
export function windowBuckets(windowSeconds: number, nowMs: number): { bucketSeconds: number; buckets: number[] } {
  const bucketSeconds = bucketSecondsOf(windowSeconds);
  const nowSeconds = Math.floor(nowMs / 1000);
  const first = Math.floor((nowSeconds - windowSeconds + 1) / bucketSeconds);
  const last = Math.floor(nowSeconds / bucketSeconds);
  const buckets: number[] = [];
  for (let b = first; b <= last; b += 1) buckets.push(b);
  return { bucketSeconds, buckets };
}

export type VelocitySubjects = Partial<Record<VelocitySubject, string>>;

/**
 * The effective rules for one merchant: the platform's enabled rules that none of the merchant's rules replaces, then
 * the merchant's enabled rules (entry 215). A disabled merchant rule that replaces a default switches it off there.
 */
export function effectiveRules(platform: readonly VelocityRule[], merchant: readonly VelocityRule[]): VelocityRule[] {
  const replaced = new Set(merchant.map((rule) => rule.replaces).filter((id): id is string => id !== null));
  return [...platform.filter((rule) => rule.enabled && !replaced.has(rule.id)), ...merchant.filter((rule) => rule.enabled)];
}

/** The counter items the rules read for this payer, deduplicated across rules that share a bucket size. */
export function counterReads(rules: readonly VelocityRule[], merchantId: string, subjects: VelocitySubjects, nowMs: number): CounterKey[] {
  const keys = new Map<string, CounterKey>();
  for (const rule of rules) {
    const value = subjects[rule.subject];
    if (!value) continue;
    const { bucketSeconds, buckets } = windowBuckets(rule.windowSeconds, nowMs);
    for (const bucket of buckets) {
      const key = { merchantId, subject: rule.subject, value, bucketSeconds, bucket };
      keys.set(counterId(key), key);
    }
  }
  return [...keys.values()];
}

/**
 * This attempt's increments: one per (subject, bucket size) the rules use, in the bucket of `nowMs`. No rule, no
 * increment: a merchant without velocity rules pays nothing for them.
 */
export function counterIncrements(
  rules: readonly VelocityRule[],
  payment: { merchantId: string; amount: number; currency: Currency },
  subjects: VelocitySubjects,
  nowMs: number,
): CounterIncrement[] {
  const increments = new Map<string, CounterIncrement>();
  const nowSeconds = Math.floor(nowMs / 1000);
  for (const rule of rules) {
    const value = subjects[rule.subject];
    if (!value) continue;
    const bucketSeconds = bucketSecondsOf(rule.windowSeconds);
    const bucket = Math.floor(nowSeconds / bucketSeconds);
    // Kept until no window of this bucket size (at most SUB_BUCKETS buckets long) can reach it, plus a minute's slack.
    const expiresAt = (bucket + 1 + SUB_BUCKETS + 1) * bucketSeconds + 60;
    const key = { merchantId: payment.merchantId, subject: rule.subject, value, bucketSeconds, bucket };
    increments.set(counterId(key), { ...key, amount: payment.amount, currency: payment.currency, expiresAt });
  }
  return [...increments.values()];
}

/**
 * The rules that fire for this attempt: the window's stored counters plus the attempt itself, above the threshold.
 * An amount rule looks only at payments in its currency.
 */
export function velocityHits(
  rules: readonly VelocityRule[],
  payment: { merchantId: string; amount: number; currency: Currency },
  subjects: VelocitySubjects,
  counters: ReadonlyMap<string, CounterValue>,
  nowMs: number,
): VelocityHit[] {
  const hits: VelocityHit[] = [];
  for (const rule of rules) {
    const value = subjects[rule.subject];
    if (!value) continue;
    if (rule.metric === 'amount' && rule.currency !== payment.currency) continue;
    const { bucketSeconds, buckets } = windowBuckets(rule.windowSeconds, nowMs);
    let total = rule.metric === 'count' ? 1 : payment.amount;
    for (const bucket of buckets) {
      const stored = counters.get(counterId({ merchantId: payment.merchantId, subject: rule.subject, value, bucketSeconds, bucket }));
      if (stored) total += rule.metric === 'count' ? stored.count : (stored.amounts[payment.currency] ?? 0);
    }
    if (total <= rule.threshold) continue;
    hits.push({
      ruleId: rule.id,
      subject: rule.subject,
      metric: rule.metric,
      currency: rule.currency,
      value: total,
      threshold: rule.threshold,
      windowSeconds: rule.windowSeconds,
      action: rule.action,
    });
  }
  return hits;
}
