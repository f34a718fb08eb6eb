/**
 * Per-merchant rate limits (contract, "Rate limits"): the one definition that AWS WAF and the local gateway both
 * enforce. `renderRateLimitRules` turns the operators' overrides into AWS WAF web ACL rules (the JSON of
 * `AWS::WAFv2::WebACL` Rules and of the wafv2 UpdateWebACL call); CDK deploys them with no overrides, the ops API
 * applies them again when an override changes, and the local gateway evaluates the very same JSON
 * (infra/local/rate-limiter.ts). Pure data: no I/O, no AWS SDK types (docs/decisions.md, 222-224).
 */

/** Requests per rolling minute a merchant may send unless operations set its own (contract: 6,000). */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 6_000;
/** WAF's rolling window; it also accepts 120, 300 and 600 s, the contract says a minute. */
export const RATE_LIMIT_WINDOW_SECONDS = 60;
/** WAF's bounds for a rate-based rule's limit: an override outside them could not be deployed. */
export const MIN_RATE_LIMIT_PER_MINUTE = 10;
export const MAX_RATE_LIMIT_PER_MINUTE = 2_000_000_000;
/** The header each request is counted under: the signed merchant id, lower-cased as WAF names headers. */
export const RATE_LIMIT_HEADER = 'x-merchant-id';
/**
 * WAF allows 10 rate-based rules per web ACL: the default rule and one per distinct override limit (a tier). An
 * eleventh distinct limit is refused by the operations API instead of failing at the WAF (decisions, 224).
 */
export const MAX_RATE_LIMIT_TIERS = 9;
/**
 * Merchants with an override, at most: each costs 2 WCUs (an exact header match) and the rules around them ~530 (10 rate
 * rules of ~53), inside the 5,000 WCUs a web ACL may use, with room left for rules added by hand (decisions, 224).
 */
export const MAX_RATE_LIMIT_OVERRIDES = 2_000;
/** Every rule this definition owns is named so; the WAF sync replaces exactly these and keeps any other rule. */
export const RATE_LIMIT_RULE_PREFIX = 'MerchantRateLimit';
/** Our rules take priorities below this; a rule added to the web ACL by hand must use this or above. */
export const RATE_LIMIT_PRIORITY_CEILING = 100;
/** The label namespace a tier's membership rule adds; the default rule skips requests carrying any label in it. */
const TIER_LABEL_NAMESPACE = 'merchant-rate-limit:';

export interface RateLimitOverride {
  readonly merchantId: string;
  readonly rateLimitPerMinute: number;
}

/** The subset of the WAFv2 rule JSON this definition emits (and the local evaluator understands). */
export type WafFieldToMatch = { readonly UriPath: Record<string, never> } | { readonly SingleHeader: { readonly Name: string } };
export interface WafTextTransformation {
  readonly Priority: number;
  readonly Type: 'NONE';
}
export type WafStatement =
  | {
      readonly ByteMatchStatement: {
        readonly FieldToMatch: WafFieldToMatch;
        readonly PositionalConstraint: 'EXACTLY' | 'CONTAINS' | 'STARTS_WITH';
        readonly SearchString: string;
        readonly TextTransformations: readonly WafTextTransformation[];
      };
    }
  | { readonly LabelMatchStatement: { readonly Scope: 'LABEL' | 'NAMESPACE'; readonly Key: string } }
  | { readonly AndStatement: { readonly Statements: readonly WafStatement[] } }
  | { readonly OrStatement: { readonly Statements: readonly WafStatement[] } }
  | { readonly NotStatement: { readonly Statement: WafStatement } }
  | {
      readonly RateBasedStatement: {
        readonly Limit: number;
        readonly EvaluationWindowSec: number;
        readonly AggregateKeyType: 'CUSTOM_KEYS';
        readonly CustomKeys: readonly { readonly Header: { readonly Name: string; readonly TextTransformations: readonly WafTextTransformation[] } }[];
        readonly ScopeDownStatement: WafStatement;
      };
    };

export interface WafRule {
  readonly Name: string;
  readonly Priority: number;
  readonly Statement: WafStatement;
  readonly Action: { readonly Block: Record<string, never> } | { readonly Count: Record<string, never> };
  readonly RuleLabels?: readonly { readonly Name: string }[];
  readonly VisibilityConfig: { readonly SampledRequestsEnabled: boolean; readonly CloudWatchMetricsEnabled: boolean; readonly MetricName: string };
}

export interface RenderOptions {
  /** WAF's is 60 s; the local runtime may shorten it (PAY_RATE_LIMIT_WINDOW_SECONDS) so tests need not wait a minute. */
  readonly windowSeconds?: number;
}

/** Thrown when the overrides need more distinct limits than WAF has rate-based rules for (decisions, 224). */
export class RateLimitTiersExhaustedError extends Error {
  constructor(readonly tiers: number) {
    super(`The overrides use ${tiers} distinct limits; at most ${MAX_RATE_LIMIT_TIERS} fit in the web ACL.`);
  }
}

const NO_TRANSFORMATION: readonly WafTextTransformation[] = [{ Priority: 0, Type: 'NONE' }];

