import { channelDay } from '../../reconciliation/bill.js';
import { indexKeys, RECONCILIATION_SHARDS } from './keys.js';

/** Which shard of a channel day's index partition an id is written to: a stable spread of the id's characters. */
export function reconciliationShard(id: string): number {
  let hash = 0;
  for (let i = 0; i < id.length; i += 1) hash = (hash * 31 + id.charCodeAt(id.length - 1 - i)) >>> 0;
  return hash % RECONCILIATION_SHARDS;
}

/**
 * The GSI1 attributes that put an attempt or a refund on its channel's business day, written with every put of the
 * item so a reconciliation run reads the platform's side of a day by Query, never by scan (docs/decisions.md, 166).
 * The day is the channel's day of the item's creation: stable across the item's later writes. An attempt that never
 * reached a channel (no channel chosen) is on no day.
 */
export function reconciliationIndex(channel: string | null, createdAt: string, id: string): { GSI1PK?: string; GSI1SK?: string } {
  if (!channel) return {};
  return {
    GSI1PK: indexKeys.reconciliation(channel, channelDay(channel, createdAt), reconciliationShard(id)),
    GSI1SK: indexKeys.timeSortKey(createdAt, id),
  };
}
