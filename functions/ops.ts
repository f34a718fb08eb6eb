import { opsHandler } from './ops/ops-handler.js';
import { opsRoutes } from './ops/routes.js';

/** The operations API (`/ops/v1/…`): authenticated, routed and audited by opsHandler; the routes are in ops/routes.ts. */
export const handler = opsHandler(opsRoutes);
