import { NOTIFY_UNSIGNED, rsa2Sign, signContent } from '../../../../shared/channels/alipay/signature.js';
import { chinaTime } from '../../../../shared/channels/alipay/transformers.js';
import type { SandboxStore } from '../sandbox-store.js';

/**
 * Alipay's asynchronous notification sender. A notification is POSTed form-encoded to the notify_url the trade was
 * created with, signed RSA2 over its sorted parameters (without sign and sign_type), with a fresh notify_time at each
 * sending and the same notify_id every time. Only the literal body `success` stops it; otherwise it is sent again on
 * Alipay's cadence, 8 sendings over about 25 hours. The pending ones live in the sandbox store, so a restarted emulator
 * resumes them where they were (start()).
 */
export const ALIPAY_NOTIFY_RETRY_DELAYS_MS = [4, 10, 10, 60, 120, 360, 900].map((minutes) => minutes * 60_000);

export interface CallbackDelivery {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}
export type SendCallback = (delivery: CallbackDelivery) => Promise<{ readonly statusCode: number; readonly body: string }>;

interface NotifyRecord {
  readonly notifyId: string;
  readonly url: string;
  /** Everything but notify_time and the signature, which each sending sets afresh. */
  readonly params: Readonly<Record<string, string>>;
  readonly sendings: number;
  readonly state: 'pending' | 'delivered' | 'abandoned';
  readonly nextAt: string | null;
}

export interface AlipayNotifierOptions {
  readonly store: SandboxStore;
  readonly channel: string;
  readonly signingKeyPem: () => string;
  readonly timeScale: number;
  readonly now: () => Date;
  readonly send: SendCallback;
}

export class AlipayNotifier {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private running = false;

  constructor(private readonly options: AlipayNotifierOptions) {}

  /** Resumes every notification still waiting for its `success`. */
  async start(): Promise<void> {
    this.running = true;
    for (const { value } of await this.options.store.list<NotifyRecord>(this.options.channel, 'notify#')) {
      if (value.state !== 'pending') continue;
      const dueInMs = value.nextAt ? Date.parse(value.nextAt) - this.options.now().getTime() : 0;
      this.schedule(value.notifyId, Math.max(0, dueInMs));
    }
  }

  stop(): void {
    this.running = false;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Sends a notification now (again, if it was sent before: same notify_id) and keeps retrying it until `success`. */
  async notify(notifyId: string, url: string, params: Readonly<Record<string, string>>): Promise<void> {
    const key = `notify#${notifyId}`;
    const existing = await this.options.store.get<NotifyRecord>(this.options.channel, key);
    const record: NotifyRecord = existing
      ? { ...existing.value, state: 'pending', nextAt: null }
      : { notifyId, url, params, sendings: 0, state: 'pending', nextAt: null };
    if (!(await this.options.store.put(this.options.channel, key, record, existing?.version ?? 0))) {
      return this.notify(notifyId, url, params);
    }
    await this.deliver(notifyId);
  }

  /**
   * Records a notification and sends it from a timer, after whatever answer caused it has gone out (Alipay notifies a
   * refund after answering the refund call); retried like any other. Recording it again is a no-op.
   */
  async notifyAfterAnswer(notifyId: string, url: string, params: Readonly<Record<string, string>>): Promise<void> {
    const record: NotifyRecord = { notifyId, url, params, sendings: 0, state: 'pending', nextAt: this.options.now().toISOString() };
    if (await this.options.store.put(this.options.channel, `notify#${notifyId}`, record, 0)) this.schedule(notifyId, 0);
  }

  private schedule(notifyId: string, delayMs: number): void {
    if (!this.running) return;
    clearTimeout(this.timers.get(notifyId));
    const timer = setTimeout(() => {
      this.timers.delete(notifyId);
      // A failure here (the store unreachable) leaves the record pending; start() picks it up again.
      void this.deliver(notifyId).catch(() => undefined);
    }, delayMs);
    this.timers.set(notifyId, timer);
  }

  private async deliver(notifyId: string): Promise<void> {
    const key = `notify#${notifyId}`;
    const stored = await this.options.store.get<NotifyRecord>(this.options.channel, key);
    if (!stored || stored.value.state !== 'pending') return;
    clearTimeout(this.timers.get(notifyId));
    this.timers.delete(notifyId);
    const record = stored.value;
    const acknowledged = await this.send(record);
    const sendings = record.sendings + 1;
    const delayMs = ALIPAY_NOTIFY_RETRY_DELAYS_MS[sendings - 1];
    const retry = !acknowledged && delayMs !== undefined;
    const scaledDelayMs = retry ? Math.round(delayMs * this.options.timeScale) : 0;
    const next: NotifyRecord = {
      ...record,
      sendings,
      state: acknowledged ? 'delivered' : retry ? 'pending' : 'abandoned',
      nextAt: retry ? new Date(this.options.now().getTime() + scaledDelayMs).toISOString() : null,
    };
    // A concurrent resend (the sandbox complete endpoint) wrote first: its own delivery carries on from there.
    if (!(await this.options.store.put(this.options.channel, key, next, stored.version))) return;
    if (retry) this.schedule(notifyId, scaledDelayMs);
  }

  /** One sending; true only when the platform answered the literal `success`. */
  private async send(record: NotifyRecord): Promise<boolean> {
    const params: Record<string, string> = { ...record.params, notify_time: chinaTime(this.options.now()) };
    params.sign = rsa2Sign(signContent(params, NOTIFY_UNSIGNED), this.options.signingKeyPem());
    try {
      const answer = await this.options.send({
        url: record.url,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams(params).toString(),
      });
      return answer.body.trim() === 'success';
    } catch {
      return false;
    }
  }
}

/** The default sender: a real HTTP POST, as Alipay's servers make it. */
export const sendOverHttp: SendCallback = async (delivery) => {
  const response = await fetch(delivery.url, {
    method: 'POST',
    headers: delivery.headers,
    body: delivery.body,
    signal: AbortSignal.timeout(10_000),
  });
  return { statusCode: response.status, body: await response.text() };
};
