import { kmsKeyCenter } from './aws/kms-key-center.js';
import { provideReconciliation } from './ops/compose.js';
import { opsHandler } from './ops/ops-handler.js';
import { reconciliationOpsRoutes } from './ops/reconciliation-routes.js';
import { reconciliationDeps, s3Reports } from './reconciliation-deps.js';
import { getChannelDeps, provideAws } from './services.js';

// Reconciliation opens the channels' sealed credentials (to fetch bills and query items), and only those: see the
// stack's grant.
provideAws({ keyCenter: kmsKeyCenter });

// With a reports bucket, the channels' deps and the reports store; without one, the routes answer 503.
provideReconciliation(async (config, db) => {
  const reports = s3Reports(config);
  if (!reports) return undefined;
  const deps = await getChannelDeps();
  return { deps, reconciliation: reconciliationDeps(deps, db, config.TABLE_NAME, reports) };
});

/**
 * `/ops/v1/reconciliations[/{id}]`: the operations API's reconciliation routes, authenticated and audited by the same
 * opsHandler as every ops route, in a function of their own (decisions, 197).
 */
export const handler = opsHandler(reconciliationOpsRoutes);
