import { NotFoundError, ValidationError } from '../../shared/domain/errors.js';
import { blocklistKey } from '../../shared/domain/risk.js';
import { blocklistEntryResource, velocityRuleResource } from '../../shared/ops/risk-resources.js';
import {
  blocklistEntrySchema,
  blocklistQuerySchema,
  blocklistValue,
  velocityRuleCreateSchema,
  velocityRuleIdParam,
  velocityRuleListQuerySchema,
  velocityRulePatchSchema,
  velocitySubjectSchema,
} from '../../shared/schemas/risk-schemas.js';
import { PLATFORM_SCOPE } from '../../shared/domain/velocity.js';
import { createVelocityRule, deleteVelocityRule, getVelocityRule, updateVelocityRule } from '../../shared/services/velocity-rules.js';
import { parse } from '../http/errors.js';
import type { OpsRoutes } from './ops-handler.js';

/**
 * Risk controls of the operations API (docs/operations.md, "Risk"): the platform's blocklist and the velocity rules
 * (platform defaults and per-merchant rules). Every change is audited with the entry or rule before and after; the
 * risk step sees a rule change within PAY_RISK_RULES_CACHE_SECONDS, a blocklist change at once (read per payment).
 */
export const riskOpsRoutes: OpsRoutes = {
  'GET /ops/v1/risk/blocklist': async ({ query, ops }) => {
    const page = await ops.deps.blocklist.list(parse(blocklistQuerySchema, query));
    return { statusCode: 200, body: { object: 'list', data: page.data.map(blocklistEntryResource), nextCursor: page.nextCursor } };
  },
  'POST /ops/v1/risk/blocklist': async ({ body, ops, principal }) => {
    const input = parse(blocklistEntrySchema, body);
    const value = checkedValue(input.subject, input.value);
    const key = blocklistKey(input.subject, value);
    const before = await ops.deps.blocklist.get(key);
    await ops.deps.blocklist.add(key, input.reason, principal);
    const after = blocklistEntryResource((await ops.deps.blocklist.get(key))!);
    return { statusCode: before ? 200 : 201, body: after, audit: { before: before ? blocklistEntryResource(before) : null, after } };
  },
  'DELETE /ops/v1/risk/blocklist/{subject}/{value}': async ({ pathParameters, ops }) => {
    const subject = parse(velocitySubjectSchema, pathParameters.subject, 'subject');
    const key = blocklistKey(subject, checkedValue(subject, pathParameters.value));
    const before = await ops.deps.blocklist.get(key);
    if (!before) throw new NotFoundError('blocklist entry', 'value');
    await ops.deps.blocklist.remove(key);
    const gone = blocklistEntryResource(before);
    return { statusCode: 200, body: { ...gone, deleted: true }, audit: { before: gone, after: null } };
  },
  'GET /ops/v1/risk/rules': async ({ query, ops }) => {
    const { merchantId } = parse(velocityRuleListQuerySchema, query);
    const rules = await ops.deps.velocityRules.listScope(merchantId ?? PLATFORM_SCOPE);
    return { statusCode: 200, body: { object: 'list', scope: merchantId ?? PLATFORM_SCOPE, data: rules.map(velocityRuleResource) } };
  },
  'POST /ops/v1/risk/rules': async ({ body, ops }) => {
    const rule = velocityRuleResource(await createVelocityRule(ops.deps, parse(velocityRuleCreateSchema, body)));
    return { statusCode: 201, body: rule, audit: { before: null, after: rule } };
  },
  'GET /ops/v1/risk/rules/{id}': async ({ pathParameters, ops }) => ({
    statusCode: 200,
    body: velocityRuleResource(await getVelocityRule(ops.deps, parse(velocityRuleIdParam, pathParameters.id, 'id'))),
  }),
  'PATCH /ops/v1/risk/rules/{id}': async ({ pathParameters, body, ops }) => {
    const ruleId = parse(velocityRuleIdParam, pathParameters.id, 'id');
    const { before, after } = await updateVelocityRule(ops.deps, ruleId, parse(velocityRulePatchSchema, body));
    return { statusCode: 200, body: velocityRuleResource(after), audit: { before: velocityRuleResource(before), after: velocityRuleResource(after) } };
  },
  'DELETE /ops/v1/risk/rules/{id}': async ({ pathParameters, ops }) => {
    const before = velocityRuleResource(await deleteVelocityRule(ops.deps, parse(velocityRuleIdParam, pathParameters.id, 'id')));
    return { statusCode: 200, body: { ...before, deleted: true }, audit: { before, after: null } };
  },
};

/** The value in its subject's own format (a payer id, an IP address, a card fingerprint), or a 400 naming it. */
function checkedValue(subject: Parameters<typeof blocklistValue>[0], value: unknown): string {
  const checked = blocklistValue(subject, value);
  if (!checked) throw new ValidationError('parameter_invalid', `value is not a valid ${subject}.`, 'value');
  return checked;
}
