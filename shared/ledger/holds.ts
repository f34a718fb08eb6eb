import type { Currency } from '../domain/money.js';
import { accounts } from './accounts.js';
import { assertPostable, LedgerRuleError, type LedgerEntry, type LedgerLine } from './posting.js';

/**
 * Holds: two-phase money, modelled on TigerBeetle's pending transfers. Placing a hold moves its amount from the
 * debited account to the hold's own account (so a guarded account's rule already counts it); the hold then ends
 * exactly once: POSTED (≤ its amount goes to the credited account, the rest back), VOIDED or EXPIRED (all of it back).
 * Posting is refused once `expiresAt` has come; expiring is refused before. Pure: each step returns the hold's new
 * state and its balanced entry, which the caller commits together (the store conditions the hold's write on the
 * state it was read in, so of two concurrent endings exactly one commits).
 */
export type HoldStatus = 'PENDING' | 'POSTED' | 'VOIDED' | 'EXPIRED';

/** What the caller asks to hold: from where, to where, how much, until when. */
export interface HoldSpec {
  readonly id: string;
  readonly merchantId: string;
  readonly orderId: string;
  readonly channel: string;
  readonly currency: Currency;
  readonly amount: number;
  /** Where the money comes from (e.g. a customer's balance); the hold's placement debits it. */
  readonly debitAccount: string;
  /** Where a post sends the posted amount. */
  readonly creditAccount: string;
  readonly expiresAt: string;
}

export interface Hold extends HoldSpec {
  readonly status: HoldStatus;
  readonly postedAmount: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
  /** The entries of its placement and of its ending. */
  readonly entryIds: readonly string[];
}

/**
 * The hold's write in a commit: created (`expect` null), or moved from PENDING at `version`, with the deadline the
 * store checks at write time (`before`: expiresAt is still ahead of `at`; `after`: it has come).
 */
export interface HoldWrite {
  readonly after: Hold;
  readonly expect: { readonly status: 'PENDING'; readonly version: number; readonly deadline: { readonly side: 'before' | 'after'; readonly at: string } | null } | null;
}

export interface HoldStep {
  readonly hold: Hold;
  readonly entry: LedgerEntry;
  readonly write: HoldWrite;
}

interface StepContext {
  readonly entryId: string;
  readonly nowMs: number;
}

export function placeHold(spec: HoldSpec, ctx: StepContext): HoldStep {
  if (!Number.isSafeInteger(spec.amount) || spec.amount <= 0) throw new LedgerRuleError('unbalanced', `Hold ${spec.id}: amount must be a positive integer`);
  const now = new Date(ctx.nowMs).toISOString();
  const hold: Hold = { ...spec, status: 'PENDING', postedAmount: 0, createdAt: now, updatedAt: now, version: 1, entryIds: [ctx.entryId] };
  const lines: LedgerLine[] = [
    { account: spec.debitAccount, direction: 'debit', amount: spec.amount },
    { account: accounts.hold(spec.id), direction: 'credit', amount: spec.amount },
  ];
  return { hold, entry: holdEntry(hold, 'hold', lines, ctx.entryId, now), write: { after: hold, expect: null } };
}

/** Posts `amount` (default: all of it) once, before the hold expires; the rest goes back to the debited account. */
export function postHold(hold: Hold, amount: number | undefined, ctx: StepContext): HoldStep {
  assertPending(hold);
  const posted = amount ?? hold.amount;
  if (!Number.isSafeInteger(posted) || posted <= 0 || posted > hold.amount) {
    throw new LedgerRuleError('exceeds_hold', `Hold ${hold.id}: ${posted} cannot be posted from ${hold.amount}`);
  }
  if (ctx.nowMs >= Date.parse(hold.expiresAt)) throw new LedgerRuleError('hold_expired', `Hold ${hold.id} expired at ${hold.expiresAt}`);
  const lines: LedgerLine[] = [
    { account: accounts.hold(hold.id), direction: 'debit', amount: hold.amount },
    { account: hold.creditAccount, direction: 'credit', amount: posted },
  ];
  if (posted < hold.amount) lines.push({ account: hold.debitAccount, direction: 'credit', amount: hold.amount - posted });
  return end(hold, 'POSTED', posted, lines, ctx, 'before');
}

/** Gives the whole amount back, once, whenever the hold is still pending. */
export function voidHold(hold: Hold, ctx: StepContext): HoldStep {
  assertPending(hold);
  return end(hold, 'VOIDED', 0, releaseLines(hold), ctx, null);
}

/** What the hold's timer does once `expiresAt` has come: the whole amount back, once. */
export function expireHold(hold: Hold, ctx: StepContext): HoldStep {
  assertPending(hold);
  if (ctx.nowMs < Date.parse(hold.expiresAt)) throw new LedgerRuleError('hold_not_expired', `Hold ${hold.id} expires at ${hold.expiresAt}`);
  return end(hold, 'EXPIRED', 0, releaseLines(hold), ctx, 'after');
}

function releaseLines(hold: Hold): LedgerLine[] {
  return [
    { account: accounts.hold(hold.id), direction: 'debit', amount: hold.amount },
    { account: hold.debitAccount, direction: 'credit', amount: hold.amount },
  ];
}

function assertPending(hold: Hold): void {
  if (hold.status !== 'PENDING') throw new LedgerRuleError('hold_not_pending', `Hold ${hold.id} is already ${hold.status}`);
}

function end(hold: Hold, status: HoldStatus, postedAmount: number, lines: LedgerLine[], ctx: StepContext, side: 'before' | 'after' | null): HoldStep {
  const now = new Date(ctx.nowMs).toISOString();
  const after: Hold = { ...hold, status, postedAmount, updatedAt: now, version: hold.version + 1, entryIds: [...hold.entryIds, ctx.entryId] };
  return {
    hold: after,
    entry: holdEntry(after, status === 'POSTED' ? 'hold_post' : 'hold_release', lines, ctx.entryId, now),
    write: { after, expect: { status: 'PENDING', version: hold.version, deadline: side ? { side, at: now } : null } },
  };
}

function holdEntry(hold: Hold, kind: LedgerEntry['kind'], lines: LedgerLine[], id: string, now: string): LedgerEntry {
  const entry: LedgerEntry = {
    id,
    kind,
    merchantId: hold.merchantId,
    orderId: hold.orderId,
    refundId: null,
    channel: hold.channel,
    currency: hold.currency,
    lines,
    createdAt: now,
    holdId: hold.id,
  };
  assertPostable(entry);
  return entry;
}

/** What a hold's own account must hold: its amount while pending, nothing once it ended. */
export function expectedHoldBalance(hold: Pick<Hold, 'status' | 'amount'>): number {
  return hold.status === 'PENDING' ? hold.amount : 0;
}
