/**
 * Per-object timers (ARCHITECTURE.md, "Timers, not scans"): every deadline of one object (a payment's janitor query,
 * a refund's query, an order's expiry, later an authorization's expiry and a settlement run) is one timer, keyed by
 * that object, so nothing scans a table or funnels through a hot partition key. In AWS a timer is an EventBridge
 * Scheduler one-time schedule sending to the timer queue; locally it is a delayed message in the durable `timers`
 * queue. Both deliver the same `Timer` body to the same handler (functions/timers.ts).
 *
 * Delivery is at least once and a timer is a reminder, not a command: its handler looks at the object's state now
 * and does nothing when the deadline no longer applies (the payment resolved meanwhile, the order was paid).
 */

/** What a timer is for. The handler of each kind is registered in shared/services/timer-handlers.ts. */
export const TIMER_KINDS = ['payment.query', 'refund.query', 'order.expire', 'janitor.sweep', 'authorization.expire', 'agreement.revoke', 'hold.sweep', 'payout.query', 'agreement.query'] as const;
export type TimerKind = (typeof TIMER_KINDS)[number];

/** Small JSON values only: a timer carries ids and counters, never the object itself (it is read when due). */
export type TimerPayload = Readonly<Record<string, string | number | boolean | null>>;

export interface Timer {
  /** One timer per key: `<kind>:<object id>` by convention, e.g. `payment.query:pay_…`. */
  readonly key: string;
  readonly kind: TimerKind;
  /** When it is due (epoch ms). It fires at or after this, never before; in AWS within the minute that follows. */
  readonly dueAtMs: number;
  readonly payload: TimerPayload;
}

export interface Timers {
  /**
   * Sets the timer of `key`. Scheduling a key that is already pending REPLACES it (last schedule wins: its due time
   * and payload), so a janitor's next backoff step or a moved deadline never leaves the earlier one to fire as well.
   */
  schedule(timer: Timer): Promise<void>;
  /** Removes the pending timer of `key`; a key with none (fired, cancelled, never set) is a no-op. */
  cancel(key: string): Promise<void>;
}

/** Keys are short ASCII ids (they become queue message ids and, hashed, schedule names). */
export const TIMER_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;
/** A payload larger than this is a bug: a timer names its object, it does not carry it. */
export const MAX_TIMER_PAYLOAD_BYTES = 2048;

/** The message body both adapters deliver; `functions/timers.ts` parses it back. */
export function timerBody(timer: Timer): string {
  assertValidTimer(timer);
  return JSON.stringify({ key: timer.key, kind: timer.kind, dueAtMs: timer.dueAtMs, payload: timer.payload });
}

/** Refuses a malformed timer at scheduling time, where the caller can still be fixed, rather than when it fires. */
export function assertValidTimer(timer: Timer): void {
  assertValidTimerKey(timer.key);
  if (!(TIMER_KINDS as readonly string[]).includes(timer.kind)) throw new Error(`unknown timer kind: ${timer.kind}`);
  if (!Number.isSafeInteger(timer.dueAtMs) || timer.dueAtMs < 0) throw new Error('timer dueAtMs must be a non-negative integer (epoch ms)');
  if (Buffer.byteLength(JSON.stringify(timer.payload)) > MAX_TIMER_PAYLOAD_BYTES) throw new Error('timer payload is too large');
}

export function assertValidTimerKey(key: string): void {
  if (!TIMER_KEY_PATTERN.test(key)) throw new Error('timer key must be 1-200 characters of [A-Za-z0-9._:-]');
}
