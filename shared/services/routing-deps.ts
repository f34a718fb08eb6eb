import { CHANNEL_CATALOG } from '../channels/catalog.js';
import { ChannelHealth } from '../domain/routing.js';
import type { ChannelAdapter } from '../ports/channel-flows.js';
import type { Deps } from './deps.js';

export type RoutingDeps = Pick<Deps, 'channels' | 'channelCatalog' | 'channelHealth'>;

/** The channel part of Deps: adapters by id, the catalog (data) and a per-process health tracker. */
export function createRoutingDeps(channels: readonly ChannelAdapter[]): RoutingDeps {
  return {
    channels: new Map(channels.map((c) => [c.id, c])),
    channelCatalog: CHANNEL_CATALOG,
    channelHealth: new ChannelHealth(),
  };
}
