import type { Currency } from '../domain/money.js';
import { accountPolicy, type AccountPolicy } from './accounts.js';

/**
 * Double-entry postings. An entry is balanced (Σ debits = Σ credits, in one currency) and immutable: it is written
 * once, never updated or deleted; a correction or a reversal is a new entry (`reverseEntry`).
 */
export type Direction = 'debit' | 'credit';

export interface LedgerLine {
  readonly account: string;
  readonly direction: Direction;
  readonly amount: number;
}

export type EntryKind =
  | 'payment'
  | 'refund'
  | 'late_payment'
  | 'late_refund'
  /** A hold placed: its amount moved from the debited account to the hold's own account. */
  | 'hold'
  /** A hold posted: ≤ its amount to the credited account, the rest back to where it came from. */
  | 'hold_post'
  /** A hold voided or expired: its whole amount back to where it came from. */
  | 'hold_release'
  /** A payout's fee, out of the channel's clearing into the platform's revenue, with the payout's hold post. */
  | 'payout_fee'
  /** A paid-out payout the bank returned: the amount and fee back to the merchant's available (entry 159). */
  | 'payout_return'
  /** A settlement batch: its net from the merchant's pending to its available (docs/decisions.md, entry 151). */
  | 'settlement'
  | 'reversal';

export interface LedgerEntry {
  readonly id: string;
  readonly kind: EntryKind;
  readonly merchantId: string;
  readonly orderId: string;
  readonly refundId: string | null;
  readonly channel: string;
  readonly currency: Currency;
  readonly lines: readonly LedgerLine[];
  readonly createdAt: string;
  /** The hold this entry places, posts or releases. */
  readonly holdId?: string;
  /** The entry this one reverses. */
  readonly reverses?: string;
  /**
   * The order's outTradeNo, on a payment's and a refund's entry: a statement row names it without reading the order
   * (docs/decisions.md, entry 179). Entries written before it was added have none.
   */
  readonly outTradeNo?: string;
}

export function isBalanced(lines: readonly LedgerLine[]): boolean {
  let sum = 0;
  for (const line of lines) {
    if (!Number.isSafeInteger(line.amount) || line.amount < 0) return false;
    sum += line.direction === 'debit' ? line.amount : -line.amount;
  }
  return sum === 0 && lines.length >= 2;
}

/** The signed change of one credit-normal account (credit +, debit −). */
export function creditChange(lines: readonly LedgerLine[], account: string): number {
  let change = 0;
  for (const line of lines) {
    if (line.account === account) change += line.direction === 'credit' ? line.amount : -line.amount;
  }
  return change;
}

/** The signed change of a line on its account's normal side (+ grows the balance). */
export function normalAmount(line: LedgerLine, policy: Pick<AccountPolicy, 'normal'>): number {
  return line.direction === policy.normal ? line.amount : -line.amount;
}

/** Each account's net change on its normal side, in line order; accounts whose lines cancel out are left out. */
export function netChanges(lines: readonly LedgerLine[]): { account: string; policy: AccountPolicy; change: number }[] {
  const out = new Map<string, { account: string; policy: AccountPolicy; change: number }>();
  for (const line of lines) {
    const policy = accountPolicy(line.account);
    if (!policy) throw new LedgerRuleError('unknown_account', `No such ledger account: ${line.account}`);
    const row = out.get(line.account) ?? { account: line.account, policy, change: 0 };
    row.change += normalAmount(line, policy);
    out.set(line.account, row);
  }
  return [...out.values()].filter((row) => row.change !== 0);
}

/** Refuses an entry the ledger must never store: unbalanced, with a bad amount, or on an account outside the set. */
export function assertPostable(entry: Pick<LedgerEntry, 'id' | 'lines'>): void {
  if (!isBalanced(entry.lines)) throw new LedgerRuleError('unbalanced', `Ledger entry ${entry.id} does not balance`);
  netChanges(entry.lines);
}

/** The entry that undoes `entry`: the same lines in the other direction, naming what it reverses. */
export function reverseEntry(entry: LedgerEntry, ctx: { readonly id: string; readonly now: string }): LedgerEntry {
  return {
    ...entry,
    id: ctx.id,
    kind: 'reversal',
    reverses: entry.id,
    lines: entry.lines.map((l) => ({ ...l, direction: l.direction === 'debit' ? 'credit' : 'debit' })),
    createdAt: ctx.now,
  };
}

/**
 * A ledger rule the caller broke (not a merchant-facing error: the service that asked maps it to its own API code).
 * `reason` names the rule.
 */
export class LedgerRuleError extends Error {
  constructor(
    readonly reason: 'unbalanced' | 'unknown_account' | 'hold_not_pending' | 'hold_expired' | 'hold_not_expired' | 'exceeds_hold' | 'insufficient_balance',
    message: string,
  ) {
    super(message);
    this.name = 'LedgerRuleError';
  }
}
