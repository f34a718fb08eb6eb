import { sandboxChannels } from '../shared/channels/registry.js';
import { getConfig } from '../shared/config.js';
import { configuredChannelIds, routingDepsOf, type RoutingDeps } from '../shared/services/routing-deps.js';
import { installedDeps } from './deps-registry.js';

/**
 * The composition root of the route step: channel ids, catalog and health, and no storage, so its bundle carries no
 * DynamoDB or KMS client. In AWS the channels are those built without credentials and those whose base URL this
 * deployment configures (CHANNEL_BASE_URLS, the same setting the charge step builds them from). Locally the runtime's
 * Deps are used, with the health shared by all steps.
 */
let routing: RoutingDeps | undefined;

export function getRoutingDeps(): RoutingDeps {
  return installedDeps() ?? (routing ??= routingDepsOf(configuredChannelIds(sandboxChannels().channels, getConfig().CHANNEL_BASE_URLS)));
}
