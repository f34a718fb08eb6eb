import { kmsKeyCenter } from './aws/kms-key-center.js';
import { opsHandler } from './ops/ops-handler.js';
import { opsRoutes } from './ops/routes.js';
import { provideAws } from './services.js';

// Reconciliation opens the channels' sealed credentials (to fetch bills and query items), and only those: see the
// stack's grant.
provideAws({ keyCenter: kmsKeyCenter });

/** The operations API (`/ops/v1/…`): authenticated, routed and audited by opsHandler; the routes are in ops/routes.ts. */
export const handler = opsHandler(opsRoutes);
