import type { ChannelCallOutcome, ChannelHealth, ChannelHealthView } from '../../shared/ports/channel-health.js';

/**
 * Channel health for unit tests that compose routing without a table: every channel closed and unjudged, and
 * nothing recorded. The real store is tested against DynamoDB Local.
 */
export class MemoryChannelHealth implements ChannelHealth {
  async views(channelIds: readonly string[]): Promise<ReadonlyMap<string, ChannelHealthView>> {
    return new Map(
      channelIds.map((channelId) => [channelId, { channelId, circuit: 'closed', available: true, calls: 0, successRate: null, timeoutRate: 0, errorRate: 0 }]),
    );
  }

  async record(_channelId: string, _outcome: ChannelCallOutcome): Promise<void> {}
}
