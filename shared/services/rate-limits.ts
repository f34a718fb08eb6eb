import { ValidationError } from '../domain/errors.js';
import {
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  MAX_RATE_LIMIT_OVERRIDES,
  MAX_RATE_LIMIT_TIERS,
  RATE_LIMIT_HEADER,
  rateLimitTiers,
  renderRateLimitRules,
  type RateLimitOverride,
  type WafRule,
} from '../domain/rate-limits.js';
import type { RateLimitRuleSink, RateLimitStore } from '../ports/rate-limits.js';

/** What the operations API's rate limit routes use (functions/ops/rate-limit-routes.ts). */
export interface RateLimitDeps {
  readonly store: RateLimitStore;
  /** AWS WAF's web ACL in AWS, the local gateway's evaluator locally. */
  readonly sink: RateLimitRuleSink;
  /** The rendered rules' window: WAF's 60 s, shorter in local tests (PAY_RATE_LIMIT_WINDOW_SECONDS). */
  readonly windowSeconds: number;
}

/** Renders the rules from every stored override and has the sink enforce them; answers the rules applied. */
export function syncRateLimits(deps: RateLimitDeps): Promise<readonly WafRule[]> {
  return deps.sink.apply(async () => renderRateLimitRules(await deps.store.list(), { windowSeconds: deps.windowSeconds }));
}

/**
 * An operator sets (a number) or clears (null) a merchant's limit: refused before anything is stored when it would
 * need a tier more than WAF has rules for, then stored, then enforced. Answers the value replaced and the rules
 * applied. If the sink fails the override is stored but not yet enforced: the error reaches the operator, and the
 * same PUT again (or POST /ops/v1/rate-limits/sync) applies it (docs/decisions.md, 226).
 */
export async function setMerchantRateLimit(
  deps: RateLimitDeps,
  merchantId: string,
  rateLimitPerMinute: number | null,
): Promise<{ before: number | null; after: number | null; rules: readonly WafRule[] }> {
  if (rateLimitPerMinute !== null) {
    const others = (await deps.store.list()).filter((o) => o.merchantId !== merchantId);
    if (others.length >= MAX_RATE_LIMIT_OVERRIDES) {
      throw new ValidationError('parameter_invalid', `At most ${MAX_RATE_LIMIT_OVERRIDES} merchants can have their own limit (the web ACL's capacity).`, 'rateLimitPerMinute');
    }
    const tiers = rateLimitTiers([...others, { merchantId, rateLimitPerMinute }]);
    if (tiers.length > MAX_RATE_LIMIT_TIERS) {
      const inUse = rateLimitTiers(others).map((t) => t.limit);
      throw new ValidationError(
        'parameter_invalid',
        `At most ${MAX_RATE_LIMIT_TIERS} distinct limits can be in force at once; use one already in force (${inUse.join(', ')}) or free one.`,
        'rateLimitPerMinute',
      );
    }
  }
  const before = await deps.store.set(merchantId, rateLimitPerMinute);
  const rules = await syncRateLimits(deps);
  return { before, after: rateLimitPerMinute, rules };
}

/** GET /ops/v1/rate-limits: the definition, every override by tier, and the rules the sink enforces. */
export function rateLimitsResource(overrides: readonly RateLimitOverride[], rules: readonly WafRule[], windowSeconds: number): Record<string, unknown> {
  return {
    object: 'rate_limits',
    defaultPerMinute: DEFAULT_RATE_LIMIT_PER_MINUTE,
    windowSeconds,
    header: RATE_LIMIT_HEADER,
    maxTiers: MAX_RATE_LIMIT_TIERS,
    tiers: rateLimitTiers(overrides).map(({ limit, merchantIds }) => ({ rateLimitPerMinute: limit, merchantIds })),
    rules,
  };
}
