import { randomUUID } from 'node:crypto';
import type { SandboxStore } from '../sandbox-store.js';

/**
 * WeChat Pay's notification retries, durable in the sandbox store: a callback is sent at once, and while it is not
 * acknowledged (HTTP 200/204 within 5 s) it is sent again after 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h
 * (WeChat's published cadence, about 24 h in all), each delay multiplied by `timeScale`. A restarted emulator resumes
 * the pending ones from the store, as the real channel would not forget them when the merchant's server restarts.
 */
export const RETRY_DELAYS_SECONDS = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600] as const;

/** WeChat waits 5 s for an acknowledgement; scaled with the cadence, but never below a second (a loaded test box). */
const ACK_TIMEOUT_MS = 5_000;
const MIN_ACK_TIMEOUT_MS = 1_000;

export interface CallbackDelivery {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
}

/** Sends one delivery; resolves the HTTP status, or undefined when nothing answered in time. */
export type SendCallback = (delivery: CallbackDelivery) => Promise<number | undefined>;

export interface CallbackJob {
  readonly notificationId: string;
  readonly notifyUrl: string;
  readonly body: string;
  /** Deliveries made so far. */
  readonly attempts: number;
  /** When the next delivery is due (epoch ms). */
  readonly nextAt: number;
  readonly state: 'pending' | 'acknowledged' | 'abandoned';
  /** HTTP status of each delivery (0: no answer), for the sandbox's own inspection and the tests. */
  readonly answers: readonly number[];
}

export const sendWithFetch: SendCallback = async (delivery) => {
  try {
    const response = await fetch(delivery.url, {
      method: 'POST',
      headers: delivery.headers,
      body: delivery.body,
      signal: AbortSignal.timeout(delivery.timeoutMs),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
};

export interface CallbackQueueOptions {
  readonly store: SandboxStore;
  readonly channel: string;
  readonly timeScale: number;
  readonly now: () => Date;
  readonly send: SendCallback;
  /** Fresh signature headers for each delivery (a new timestamp and nonce every time, as WeChat does). */
  readonly sign: (body: string) => Record<string, string>;
}

export class CallbackQueue {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;

  constructor(private readonly options: CallbackQueueOptions) {}

  async start(): Promise<void> {
    this.running = true;
    for (const job of await this.options.store.list<CallbackJob>(this.options.channel, 'callback#')) {
      if (job.value.state === 'pending') this.schedule(job.key, job.value.nextAt);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.inFlight]);
  }

  /** Records a delivery chain for one notification; every call is a new chain with the same notification id. */
  async enqueue(notificationId: string, notifyUrl: string, body: string): Promise<void> {
    const key = `callback#${notificationId}#${randomUUID()}`;
    const nextAt = this.options.now().getTime();
    const job: CallbackJob = { notificationId, notifyUrl, body, attempts: 0, nextAt, state: 'pending', answers: [] };
    await this.options.store.put(this.options.channel, key, job, 0);
    this.schedule(key, nextAt);
  }

  /** The delivery chains of one notification, oldest first. */
  async jobsFor(notificationId: string): Promise<CallbackJob[]> {
    const jobs = await this.options.store.list<CallbackJob>(this.options.channel, `callback#${notificationId}#`);
    return jobs.map((j) => j.value);
  }

  private schedule(key: string, nextAt: number): void {
    if (!this.running) return;
    clearTimeout(this.timers.get(key));
    const delay = Math.max(0, nextAt - this.options.now().getTime());
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        const run = this.deliver(key).finally(() => this.inFlight.delete(run));
        this.inFlight.add(run);
      }, delay),
    );
  }

  private async deliver(key: string): Promise<void> {
    const { store, channel, timeScale, now, send, sign } = this.options;
    const stored = await store.get<CallbackJob>(channel, key);
    if (!stored || stored.value.state !== 'pending' || !this.running) return;
    const job = stored.value;
    const status = await send({
      url: job.notifyUrl,
      headers: { 'content-type': 'application/json', ...sign(job.body) },
      body: job.body,
      timeoutMs: Math.max(MIN_ACK_TIMEOUT_MS, ACK_TIMEOUT_MS * timeScale),
    });
    const acknowledged = status === 200 || status === 204;
    const attempts = job.attempts + 1;
    const delaySeconds = RETRY_DELAYS_SECONDS[attempts - 1];
    const next: CallbackJob = {
      ...job,
      attempts,
      answers: [...job.answers, status ?? 0],
      state: acknowledged ? 'acknowledged' : delaySeconds === undefined ? 'abandoned' : 'pending',
      nextAt: now().getTime() + (delaySeconds ?? 0) * 1000 * timeScale,
    };
    // Another emulator instance (a restart racing the old one) may have delivered it: one of us records the result.
    if (!(await store.put(channel, key, next, stored.version))) return;
    if (next.state === 'pending') this.schedule(key, next.nextAt);
  }
}
