import type { Deps } from '../shared/services/deps.js';

/**
 * Where a container's Deps live once composed (by functions/services.ts in AWS, by the local runtime's setDeps).
 * Kept free of imports so that a function that needs no storage (route, failover) can read it without bundling the
 * DynamoDB client.
 */
let deps: Deps | undefined;

export function installedDeps(): Deps | undefined {
  return deps;
}

export function setDeps(value: Deps): void {
  deps = value;
}