const pathContains = (fragment: string): WafStatement => ({
  ByteMatchStatement: { FieldToMatch: { UriPath: {} }, PositionalConstraint: 'CONTAINS', SearchString: fragment, TextTransformations: NO_TRANSFORMATION },
});

/**
 * The merchant API and nothing else: `/v1/…` but not the operations API (`/ops/v1/…`), whatever precedes it (API
 * Gateway's execute-api URL carries the stage, `/live/v1/…`; a custom domain does not). Checkout pages and channel
 * callbacks never match: a payer or a channel is never refused for a merchant's volume (decisions, 223).
 */
const MERCHANT_API: readonly WafStatement[] = [pathContains('/v1/'), { NotStatement: { Statement: pathContains('/ops/v1/') } }];

const merchantIs = (merchantId: string): WafStatement => ({
  ByteMatchStatement: {
    FieldToMatch: { SingleHeader: { Name: RATE_LIMIT_HEADER } },
    PositionalConstraint: 'EXACTLY',
    SearchString: merchantId,
    TextTransformations: NO_TRANSFORMATION,
  },
});

const visibility = (name: string) => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: name });

function rateRule(name: string, priority: number, limit: number, windowSeconds: number, scope: WafStatement): WafRule {
  return {
    Name: name,
    Priority: priority,
    Statement: {
      RateBasedStatement: {
        Limit: limit,
        EvaluationWindowSec: windowSeconds,
        AggregateKeyType: 'CUSTOM_KEYS',
        CustomKeys: [{ Header: { Name: RATE_LIMIT_HEADER, TextTransformations: NO_TRANSFORMATION } }],
        ScopeDownStatement: scope,
      },
    },
    // Answered by API Gateway's WAF_FILTERED gateway response: 429 rate_limited with the request id (decisions, 225).
    Action: { Block: {} },
    VisibilityConfig: visibility(name),
  };
}

/** Overrides grouped by limit, smallest limit first, merchants sorted: the same overrides always render the same rules. */
export function rateLimitTiers(overrides: readonly RateLimitOverride[]): { limit: number; merchantIds: string[] }[] {
  const byLimit = new Map<number, string[]>();
  for (const o of overrides) byLimit.set(o.rateLimitPerMinute, [...(byLimit.get(o.rateLimitPerMinute) ?? []), o.merchantId]);
  return [...byLimit.entries()].sort(([a], [b]) => a - b).map(([limit, merchantIds]) => ({ limit, merchantIds: merchantIds.sort() }));
}

/**
 * The web ACL rules for these overrides. Per distinct limit (a tier): a Count rule that labels the tier's merchants
 * (matched by their header, exactly), then a rate-based rule counting per merchant header among requests with that
 * label. Last, the default rule at 6,000 for every merchant API request without a tier label. A tier costs one rule
 * pair whatever its size, so thousands of merchants fit in WAF's 10 rate-based rules (decisions, 224).
 */
export function renderRateLimitRules(overrides: readonly RateLimitOverride[], options: RenderOptions = {}): WafRule[] {
  const windowSeconds = options.windowSeconds ?? RATE_LIMIT_WINDOW_SECONDS;
  const tiers = rateLimitTiers(overrides);
  if (tiers.length > MAX_RATE_LIMIT_TIERS) throw new RateLimitTiersExhaustedError(tiers.length);
  const rules: WafRule[] = [];
  tiers.forEach(({ limit, merchantIds }, i) => {
    const label = `${TIER_LABEL_NAMESPACE}tier-${limit}`;
    const members = merchantIds.map(merchantIs);
    rules.push({
      Name: `${RATE_LIMIT_RULE_PREFIX}-Tier${limit}-Members`,
      Priority: 2 * i,
      Statement: members.length === 1 ? members[0]! : { OrStatement: { Statements: members } },
      Action: { Count: {} },
      RuleLabels: [{ Name: label }],
      VisibilityConfig: visibility(`${RATE_LIMIT_RULE_PREFIX}-Tier${limit}-Members`),
    });
    const scope: WafStatement = { AndStatement: { Statements: [...MERCHANT_API, { LabelMatchStatement: { Scope: 'LABEL', Key: label } }] } };
    rules.push(rateRule(`${RATE_LIMIT_RULE_PREFIX}-Tier${limit}`, 2 * i + 1, limit, windowSeconds, scope));
  });
  const defaultScope: WafStatement =
    tiers.length === 0
      ? { AndStatement: { Statements: MERCHANT_API } }
      : { AndStatement: { Statements: [...MERCHANT_API, { NotStatement: { Statement: { LabelMatchStatement: { Scope: 'NAMESPACE', Key: TIER_LABEL_NAMESPACE } } } }] } };
  rules.push(rateRule(`${RATE_LIMIT_RULE_PREFIX}-Default`, 2 * tiers.length, DEFAULT_RATE_LIMIT_PER_MINUTE, windowSeconds, defaultScope));
  return rules;
}

/** Whether a web ACL rule is one this definition owns (the WAF sync replaces these and keeps the others). */
export function isRateLimitRule(rule: { readonly Name: string }): boolean {
  return rule.Name.startsWith(`${RATE_LIMIT_RULE_PREFIX}-`);
}
