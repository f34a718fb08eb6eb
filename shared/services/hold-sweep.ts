import { janitorQueryDueAtMs } from '../domain/janitor-schedule.js';
import { newId } from '../domain/ids.js';
import { voidHold } from '../ledger/holds.js';
import { logger } from '../logger.js';
import type { Timer } from '../ports/timers.js';
import type { Deps } from './deps.js';

/**
 * The orphaned hold sweep (docs/decisions.md, entry 142). A top-up's refund places its hold on the customer's
 * balance before the reservation that makes the refund exist (entry 122); a crash between the two leaves a PENDING
 * hold no refund owns, the customer's money kept aside for nothing. A timer set before the hold is placed voids it
 * unless a refund owns it by then: one timer per hold ("timers, not scans"), nothing scans the holds.
 */
export const holdSweepKey = (holdId: string): string => `hold.sweep:${holdId}`;

/**
 * Set before the hold is placed (so no crash after the placement can leave it without one), due once the request
 * that places it can no longer be running: the janitor's first wait, which is already that bound for a request
 * still talking to a channel (PAY_JANITOR_AFTER_SECONDS, a minute in AWS against a 10-second function timeout).
 */
export function scheduleHoldSweep(deps: Pick<Deps, 'timers' | 'janitorAfterSeconds'>, holdId: string, fromMs: number): Promise<void> {
  return deps.timers.schedule({
    key: holdSweepKey(holdId),
    kind: 'hold.sweep',
    dueAtMs: janitorQueryDueAtMs(fromMs, 0, deps.janitorAfterSeconds),
    payload: { holdId },
  });
}

/**
 * `hold.sweep` {holdId}: voids the hold if it is still PENDING and no refund owns it. A refund that exists owns its
 * hold (its completion posts it, its failure voids it, its own janitor query ends it after a crash), so the sweep
 * leaves it alone; the void is written on the condition that the refund still does not exist, so a reservation that
 * commits between the read and the void wins and the void writes nothing.
 */
export async function handleHoldSweep(deps: Pick<Deps, 'ledger' | 'orders' | 'now'>, timer: Timer): Promise<void> {
  const holdId = timer.payload.holdId;
  if (typeof holdId !== 'string') return logger.error('hold.sweep timer without its hold id', { key: timer.key });
  const hold = await deps.ledger.getHold(holdId);
  if (!hold || hold.status !== 'PENDING') return;
  if (await deps.orders.getRefund(holdId)) return;
  const nowMs = deps.now();
  const step = voidHold(hold, { entryId: newId('le', nowMs), nowMs });
  const outcome = await deps.ledger.post({ entry: step.entry, hold: step.write, unlessRefund: holdId });
  if (outcome.committed) {
    logger.warn('orphaned hold voided: no refund owns it', { holdId, orderId: hold.orderId, amount: hold.amount, currency: hold.currency });
  }
  // Not committed: the refund was reserved meanwhile (it owns the hold), or another ending won. Either way, done.
}
