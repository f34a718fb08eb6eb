import { reconciliationIdParam, reconciliationListQuerySchema, reconciliationRequestSchema } from '../../shared/schemas/reconciliation-schemas.js';
import { getReconciliation, listReconciliations, reconciliationOf, runReconciliation } from '../../shared/services/reconciliation.js';
import { parse } from '../http/errors.js';
import type { OpsRoutes } from './ops-handler.js';

/**
 * The reconciliation routes, served by a function of their own (functions/ops-reconciliations.ts; decisions, 197):
 * they fetch bills and query items at the channels and keep reports in the object store, so the ops function needs
 * neither the channels' credentials nor the S3 client. A file of its own, so that function's bundle carries none of the
 * other routes (risk, rate limits, merchants, settlement…) and their services.
 */
export const reconciliationOpsRoutes: OpsRoutes = {
  'POST /ops/v1/reconciliations': async ({ body, ops }) => ({ statusCode: 201, body: await runReconciliation(reconciliationOf(ops), parse(reconciliationRequestSchema, body)) }),
  'GET /ops/v1/reconciliations': async ({ query, ops }) => ({ statusCode: 200, body: { object: 'list', data: await listReconciliations(reconciliationOf(ops), parse(reconciliationListQuerySchema, query).limit) } }),
  'GET /ops/v1/reconciliations/{id}': async ({ pathParameters, ops }) => ({ statusCode: 200, body: await getReconciliation(reconciliationOf(ops), parse(reconciliationIdParam, pathParameters.id, 'id')) }),
};
