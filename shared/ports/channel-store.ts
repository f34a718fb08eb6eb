import type { ChannelConfig } from '../domain/routing.js';

/**
 * Channels as records in the table (docs/data-model.md, "Channel"), managed through the operations API. A channel
 * never changed by an operator has no item: the registry's row (shared/channels/registry.ts) stands for it, so a
 * deploy that changes a default reaches the channels nobody tuned, and never overwrites one somebody did
 * (docs/decisions.md, 206).
 */
export interface ChannelRecord extends ChannelConfig {
  /** When an operator last changed it; null for the registry's row. */
  readonly updatedAt: string | null;
  /** Bumped by every change; 0 for the registry's row (no item yet). */
  readonly version: number;
}

export interface ChannelStore {
  /** The records of these channels (one BatchGet), the registry's row standing in for each one without an item. */
  list(defaults: readonly ChannelConfig[]): Promise<ChannelRecord[]>;
  /**
   * Writes the record whole if the stored one is still at `expectVersion` (0: none stored yet), with the next
   * version; false when another change came first (the caller reads again).
   */
  put(record: ChannelRecord, expectVersion: number): Promise<boolean>;
}

/** What each channel has been routed today (UTC) in one currency: the sum of its usage counter's shards. */
export interface ChannelUsageReader {
  usedToday(channelIds: readonly string[], currency: string, nowMs: number): Promise<Map<string, number>>;
}
