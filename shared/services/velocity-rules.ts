import { NotFoundError, ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Currency } from '../domain/money.js';
import type { RiskAction } from '../domain/risk.js';
import { effectiveRules, PLATFORM_SCOPE, type VelocityMetric, type VelocityRule, type VelocitySubject } from '../domain/velocity.js';
import type { MerchantStore } from '../ports/stores.js';
import type { VelocityRuleStore } from '../ports/velocity-rule-store.js';

/**
 * The velocity rules a merchant's payments are screened with, as the risk step reads them: the platform's defaults
 * merged with the merchant's own (shared/domain/velocity.ts, effectiveRules), kept for PAY_RISK_RULES_CACHE_SECONDS
 * per container (docs/decisions.md, 220). The platform's rules are one cache entry shared by every merchant.
 */
export class VelocityRuleCache {
  private readonly entries = new Map<string, { readonly rules: Promise<VelocityRule[]>; readonly until: number }>();

  constructor(
    private readonly store: Pick<VelocityRuleStore, 'listScope'>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async forMerchant(merchantId: string): Promise<VelocityRule[]> {
    const [platform, merchant] = await Promise.all([this.scope(PLATFORM_SCOPE), this.scope(merchantId)]);
    return effectiveRules(platform, merchant);
  }

  private scope(scope: string): Promise<VelocityRule[]> {
    const nowMs = this.now();
    const cached = this.entries.get(scope);
    if (cached && cached.until > nowMs) return cached.rules;
    const rules = this.store.listScope(scope);
    // A failed read is not kept: the next payment reads again.
    rules.catch(() => this.entries.delete(scope));
    if (this.ttlMs > 0) this.entries.set(scope, { rules, until: nowMs + this.ttlMs });
    // Bounded by the merchants this container served within one TTL; stale entries go on the next miss.
    if (this.entries.size > MAX_CACHED_SCOPES) this.evictExpired(nowMs);
    return rules;
  }

  private evictExpired(nowMs: number): void {
    for (const [scope, entry] of this.entries) if (entry.until <= nowMs) this.entries.delete(scope);
  }
}

const MAX_CACHED_SCOPES = 10_000;

/** What an operator sends to create a rule (shared/schemas/risk-schemas.ts has checked the shapes). */
export interface VelocityRuleInput {
  readonly merchantId?: string;
  readonly subject: VelocitySubject;
  readonly metric: VelocityMetric;
  readonly threshold: number;
  readonly windowSeconds: number;
  readonly currency?: Currency;
  readonly action: RiskAction;
  readonly enabled: boolean;
  readonly replaces?: string;
  readonly description?: string;
}

export type VelocityRulePatch = Partial<Pick<VelocityRule, 'threshold' | 'windowSeconds' | 'action' | 'enabled' | 'description'>> & {
  readonly currency?: Currency;
};

type RuleDeps = { readonly velocityRules: VelocityRuleStore; readonly merchants: Pick<MerchantStore, 'get'>; readonly now: () => number };

export async function createVelocityRule(deps: RuleDeps, input: VelocityRuleInput): Promise<VelocityRule> {
  const scope = input.merchantId ?? PLATFORM_SCOPE;
  if (input.merchantId && !(await deps.merchants.get(input.merchantId))) throw new NotFoundError('merchant', 'merchantId');
  if (input.replaces !== undefined) await assertReplaceable(deps, scope, input.replaces);
  const nowMs = deps.now();
  const now = new Date(nowMs).toISOString();
  const rule: VelocityRule = {
    id: newId('vr', nowMs),
    scope,
    subject: input.subject,
    metric: input.metric,
    threshold: input.threshold,
    windowSeconds: input.windowSeconds,
    currency: input.currency ?? null,
    action: input.action,
    enabled: input.enabled,
    replaces: input.replaces ?? null,
    description: input.description ?? null,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  assertCurrencyFitsMetric(rule);
  await deps.velocityRules.create(rule);
  return rule;
}

export async function getVelocityRule(deps: Pick<RuleDeps, 'velocityRules'>, ruleId: string): Promise<VelocityRule> {
  const rule = await deps.velocityRules.get(ruleId);
  if (!rule) throw new NotFoundError('velocity rule', 'id');
  return rule;
}

/** Changes a rule on the version it was read at; another operator's change in between is read again and kept. */
export async function updateVelocityRule(deps: RuleDeps, ruleId: string, patch: VelocityRulePatch): Promise<{ before: VelocityRule; after: VelocityRule }> {
  for (let round = 0; round < CHANGE_ROUNDS; round += 1) {
    const before = await getVelocityRule(deps, ruleId);
    const after: VelocityRule = { ...before, ...patch, updatedAt: new Date(deps.now()).toISOString(), version: before.version + 1 };
    assertCurrencyFitsMetric(after);
    if (await deps.velocityRules.update(after, before.version)) return { before, after };
  }
  throw new Error(`velocity rule ${ruleId} kept changing`);
}

export async function deleteVelocityRule(deps: Pick<RuleDeps, 'velocityRules'>, ruleId: string): Promise<VelocityRule> {
  for (let round = 0; round < CHANGE_ROUNDS; round += 1) {
    const before = await getVelocityRule(deps, ruleId);
    if (await deps.velocityRules.remove(ruleId, before.version)) return before;
  }
  throw new Error(`velocity rule ${ruleId} kept changing`);
}

const CHANGE_ROUNDS = 4;

/** An amount rule sums one currency; a count rule counts attempts in any, so it names none. */
function assertCurrencyFitsMetric(rule: VelocityRule): void {
  if (rule.metric === 'amount' && rule.currency === null) throw new ValidationError('parameter_missing', 'currency is required for an amount rule.', 'currency');
  if (rule.metric === 'count' && rule.currency !== null) throw new ValidationError('parameter_invalid', 'currency is only accepted with metric amount.', 'currency');
}

/** Only a merchant's rule replaces, and only a platform rule that exists (entry 215). */
async function assertReplaceable(deps: Pick<RuleDeps, 'velocityRules'>, scope: string, replaces: string): Promise<void> {
  if (scope === PLATFORM_SCOPE) throw new ValidationError('parameter_invalid', 'Only a merchant rule (with merchantId) replaces a platform rule.', 'replaces');
  const replaced = await deps.velocityRules.get(replaces);
  if (replaced?.scope !== PLATFORM_SCOPE) throw new ValidationError('parameter_invalid', 'replaces must name a platform rule.', 'replaces');
}
