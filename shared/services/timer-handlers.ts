import type { Timer } from '../ports/timers.js';

/**
 * What a due timer does, by kind. Handlers are idempotent: a timer is delivered at least once (a redelivery after a
 * crash, an old schedule that fired just before its replacement), so each one reads its object's state and acts
 * only if the deadline still applies. A handler that throws has the timer delivered again (the queue's visibility
 * timeout, then its dead-letter queue); one that has nothing to do returns.
 */
export type TimerHandler = (timer: Timer) => Promise<void>;

export class TimerHandlers {
  private readonly handlers = new Map<string, TimerHandler>();

  /** Registers the handler of a kind; a kind has one handler, so registering it twice is a wiring bug. */
  register(kind: string, handler: TimerHandler): this {
    if (this.handlers.has(kind)) throw new Error(`a handler for timer kind ${kind} is already registered`);
    this.handlers.set(kind, handler);
    return this;
  }

  handlerOf(kind: string): TimerHandler | undefined {
    return this.handlers.get(kind);
  }
}

/**
 * The platform's timer handlers. None of the kinds has one yet: the janitor's decisions (what a due query or expiry
 * does to a payment, a refund, an order) are registered here once the payment model they act on is in place. Until
 * then a timer of any kind is dropped with the TimersDropped metric.
 */
export function createTimerHandlers(): TimerHandlers {
  return new TimerHandlers();
}
