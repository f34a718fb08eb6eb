import { newId } from '../domain/ids.js';
import { expireHold, placeHold, postHold, voidHold, type Hold, type HoldSpec, type HoldStep } from './holds.js';
import { LedgerRuleError } from './posting.js';
import type { LedgerStore } from './port.js';

/**
 * The hold lifecycle against the store, for callers whose hold changes no order in the same transaction (a caller
 * that does, such as a capture, commits the same HoldStep through the state writer instead). Each ending happens
 * once: the loser of a race (post against void, a second post, a timer after a void) gets `hold_not_pending`.
 */

/** Places the hold; `insufficient_balance` when a guarded account would go below zero. Placing the same id again returns it. */
export async function openHold(ledger: LedgerStore, spec: HoldSpec, nowMs: number): Promise<Hold> {
  const step = placeHold(spec, { entryId: newId('le', nowMs), nowMs });
  const outcome = await ledger.post({ entry: step.entry, hold: step.write });
  if (outcome.committed) return step.hold;
  if (outcome.failed === 'balance') throw new LedgerRuleError('insufficient_balance', `Hold ${spec.id}: ${spec.debitAccount} is too low`);
  const existing = await ledger.getHold(spec.id);
  if (existing && existing.amount === spec.amount && existing.debitAccount === spec.debitAccount && existing.creditAccount === spec.creditAccount) {
    return existing;
  }
  throw new LedgerRuleError('hold_not_pending', `Hold ${spec.id} exists with other terms`);
}

export type HoldEnding = { readonly kind: 'post'; readonly amount?: number } | { readonly kind: 'void' } | { readonly kind: 'expire' };

/** Posts, voids or expires a pending hold, exactly once. */
export async function endHold(ledger: LedgerStore, holdId: string, ending: HoldEnding, nowMs: number): Promise<Hold> {
  const hold = await ledger.getHold(holdId);
  if (!hold) throw new LedgerRuleError('hold_not_pending', `No hold ${holdId}`);
  const ctx = { entryId: newId('le', nowMs), nowMs };
  const step: HoldStep =
    ending.kind === 'post' ? postHold(hold, ending.amount, ctx) : ending.kind === 'void' ? voidHold(hold, ctx) : expireHold(hold, ctx);
  const outcome = await ledger.post({ entry: step.entry, hold: step.write });
  if (outcome.committed) return step.hold;
  // Another ending won since the read (or the deadline passed on the way): say which rule refuses this one.
  const now = await ledger.getHold(holdId);
  if (now && now.status === 'PENDING' && now.version === hold.version) {
    throw new LedgerRuleError(ending.kind === 'expire' ? 'hold_not_expired' : 'hold_expired', `Hold ${holdId}: its deadline ${hold.expiresAt}`);
  }
  throw new LedgerRuleError('hold_not_pending', `Hold ${holdId} is already ${now?.status ?? 'gone'}`);
}
