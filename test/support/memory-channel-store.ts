import type { ChannelConfig } from '../../shared/domain/routing.js';
import type { ChannelRecord, ChannelStore, ChannelUsageReader } from '../../shared/ports/channel-store.js';

/** Channel records and usage in memory, for unit tests of what reads them (the DynamoDB adapter has its own tests). */
export class MemoryChannelStore implements ChannelStore, ChannelUsageReader {
  readonly records = new Map<string, ChannelRecord>();
  readonly usage = new Map<string, number>();
  lists = 0;

  async list(defaults: readonly ChannelConfig[]): Promise<ChannelRecord[]> {
    this.lists += 1;
    return defaults.map((row) => this.records.get(row.id) ?? { ...row, updatedAt: null, version: 0 });
  }

  async put(record: ChannelRecord, expectVersion: number): Promise<boolean> {
    if ((this.records.get(record.id)?.version ?? 0) !== expectVersion) return false;
    this.records.set(record.id, { ...record, version: expectVersion + 1 });
    return true;
  }

  async usedToday(channelIds: readonly string[]): Promise<Map<string, number>> {
    return new Map(channelIds.map((id) => [id, this.usage.get(id) ?? 0]));
  }
}
