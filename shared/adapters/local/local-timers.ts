import { assertValidTimerKey, timerBody, type Timer, type Timers } from '../../ports/timers.js';
import type { DurableQueue } from './durable-queue.js';

/** The queue message id of a timer key: one message per key, so a reschedule overwrites it and a cancel finds it. */
export function timerMessageId(key: string): string {
  assertValidTimerKey(key);
  return `timer:${key}`;
}

/**
 * Timers in local mode: one delayed message per key in the durable `timers` queue (DynamoDB Local, so timers survive
 * a restart), made visible at the due time and received by the local timer poller, which invokes the same handler as
 * the timer Lambda. `onScheduled` lets the runtime wake that poller, which may be asleep until a later due time.
 */
export class LocalTimers implements Timers {
  constructor(
    private readonly queue: DurableQueue,
    /** Told when the scheduled timer's message becomes visible, in ms from now. */
    private readonly onScheduled: (visibleInMs: number) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async schedule(timer: Timer): Promise<void> {
    const visibleInMs = await this.queue.put(timerMessageId(timer.key), timerBody(timer), Math.max(0, timer.dueAtMs - this.now()));
    this.onScheduled(visibleInMs);
  }

  async cancel(key: string): Promise<void> {
    await this.queue.remove(timerMessageId(key));
  }
}
