import type { ChannelConfig } from '../domain/routing.js';
import type { ChannelAdapter } from '../ports/channel-flows.js';
import { SandboxCardChannel, SandboxJournal, sandboxCardCatalogRow } from './sandbox-card.js';

/**
 * One registry of channels (shared/ARCHITECTURE.md, "one registry per concept"): each line is a channel's catalog
 * row (what routing may send it: methods, currencies, limits, cost) and the factory of its adapter. A new channel is
 * its own folder (shared/channels/<name>/: adapter, transformers, catalog row) plus one line here; the catalog, the
 * composition roots and routing all read this list.
 */
export interface ChannelContext {
  /** The sandbox acquirers' journal (what reached them), shared by the sandbox card channels of one runtime. */
  readonly sandboxJournal: SandboxJournal;
}

export interface ChannelRegistration {
  readonly catalog: ChannelConfig;
  /** The adapter, or undefined when this deployment cannot run it (e.g. no credentials configured). */
  readonly create: (context: ChannelContext) => ChannelAdapter | undefined;
}

export const CHANNEL_REGISTRY: readonly ChannelRegistration[] = [
  { catalog: sandboxCardCatalogRow('card_a', 30), create: (c) => new SandboxCardChannel('card_a', { primary: true, journal: c.sandboxJournal }) },
  { catalog: sandboxCardCatalogRow('card_b', 45), create: (c) => new SandboxCardChannel('card_b', { primary: false, journal: c.sandboxJournal }) },
];

/** Every registered channel this deployment can run, built for one composition root. */
export function createChannels(context: ChannelContext, registry: readonly ChannelRegistration[] = CHANNEL_REGISTRY): ChannelAdapter[] {
  return registry.flatMap((line) => line.create(context) ?? []);
}

/** The sandbox channel set with its journal (the local runtime and the sandbox deployment). */
export function sandboxChannels(journal = new SandboxJournal()): { channels: ChannelAdapter[]; journal: SandboxJournal } {
  return { journal, channels: createChannels({ sandboxJournal: journal }) };
}
