import { CHANNEL_CATALOG } from '../channels/catalog.js';
import { CHANNEL_REGISTRY, type ChannelRegistration } from '../channels/registry.js';
import type { ChannelAdapter } from '../ports/channel-flows.js';
import type { ChannelHealth } from '../ports/channel-health.js';
import type { ChannelStore, ChannelUsageReader } from '../ports/channel-store.js';
import { ChannelDirectory } from './channel-directory.js';
import type { Deps } from './deps.js';

/**
 * What the route step reads: the catalog of the channels this deployment runs, their health, and which ids those
 * are. Only ids: routing chooses a channel, it never calls one, so it needs no adapter and no credentials.
 */
export type RoutingDeps = Pick<Deps, 'channelCatalog' | 'channelDirectory' | 'channelHealth'> & { readonly channels: Pick<ReadonlySet<string>, 'has'> };

/** Where the channel records are kept and how long a container routes on what it read (PAY_CHANNEL_CACHE_SECONDS). */
export interface ChannelRecordSource {
  readonly store: ChannelStore & ChannelUsageReader;
  readonly cacheMs: number;
}

/**
 * The channel part of Deps: adapters by id, the catalog (data) and the shared health. The catalog holds only the
 * channels that were built, so routing never picks one this deployment has no credentials for.
 */
export function createRoutingDeps(
  channels: readonly ChannelAdapter[],
  records: ChannelRecordSource,
  channelHealth: ChannelHealth,
): Pick<Deps, 'channels' | 'channelCatalog' | 'channelDirectory' | 'channelHealth'> {
  const built = new Map(channels.map((c) => [c.id, c]));
  const channelCatalog = CHANNEL_CATALOG.filter((row) => built.has(row.id));
  return {
    channels: built,
    channelCatalog,
    channelDirectory: new ChannelDirectory(records.store, channelCatalog, records.cacheMs),
    channelHealth,
  };
}

/**
 * The channels a deployment runs, known without opening a credential (the route step in AWS: no table, no KMS):
 * the channels built without credentials (`withoutCredentials`, e.g. the sandbox cards), and every registry line that
 * needs credentials and has a base URL configured (CHANNEL_BASE_URLS). Configuring a base URL is what switches such a
 * channel on; its credentials must be stored before (docs/decisions.md, entry 92), as the functions that call it
 * build it from both.
 */
export function configuredChannelIds(
  withoutCredentials: readonly ChannelAdapter[],
  baseUrls: Readonly<Record<string, string>>,
  registry: readonly ChannelRegistration[] = CHANNEL_REGISTRY,
): Set<string> {
  const built = new Set(withoutCredentials.map((c) => c.id));
  return new Set(
    registry
      .filter((line) => (line.needsCredentials ? Boolean(baseUrls[line.catalog.id]) : built.has(line.catalog.id)))
      .map((line) => line.catalog.id),
  );
}

/** Routing deps over channel ids alone: the registry's catalog rows of those ids, and the shared health. */
export function routingDepsOf(
  ids: ReadonlySet<string>,
  records: ChannelRecordSource,
  channelHealth: ChannelHealth,
  registry: readonly ChannelRegistration[] = CHANNEL_REGISTRY,
): RoutingDeps {
  const channelCatalog = registry.map((line) => line.catalog).filter((row) => ids.has(row.id));
  return {
    channels: ids,
    channelCatalog,
    channelDirectory: new ChannelDirectory(records.store, channelCatalog, records.cacheMs),
    channelHealth,
  };
}
