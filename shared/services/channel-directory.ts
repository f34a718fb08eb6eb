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
    return this.store.put(record, expectVersion);
  }

  /**
   * Today's usage of the channels that have a quota in the request's currency and would take it otherwise: one
   * BatchGet, and none at all when no such channel has a quota (the usual case).
   */
  async usedToday(records: readonly ChannelConfig[], request: RouteRequest, nowMs: number): Promise<Map<string, number>> {
    const limited = records.filter((c) => c.enabled && dailyLimitOf(c, request.currency) !== undefined && c.methods.includes(request.method));
    if (limited.length === 0) return new Map();
    return this.store.usedToday(limited.map((c) => c.id), request.currency, nowMs);
  }
}
