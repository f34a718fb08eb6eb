import * as z from 'zod/mini';
import { ServiceUnavailableError } from '../../shared/domain/errors.js';
import { MAX_RATE_LIMIT_PER_MINUTE, MIN_RATE_LIMIT_PER_MINUTE, renderRateLimitRules } from '../../shared/domain/rate-limits.js';
import { merchantIdParam } from '../../shared/schemas/ops-schemas.js';
import { rateLimitsResource, setMerchantRateLimit, syncRateLimits, type RateLimitDeps } from '../../shared/services/rate-limits.js';
import { parse } from '../http/errors.js';
import type { OpsDeps } from './compose.js';
import type { OpsRoutes } from './ops-handler.js';

/** `{"rateLimitPerMinute": N}` within WAF's bounds for a rate-based rule, or null for the default (6,000). */
const rateLimitSchema = z.strictObject({
  rateLimitPerMinute: z.nullable(z.int().check(z.minimum(MIN_RATE_LIMIT_PER_MINUTE), z.maximum(MAX_RATE_LIMIT_PER_MINUTE))),
});

function rateLimitsOf(ops: OpsDeps): RateLimitDeps {
  if (!ops.rateLimits) throw new ServiceUnavailableError('channel_error', 'Rate limits cannot be changed in this deployment (no web ACL configured).');
  return ops.rateLimits;
}

/**
 * Per-merchant rate limits (docs/operations.md, "Rate limits"): an override is stored on the merchant and applied at
 * once to where limits are enforced, AWS WAF's web ACL or the local gateway (docs/decisions.md, 222-229).
 */
export const rateLimitOpsRoutes: OpsRoutes = {
  'GET /ops/v1/rate-limits': async ({ ops }) => {
    const limits = rateLimitsOf(ops);
    const overrides = await limits.store.list();
    const rules = renderRateLimitRules(overrides, { windowSeconds: limits.windowSeconds });
    return { statusCode: 200, body: rateLimitsResource(overrides, rules, limits.windowSeconds) };
  },
  'PUT /ops/v1/merchants/{id}/rate-limit': async ({ pathParameters, body, ops }) => {
    const merchantId = parse(merchantIdParam, pathParameters.id, 'id');
    const { rateLimitPerMinute } = parse(rateLimitSchema, body);
    const change = await setMerchantRateLimit(rateLimitsOf(ops), merchantId, rateLimitPerMinute);
    return {
      statusCode: 200,
      body: { object: 'merchant_rate_limit', merchantId, rateLimitPerMinute: change.after, rulesApplied: change.rules.length },
      audit: { before: { merchantId, rateLimitPerMinute: change.before }, after: { merchantId, rateLimitPerMinute: change.after } },
    };
  },
  // After a deploy that replaced the web ACL's rules with the template's (no overrides), or a sync that failed.
  'POST /ops/v1/rate-limits/sync': async ({ ops }) => {
    const limits = rateLimitsOf(ops);
    const rules = await syncRateLimits(limits);
    return { statusCode: 200, body: { object: 'rate_limit_sync', rulesApplied: rules.length }, audit: { before: null, after: { rulesApplied: rules.map((r) => r.Name) } } };
  },
};
