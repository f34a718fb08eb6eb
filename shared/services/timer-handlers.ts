import type { Timer } from '../ports/timers.js';
import { handleAgreementQuery } from './agreement-sign-deadline.js';
import { handleAgreementRevocation } from './agreement-termination.js';
import type { Deps } from './deps.js';
import { handleHoldSweep } from './hold-sweep.js';
import { handlePayoutQuery } from './payouts.js';
import { handleAuthorizationExpiry, handleOrderExpiry, handlePaymentQuery, handleRefundQuery, handleSweep } from './janitor.js';

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
 * The platform's timer handlers: the janitor's (shared/services/janitor.ts), authorization expiry among them. `deps` is read when a timer fires, so
 * the registry can be built before the composition root has run (the local runtime starts its poller first).
 */
export function createTimerHandlers(deps: () => Deps): TimerHandlers {
  return new TimerHandlers()
    .register('payment.query', (timer) => handlePaymentQuery(deps(), timer))
    .register('order.expire', (timer) => handleOrderExpiry(deps(), timer))
    .register('refund.query', (timer) => handleRefundQuery(deps(), timer))
    .register('janitor.sweep', (timer) => handleSweep(deps(), timer))
    .register('authorization.expire', (timer) => handleAuthorizationExpiry(deps(), timer))
    .register('agreement.revoke', (timer) => handleAgreementRevocation(deps(), timer))
    .register('hold.sweep', (timer) => handleHoldSweep(deps(), timer))
    .register('payout.query', (timer) => handlePayoutQuery(deps(), timer))
    .register('agreement.query', (timer) => handleAgreementQuery(deps(), timer));
}
