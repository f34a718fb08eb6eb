import { sandboxChannels } from '../shared/channels/registry.js';
import { createRoutingDeps, type RoutingDeps } from '../shared/services/routing-deps.js';
import { installedDeps } from './deps-registry.js';

/**
 * The composition root of the route step: channels, catalog and health, and no storage, so their
 * bundles carry no DynamoDB client. Locally the runtime's Deps are used, with the health shared by all steps.
 */
let routing: RoutingDeps | undefined;

export function getRoutingDeps(): RoutingDeps {
  return installedDeps() ?? (routing ??= createRoutingDeps(sandboxChannels().channels));
}
