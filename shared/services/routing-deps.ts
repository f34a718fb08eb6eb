import { CHANNEL_CATALOG } from '../channels/catalog.js';
import { ChannelHealth } from '../domain/routing.js';
import type { ChannelAdapter } from '../ports/channel-flows.js';
import type { Deps } from './deps.js';

export type RoutingDeps = Pick<Deps, 'channels' | 'channelCatalog' | 'channelHealth'>;

/**
 * The channel part of Deps: adapters by id, the catalog (data) and a per-process health tracker. The catalog holds
 * only the channels that were built, so routing never picks one this deployment has no credentials for.
 */
export function createRoutingDeps(channels: readonly ChannelAdapter[]): RoutingDeps {
  const built = new Map(channels.map((c) => [c.id, c]));
  return {
    channels: built,
    channelCatalog: CHANNEL_CATALOG.filter((row) => built.has(row.id)),
    channelHealth: new ChannelHealth(),
  };
}
