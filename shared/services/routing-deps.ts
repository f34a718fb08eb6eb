import { CHANNEL_CATALOG } from '../channels/catalog.js';
import { ChannelHealth } from '../domain/routing.js';
import type { PaymentChannel } from '../ports/payment-channel.js';
import type { Deps } from './deps.js';

export type RoutingDeps = Pick<Deps, 'channels' | 'channelCatalog' | 'channelHealth'>;

/** The channel part of Deps: adapters by id, the catalog (data) and a per-process health tracker. */
export function createRoutingDeps(channels: readonly PaymentChannel[]): RoutingDeps {
  return {
    channels: new Map(channels.map((c) => [c.id, c])),
    channelCatalog: CHANNEL_CATALOG,
    channelHealth: new ChannelHealth(),
  };
}
