import { dailyLimitOf } from '../domain/channel-ranking.js';
import type { ChannelConfig, RouteRequest } from '../domain/routing.js';
import type { ChannelRecord, ChannelStore, ChannelUsageReader } from '../ports/channel-store.js';

/**
 * The channel records routing reads, cached for `ttlMs` per container (PAY_CHANNEL_CACHE_SECONDS, default 5 s), so
 * a payment costs no read for them while an operator's change is routed on within that time everywhere
 * (docs/decisions.md, 209). Only the channels this deployment built are listed: a record cannot make routable a
 * channel without credentials and a base URL.
 */
export class ChannelDirectory {
  private cached: { readonly records: Promise<ChannelRecord[]>; readonly until: number } | undefined;
  private readonly usage = new Map<string, { readonly used: Promise<Map<string, number>>; readonly until: number }>();

  constructor(
    private readonly store: ChannelStore & ChannelUsageReader,
    /** The registry's rows of the channels this deployment built. */
    readonly defaults: readonly ChannelConfig[],
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The records, from the cache while it is fresh; a failed read is not cached. */
  current(): Promise<ChannelRecord[]> {
    const nowMs = this.now();
    if (this.cached && this.cached.until > nowMs) return this.cached.records;
    const records = this.store.list(this.defaults);
    this.cached = { records, until: nowMs + this.ttlMs };
    records.catch(() => (this.cached = undefined));
    return records;
  }

  /** Uncached: the operations API shows and changes what is stored now. */
  read(): Promise<ChannelRecord[]> {
    return this.store.list(this.defaults);
  }

  put(record: ChannelRecord, expectVersion: number): Promise<boolean> {
    this.cached = undefined;
    this.usage.clear();
    return this.store.put(record, expectVersion);
  }

  /**
   * Today's usage of the channels that have a quota in the request's currency and would take it otherwise: one
   * BatchGet per currency per cache period (the same PAY_CHANNEL_CACHE_SECONDS), and none at all when no such channel
   * has a quota (the usual case). A quota is therefore soft by what the platform routes there within one period
   * (docs/decisions.md, 210).
   */
  usedToday(records: readonly ChannelConfig[], request: RouteRequest, nowMs: number): Promise<Map<string, number>> {
    const limited = records.filter((c) => c.enabled && dailyLimitOf(c, request.currency) !== undefined && c.methods.includes(request.method));
    if (limited.length === 0) return Promise.resolve(new Map());
    const ids = limited.map((c) => c.id).sort();
    // A new UTC day, or another set of channels with a quota, is another read.
    const key = `${new Date(nowMs).toISOString().slice(0, 10)}|${request.currency}|${ids.join(',')}`;
    const cached = this.usage.get(key);
    if (cached && cached.until > this.now()) return cached.used;
    const used = this.store.usedToday(ids, request.currency, nowMs);
    for (const [stale, entry] of this.usage) if (entry.until <= this.now()) this.usage.delete(stale);
    this.usage.set(key, { used, until: this.now() + this.ttlMs });
    used.catch(() => this.usage.delete(key));
    return used;
  }

  /**
   * This container routed `amount` to `channelId`: added to its cached usage of the day and currency until the next
   * read replaces it with the stored (committed) figure, so payments this container routes within one cache period
   * cannot pass the quota between them (they count when routed, a decline included, until that read); only what other
   * containers route in the period can (docs/decisions.md, 210).
   */
  async routed(channelId: string, request: Pick<RouteRequest, 'currency' | 'amount'>, nowMs: number): Promise<void> {
    const prefix = `${new Date(nowMs).toISOString().slice(0, 10)}|${request.currency}|`;
    for (const [key, entry] of this.usage) {
      if (!key.startsWith(prefix) || !key.slice(prefix.length).split(',').includes(channelId)) continue;
      const used = await entry.used;
      used.set(channelId, (used.get(channelId) ?? 0) + request.amount);
    }
  }
}
