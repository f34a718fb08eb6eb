import type { SandboxStore } from '../sandbox-store.js';

/**
 * The bank's server-to-server notify with its retry schedule. A notify is kept in the sandbox store until the
 * merchant acknowledges it (HTTP 200 with `{"code":"SUCCESS"}`); unacknowledged, it is sent again after 1, 2, 4, 8
 * and 16 minutes (the doubling back-notify cadence UnionPay online's integration guides describe; docs/decisions.md,
 * entry 69), then given up: from there the merchant's query is the way to the truth. Delays are multiplied by `timeScale` (tests run
 * the whole schedule in about two seconds). Every attempt is signed afresh (new timestamp and nonce) over the same
 * body, so its `notifyId` stays the same across retries and a receiver can drop duplicates.
 */
export const NETBANK_NOTIFY_RETRY_SECONDS = [60, 120, 240, 480, 960] as const;

export type SendCallback = (
  url: string,
  request: { readonly headers: Record<string, string>; readonly body: string },
) => Promise<{ readonly status: number; readonly body: string }>;

export interface NotifyRecord {
  readonly notifyId: string;
  readonly url: string;
  readonly body: string;
  /** Attempts made since the last (re)send. */
  readonly attempts: number;
  /** When the next attempt is due; null once acknowledged or given up. */
  readonly nextAt: string | null;
  readonly acked: boolean;
}

export interface NotifierOptions {
  readonly store: SandboxStore;
  readonly channel: string;
  readonly sign: (body: string) => Record<string, string>;
  readonly isAck: (answer: { readonly status: number; readonly body: string }) => boolean;
  readonly timeScale: number;
  readonly now: () => Date;
  readonly sendCallback: SendCallback;
}

export class Notifier {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: NotifierOptions) {}

  /** Sends (or sends again) a notify now, and keeps retrying it until acknowledged. */
  async send(notifyId: string, url: string, body: string): Promise<void> {
    const record: NotifyRecord = { notifyId, url, body, attempts: 0, nextAt: this.options.now().toISOString(), acked: false };
    // Versioned, so an attempt in flight for the earlier send cannot overwrite this one (it loses its write).
    for (let tries = 0; tries < 5; tries += 1) {
      const existing = await this.options.store.get<NotifyRecord>(this.options.channel, key(notifyId));
      if (await this.options.store.put(this.options.channel, key(notifyId), record, existing?.version ?? 0)) break;
    }
    this.schedule(notifyId, 0);
  }

  /** Picks up the notifies a previous process left unacknowledged, at the time each was due. */
  async start(): Promise<void> {
    this.stopped = false;
    const pending = await this.options.store.list<NotifyRecord>(this.options.channel, 'notify#');
    for (const { value } of pending) {
      if (value.acked || value.nextAt === null) continue;
      this.schedule(value.notifyId, Math.max(0, Date.parse(value.nextAt) - this.options.now().getTime()));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(notifyId: string, delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timers.get(notifyId));
    // A delay already past (the store write took longer than a scaled retry interval) means now.
    const timer = setTimeout(() => {
      this.timers.delete(notifyId);
      const run = this.attempt(notifyId).catch(() => undefined);
      this.inFlight.add(run);
      void run.finally(() => this.inFlight.delete(run));
    }, Math.max(0, delayMs));
    timer.unref();
    this.timers.set(notifyId, timer);
  }

  private async attempt(notifyId: string): Promise<void> {
    const stored = await this.options.store.get<NotifyRecord>(this.options.channel, key(notifyId));
    if (!stored || stored.value.acked || stored.value.nextAt === null) return;
    const record = stored.value;
    const acked = await this.deliver(record);
    const attempts = record.attempts + 1;
    const delaySeconds = NETBANK_NOTIFY_RETRY_SECONDS[attempts - 1];
    const nextAt =
      acked || delaySeconds === undefined
        ? null
        : new Date(this.options.now().getTime() + delaySeconds * 1000 * this.options.timeScale).toISOString();
    // Conditional on the version read: a re-send that happened meanwhile owns the record and its schedule.
    const saved = await this.options.store.put(this.options.channel, key(notifyId), { ...record, attempts, acked, nextAt }, stored.version);
    if (saved && nextAt) this.schedule(notifyId, Date.parse(nextAt) - this.options.now().getTime());
  }

  private async deliver(record: NotifyRecord): Promise<boolean> {
    try {
      const answer = await this.options.sendCallback(record.url, {
        headers: { 'content-type': 'application/json', ...this.options.sign(record.body) },
        body: record.body,
      });
      return this.options.isAck(answer);
    } catch {
      return false;
    }
  }
}

function key(notifyId: string): string {
  return `notify#${notifyId}`;
}

/** Posts a notify with Node's fetch; an answer later than 5 s counts as none, as at the real gateways. */
export const fetchSendCallback: SendCallback = async (url, request) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(5_000),
  });
  return { status: response.status, body: await response.text() };
};
