import type { Timer, Timers } from '../../shared/ports/timers.js';

/**
 * The Timers port in memory, for service tests that call the janitor's handlers themselves: it keeps the pending
 * timer of each key (a schedule replaces it, as both real adapters do) so a test can read what was set and fire it.
 */
export class MemoryTimers implements Timers {
  readonly pending = new Map<string, Timer>();

  async schedule(timer: Timer): Promise<void> {
    this.pending.set(timer.key, timer);
  }

  async cancel(key: string): Promise<void> {
    this.pending.delete(key);
  }

  /** The pending timer of `key`, removed as the queue removes a delivered message; throws if there is none. */
  take(key: string): Timer {
    const timer = this.pending.get(key);
    if (!timer) throw new Error(`no pending timer ${key}`);
    this.pending.delete(key);
    return timer;
  }
}
