import { kmsKeyCenter } from './aws/kms-key-center.js';
import { opsHandler } from './ops/ops-handler.js';
import { opsRoutes } from './ops/routes.js';
import { provideAws } from './services.js';

provideAws({ keyCenter: kmsKeyCenter });

/**
 * The operations API (`/ops/v1/…`): authenticated, routed and audited by opsHandler; the routes are in ops/routes.ts.
 * Reconciliation is served by functions/ops-reconciliations.ts (decisions, 197).
 */
export const handler = opsHandler(opsRoutes);
