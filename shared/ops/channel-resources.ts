import type { ChannelView } from '../services/channels.js';
import type { ChannelRecord } from '../ports/channel-store.js';
import { DEFAULT_CHANNEL_PRIORITY } from '../domain/channel-ranking.js';

/**
 * A channel as operators see it: its record (what routing reads; `version` 0 and `updatedAt` null while it is still
 * the registry's row) and its shared health now (null where the deployment has none yet).
 */
export function opsChannelResource(view: ChannelView): Record<string, unknown> {
  return { ...channelRecordResource(view.record), health: view.health };
}

/** The record alone, as the audit trail keeps it before and after a change. */
export function channelRecordResource(record: ChannelRecord): Record<string, unknown> {
  return {
    object: 'channel',
    ...record,
    priority: record.priority ?? DEFAULT_CHANNEL_PRIORITY,
    dailyLimit: record.dailyLimit ?? null,
  };
}
