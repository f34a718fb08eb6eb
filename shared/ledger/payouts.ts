import type { Currency } from '../domain/money.js';
import { accounts } from './accounts.js';
import { placeHold, postHold, voidHold, type Hold, type HoldSpec, type HoldStep } from './holds.js';
import { assertPostable, type LedgerEntry } from './posting.js';
import type { AvailableSnapshot, LedgerWrite, LedgerWriteFailure } from './port.js';

/**
 * A payout's money (docs/decisions.md, entries 156 and 159). Creating a payout places a hold of amount + fee on the
 * merchant's `available` (to the payout channel's clearing account) in the payout's own commit, on the condition that
 * `available` is still what was read and covers it; success posts the hold and moves the fee from clearing to the
 * platform's revenue; failure voids it; a return after success gives amount and fee back in a new entry.
 */

/** How long a payout's hold may stay pending before the ledger check reports it: a bank answers within days. */
export const PAYOUT_HOLD_DAYS = 30;

export interface PayoutMoney {
  readonly payoutId: string;
  readonly merchantId: string;
  readonly channel: string;
  readonly currency: Currency;
  readonly amount: number;
  readonly fee: number;
}

export const payoutHoldId = (payoutId: string): string => `hold_${payoutId}`;

export function payoutHoldSpec(p: PayoutMoney, nowMs: number): HoldSpec {
  return {
    id: payoutHoldId(p.payoutId),
    merchantId: p.merchantId,
    orderId: p.payoutId,
    channel: p.channel,
    currency: p.currency,
    amount: p.amount + p.fee,
    debitAccount: accounts.merchantAvailable(p.merchantId),
    creditAccount: accounts.channelClearing(p.channel),
    expiresAt: new Date(nowMs + PAYOUT_HOLD_DAYS * 86_400_000).toISOString(),
  };
}

/** The sum of a snapshot: the merchant's `available` with every pending payout's hold already taken out of it. */
export const availableOf = (snapshot: AvailableSnapshot): number => snapshot.shards.reduce((sum, amount) => sum + amount, 0);

/** Whether a reservation of amount + fee fits what was read: the payout's guard, stated as a pure rule. */
export const reservationFits = (snapshot: AvailableSnapshot, p: Pick<PayoutMoney, 'amount' | 'fee'>): boolean => availableOf(snapshot) - (p.amount + p.fee) >= 0;

/** The reservation's ledger write: the hold placed, conditioned on `available` being what was read. */
export function reservationWrite(p: PayoutMoney, snapshot: AvailableSnapshot, ctx: { entryId: string; nowMs: number }): { hold: Hold; write: LedgerWrite } {
  const step = placeHold(payoutHoldSpec(p, ctx.nowMs), ctx);
  return { hold: step.hold, write: { entry: step.entry, hold: step.write, availableAsRead: snapshot } };
}

export type ReservationOutcome = { readonly reserved: true; readonly hold: Hold } | { readonly reserved: false; readonly reason: 'insufficient' | Exclude<LedgerWriteFailure, 'balance'> };

/** How many fresh reads a reservation tries before it gives up (each loss means `available` moved meanwhile). */
const RESERVATION_ROUNDS = 25;

/**
 * Reads `available`, refuses when amount + fee does not fit, else commits the reservation (with whatever the caller
 * writes beside it) on the condition that nothing moved `available` since the read; a lost race reads again. Under
 * any mix of concurrent payouts and refunds no reservation commits on a stale balance.
 */
export async function reserveAvailable(
  p: PayoutMoney,
  io: {
    readonly read: () => Promise<AvailableSnapshot>;
    readonly commit: (write: LedgerWrite) => Promise<{ committed: true } | { committed: false; failed: LedgerWriteFailure | 'other' }>;
    readonly entryId: () => string;
    readonly nowMs: () => number;
  },
): Promise<ReservationOutcome> {
  for (let round = 1; ; round += 1) {
    const snapshot = await io.read();
    if (!reservationFits(snapshot, p)) return { reserved: false, reason: 'insufficient' };
    const { hold, write } = reservationWrite(p, snapshot, { entryId: io.entryId(), nowMs: io.nowMs() });
    const outcome = await io.commit(write);
    if (outcome.committed) return { reserved: true, hold };
    if (outcome.failed !== 'balance') return { reserved: false, reason: outcome.failed === 'other' ? 'hold' : outcome.failed };
    if (round >= RESERVATION_ROUNDS) throw new Error(`Payout ${p.payoutId}: available kept moving for ${RESERVATION_ROUNDS} reads`);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * Math.min(round, 8)));
  }
}

/** Success: the hold posted to the channel's clearing (it paid the amount out for us), the fee on to our revenue. */
export function payoutSuccessWrite(hold: Hold, fee: number, ctx: { entryId: string; feeEntryId: string; nowMs: number }): { step: HoldStep; write: LedgerWrite } {
  const step = postHold(hold, undefined, ctx);
  if (fee === 0) return { step, write: { entry: step.entry, hold: step.write } };
  const feeEntry: LedgerEntry = {
    ...step.entry,
    id: ctx.feeEntryId,
    kind: 'payout_fee',
    lines: [
      { account: accounts.channelClearing(hold.channel), direction: 'debit', amount: fee },
      { account: accounts.feeRevenue(), direction: 'credit', amount: fee },
    ],
  };
  assertPostable(feeEntry);
  return { step, write: { entry: feeEntry, holdEntry: step.entry, hold: step.write } };
}

/** Failure: the whole reservation back to `available`. */
export function payoutFailureWrite(hold: Hold, ctx: { entryId: string; nowMs: number }): { step: HoldStep; write: LedgerWrite } {
  const step = voidHold(hold, ctx);
  return { step, write: { entry: step.entry, hold: step.write } };
}

/**
 * A return after success: a new entry (the posted ones stay as they were) taking the amount back from the channel's
 * clearing and the fee from revenue, both to the merchant's `available` (entry 159).
 */
export function payoutReturnEntry(p: PayoutMoney, ctx: { entryId: string; now: string }): LedgerEntry {
  const lines = [
    { account: accounts.channelClearing(p.channel), direction: 'debit' as const, amount: p.amount },
    { account: accounts.merchantAvailable(p.merchantId), direction: 'credit' as const, amount: p.amount + p.fee },
  ];
  if (p.fee > 0) lines.push({ account: accounts.feeRevenue(), direction: 'debit', amount: p.fee });
  const entry: LedgerEntry = {
    id: ctx.entryId,
    kind: 'payout_return',
    merchantId: p.merchantId,
    orderId: p.payoutId,
    refundId: null,
    channel: p.channel,
    currency: p.currency,
    lines,
    createdAt: ctx.now,
    holdId: payoutHoldId(p.payoutId),
  };
  assertPostable(entry);
  return entry;
}
