import type { VelocityHit } from './velocity.js';

/**
 * Risk rules are data: a list of rules evaluated in order, the strictest action wins. New kinds of rule (geography)
 * add a `type` here and a fact to RiskFacts; handlers never grow `if` chains. Velocity rules (shared/domain/velocity.ts)
 * are operators' data in the table: their hits arrive as a fact and take part in the same "strictest wins".
 */
export type RiskAction = 'allow' | 'challenge' | 'block';

export type BlocklistSubject = 'payer_id' | 'card_fingerprint' | 'payer_ip';

export type RiskRule =
  | { readonly id: string; readonly type: 'amount_above_merchant_limit'; readonly action: 'challenge' | 'block' }
  | {
      readonly id: string;
      readonly type: 'blocklist';
      readonly subject: BlocklistSubject;
      readonly action: 'challenge' | 'block';
    };

export const DEFAULT_RISK_RULES: readonly RiskRule[] = [
  { id: 'blocked-payer', type: 'blocklist', subject: 'payer_id', action: 'block' },
  { id: 'blocked-card', type: 'blocklist', subject: 'card_fingerprint', action: 'block' },
  { id: 'blocked-ip', type: 'blocklist', subject: 'payer_ip', action: 'block' },
  { id: 'large-amount', type: 'amount_above_merchant_limit', action: 'challenge' },
];

export interface RiskFacts {
  readonly amount: number;
  readonly challengeAmount: number;
  readonly subjects: Partial<Record<BlocklistSubject, string>>;
  /** Keys `subject:value` found on the blocklist. */
  readonly blocked: ReadonlySet<string>;
  /** The velocity rules that fired (their counters above threshold). */
  readonly velocity?: readonly VelocityHit[];
}

/**
 * What the risk step decided, kept on the attempt (docs/decisions.md, 218): the action, every rule that fired, and for
 * velocity rules the counter value, threshold and window. A fired `allow` rule is recorded and changes nothing
 * (entry 219: a rule on trial before it challenges or blocks).
 */
export interface RiskDecision {
  readonly action: RiskAction;
  readonly ruleIds: readonly string[];
  readonly velocity?: readonly VelocityHit[];
}

export function blocklistKey(subject: BlocklistSubject, value: string): string {
  return `${subject}:${value}`;
}

/** The blocklist keys the rules need looked up for these facts. */
export function blocklistLookups(rules: readonly RiskRule[], subjects: RiskFacts['subjects']): string[] {
  const keys: string[] = [];
  for (const rule of rules) {
    if (rule.type !== 'blocklist') continue;
    const value = subjects[rule.subject];
    if (value) keys.push(blocklistKey(rule.subject, value));
  }
  return keys;
}

const SEVERITY: Record<RiskAction, number> = { allow: 0, challenge: 1, block: 2 };

export function evaluateRisk(rules: readonly RiskRule[], facts: RiskFacts): RiskDecision {
  let action: RiskAction = 'allow';
  const ruleIds: string[] = [];
  for (const rule of rules) {
    if (!ruleMatches(rule, facts)) continue;
    ruleIds.push(rule.id);
    if (SEVERITY[rule.action] > SEVERITY[action]) action = rule.action;
  }
  const velocity = facts.velocity ?? [];
  for (const hit of velocity) {
    ruleIds.push(hit.ruleId);
    if (SEVERITY[hit.action] > SEVERITY[action]) action = hit.action;
  }
  return velocity.length > 0 ? { action, ruleIds, velocity } : { action, ruleIds };
}

function ruleMatches(rule: RiskRule, facts: RiskFacts): boolean {
  switch (rule.type) {
    case 'amount_above_merchant_limit':
      return facts.amount > facts.challengeAmount;
    case 'blocklist': {
      const value = facts.subjects[rule.subject];
      return value !== undefined && facts.blocked.has(blocklistKey(rule.subject, value));
    }
  }
}

/**
 * The blocklist rules alone, for a payer who is not paying an amount now: an agreement's signing (the OTP is its
 * challenge already) and its debits (no payer to challenge). Only `block` refuses there (docs/decisions.md, 145-146).
 */
export function evaluateBlocklist(rules: readonly RiskRule[], subjects: RiskFacts['subjects'], blocked: ReadonlySet<string>): RiskDecision {
  // The amount rule is filtered out, so the amount facts are never read.
  return evaluateRisk(rules.filter((rule) => rule.type === 'blocklist'), { amount: 0, challengeAmount: 0, subjects, blocked });
}
