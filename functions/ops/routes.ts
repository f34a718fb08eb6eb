import { checkLedger, ledgerFigures } from '../../shared/services/ledger-check.js';
import { recordLedgerCheck } from '../../shared/metrics.js';
import { NotFoundError } from '../../shared/domain/errors.js';
import { opsMerchantResource, opsPayoutResource, opsSettlementResource, trialBalanceResource } from '../../shared/ops/ops-resources.js';
import { merchantIdParam, opsEventsQuerySchema, opsPayoutsQuerySchema, opsSettlementRunSchema, opsSettlementsQuerySchema, pageQuerySchema } from '../../shared/schemas/ops-schemas.js';
import { idParam } from '../../shared/schemas/requests.js';
import { getPayout, listPayouts } from '../../shared/services/payouts.js';
import { runSettlement } from '../../shared/services/settlement.js';
import { eventResource } from '../../shared/schemas/event-resources.js';
import { parse } from '../http/errors.js';
import { merchantOpsRoutes } from './merchant-routes.js';
import { rateLimitOpsRoutes } from './rate-limit-routes.js';
import { channelOpsRoutes } from './channel-routes.js';
import { riskOpsRoutes } from './risk-routes.js';
import type { OpsRoutes } from './ops-handler.js';

/**
 * The operations API, one line per route (docs/operations.md). API Gateway sends every `/ops/v1/…` request to the ops
 * function through one IAM-authorized proxy route, so a route added here needs nothing else to be served and
 * audited: add its documentation in docs/operations.md.
 */
export const opsRoutes: OpsRoutes = {
  'GET /ops/v1/audit': async ({ query, ops }) => ({ statusCode: 200, body: { object: 'list', ...(await ops.audit.list(parse(pageQuerySchema, query))) } }),
  'GET /ops/v1/ledger/trial-balance': async ({ ops }) => {
    const check = await checkLedger(ops.deps.ledger, { nowMs: ops.deps.now() });
    return { statusCode: 200, body: trialBalanceResource(check, new Date(ops.deps.now()).toISOString()) };
  },
  // The scheduled check, now: the same figures go to the metrics the ledger alarms watch.
  'POST /ops/v1/ledger/trial-balance': async ({ ops }) => {
    const nowMs = ops.deps.now();
    const check = await checkLedger(ops.deps.ledger, { nowMs });
    recordLedgerCheck(ledgerFigures(check), {}, nowMs);
    return { statusCode: 200, body: trialBalanceResource(check, new Date(nowMs).toISOString()) };
  },
  'GET /ops/v1/merchants': async ({ query, ops }) => {
    const page = await ops.merchants.list(parse(pageQuerySchema, query));
    return { statusCode: 200, body: { object: 'list', data: page.data.map(opsMerchantResource), nextCursor: page.nextCursor } };
  },
  'GET /ops/v1/merchants/{id}': async ({ pathParameters, ops }) => {
    const merchant = await ops.deps.merchants.get(parse(merchantIdParam, pathParameters.id, 'id'));
    if (!merchant) throw new NotFoundError('merchant', 'id');
    return { statusCode: 200, body: opsMerchantResource(merchant) };
  },
  // Create, disable / enable, fees, secret rotation (functions/ops/merchant-routes.ts).
  ...merchantOpsRoutes,
  // Per-merchant rate limits, applied to the web ACL / local gateway (functions/ops/rate-limit-routes.ts).
  ...rateLimitOpsRoutes,
  // A settlement run now, as the schedule's (cut-off now − settlementDelay), optionally narrowed (decisions, 183).
  'POST /ops/v1/settlements': async ({ body, ops }) => {
    const scope = parse(opsSettlementRunSchema, body);
    if (scope.merchantId && !(await ops.deps.merchants.get(scope.merchantId))) throw new NotFoundError('merchant', 'merchantId');
    const run = await runSettlement(ops.deps, { scope });
    const data = run.settlements.map(opsSettlementResource);
    return {
      statusCode: 200,
      body: { object: 'settlement_run', cutoff: run.cutoff, data },
      audit: { before: null, after: { cutoff: run.cutoff, settlements: run.settlements.map((s) => s.id) } },
    };
  },
  'GET /ops/v1/settlements': async ({ query, ops }) => {
    const { merchantId, ...page } = parse(opsSettlementsQuerySchema, query);
    const { settlements, nextCursor } = await ops.deps.settlements.list(merchantId, page);
    return { statusCode: 200, body: { object: 'list', data: settlements.map(opsSettlementResource), nextCursor } };
  },
  // Any batch, an OPEN one too (a run that died half way leaves one): support sees what the merchant cannot yet.
  'GET /ops/v1/settlements/{id}': async ({ pathParameters, ops }) => {
    const batch = await ops.deps.settlements.get(parse(idParam('stl'), pathParameters.id, 'id'));
    if (!batch) throw new NotFoundError('settlement', 'id');
    return { statusCode: 200, body: opsSettlementResource(batch) };
  },
  'GET /ops/v1/payouts': async ({ query, ops }) => {
    const { merchantId, status, limit, cursor } = parse(opsPayoutsQuerySchema, query);
    const page = await listPayouts(ops.deps, { merchantId, limit, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
    return { statusCode: 200, body: { object: 'list', data: page.payouts.map(opsPayoutResource), nextCursor: page.nextCursor } };
  },
  // Across merchants: support has the payout id from the merchant's ticket or the bank's statement.
  'GET /ops/v1/payouts/{id}': async ({ pathParameters, ops }) => ({
    statusCode: 200,
    body: opsPayoutResource(await getPayout(ops.deps, undefined, parse(idParam('po'), pathParameters.id, 'id'))),
  }),
  // Channels: list with health, enable / disable, limits, cost, priority; an order's attempts (functions/ops/channel-routes.ts).
  ...channelOpsRoutes,
  // The blocklist and velocity rules (functions/ops/risk-routes.ts).
  ...riskOpsRoutes,
  'GET /ops/v1/events': async ({ query, ops }) => {
    const page = await ops.events.listEventsOfMerchant(parse(opsEventsQuerySchema, query));
    return { statusCode: 200, body: { object: 'list', data: page.data.map(eventResource), nextCursor: page.nextCursor } };
  },
};
