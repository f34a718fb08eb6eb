import { kmsKeyCenter } from './aws/kms-key-center.js';
import { schedulerTimers } from './aws/scheduler-timers.js';
import { opsHandler } from './ops/ops-handler.js';
import { opsRoutes } from './ops/routes.js';
import { provideAws } from './services.js';

// POST /ops/v1/merchants arms the new merchant's janitor sweep, as every merchant creation does (decisions, 84, 235).
provideAws({ keyCenter: kmsKeyCenter, timers: schedulerTimers });

/**
 * The operations API (`/ops/v1/…`): authenticated, routed and audited by opsHandler; the routes are in ops/routes.ts.
 * Reconciliation is served by functions/ops-reconciliations.ts (decisions, 197).
 */
export const handler = opsHandler(opsRoutes);
