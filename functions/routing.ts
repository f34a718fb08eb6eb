import { channelHealthStore } from '../shared/adapters/dynamodb/channel-health-store.js';
import { createDocumentClient } from '../shared/adapters/dynamodb/client.js';
import { DynamoChannelStore } from '../shared/adapters/dynamodb/channel-store.js';
import { sandboxChannels } from '../shared/channels/registry.js';
import { getConfig } from '../shared/config.js';
import { configuredChannelIds, routingDepsOf, type RoutingDeps } from '../shared/services/routing-deps.js';
import { installedDeps } from './deps-registry.js';

/**
 * The composition root of the route step: channel ids, their records and health, and no KMS: it never opens a
 * credential. In AWS the channels are those built without credentials and those whose base URL this deployment
 * configures (CHANNEL_BASE_URLS, the same setting the charge step builds them from); their records (operator changes)
 * and today's usage are read from the table, and so is the channels' shared health (a read grant, and one conditional
 * write: a probe's claim on a half-open circuit). Locally the runtime's Deps are used.
 */
let routing: RoutingDeps | undefined;

export function getRoutingDeps(): RoutingDeps {
  return installedDeps() ?? (routing ??= compose());
}

function compose(): RoutingDeps {
  const config = getConfig();
  const db = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION });
  const records = { store: new DynamoChannelStore(db, config.TABLE_NAME), cacheMs: config.PAY_CHANNEL_CACHE_SECONDS * 1000 };
  return routingDepsOf(configuredChannelIds(sandboxChannels().channels, config.CHANNEL_BASE_URLS), records, channelHealthStore(db, config));
}
