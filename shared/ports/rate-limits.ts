import type { RateLimitOverride, WafRule } from '../domain/rate-limits.js';

/** Per-merchant rate limit overrides (docs/data-model.md, "Rate limits"): on the merchant record and in one index. */
export interface RateLimitStore {
  /**
   * Sets (a number) or clears (null: the default again) a merchant's override; answers the value it replaced (null:
   * the default). Throws NotFoundError for an unknown merchant.
   */
  set(merchantId: string, rateLimitPerMinute: number | null): Promise<number | null>;
  /** Every override, read consistently (the WAF sync renders from it right after an operator's change). */
  list(): Promise<RateLimitOverride[]>;
}

/**
 * Where the rendered rules are enforced: AWS WAF's web ACL, or the local gateway's evaluator. `apply` takes the
 * rendering, not the rules: a sink with a version (WAF's LockToken) reads its version first, then renders from the
 * table, then writes conditionally, and renders again when another writer came between, so the rules it leaves
 * always include every override committed before it read its version (docs/decisions.md, 226).
 */
export interface RateLimitRuleSink {
  apply(render: () => Promise<readonly WafRule[]>): Promise<readonly WafRule[]>;
}
