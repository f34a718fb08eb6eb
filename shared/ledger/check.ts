import { accountPolicy, accounts } from './accounts.js';
import { expectedHoldBalance, type Hold } from './holds.js';
import { isBalanced, normalAmount, type LedgerEntry } from './posting.js';

/**
 * The ledger's invariants, checked over everything stored (pure; shared/services/ledger-check.ts reads the store):
 * Σ debits = Σ credits per currency and per entry; every stored balance = Σ of its account's postings; no guarded
 * account below zero; every hold's account holds what its state says.
 */

export interface TrialBalance {
  readonly currency: string;
  readonly debits: number;
  readonly credits: number;
  readonly entries: number;
  readonly unbalancedEntries: readonly string[];
}

/** A balance as stored (a sharded account's shards already summed). */
export interface StoredBalance {
  readonly account: string;
  readonly currency: string;
  readonly amount: number;
}

export interface BalanceMismatch {
  readonly account: string;
  readonly currency: string;
  readonly stored: number;
  readonly posted: number;
}

/** Σ debits and Σ credits per currency over any set of entries; the books are sound when they are equal. */
export function trialBalance(entries: Iterable<Pick<LedgerEntry, 'id' | 'currency' | 'lines'>>): TrialBalance[] {
  const byCurrency = new Map<string, { debits: number; credits: number; entries: number; unbalanced: string[] }>();
  for (const entry of entries) {
    const row = byCurrency.get(entry.currency) ?? { debits: 0, credits: 0, entries: 0, unbalanced: [] };
    for (const line of entry.lines) {
      if (line.direction === 'debit') row.debits += line.amount;
      else row.credits += line.amount;
    }
    row.entries += 1;
    if (!isBalanced(entry.lines)) row.unbalanced.push(entry.id);
    byCurrency.set(entry.currency, row);
  }
  return [...byCurrency].map(([currency, r]) => ({
    currency,
    debits: r.debits,
    credits: r.credits,
    entries: r.entries,
    unbalancedEntries: r.unbalanced,
  }));
}

const keyOf = (account: string, currency: string) => `${currency} ${account}`;

/** Every account's balance on its normal side, per currency, as Σ of its postings. Unknown accounts are skipped. */
export function postedBalances(entries: Iterable<Pick<LedgerEntry, 'currency' | 'lines'>>): Map<string, StoredBalance> {
  const out = new Map<string, StoredBalance>();
  for (const entry of entries) {
    for (const line of entry.lines) {
      const policy = accountPolicy(line.account);
      if (!policy) continue;
      const key = keyOf(line.account, entry.currency);
      const amount = (out.get(key)?.amount ?? 0) + normalAmount(line, policy);
      out.set(key, { account: line.account, currency: entry.currency, amount });
    }
  }
  return out;
}

export interface BalanceFindings {
  /** Accounts kept in items whose stored balance is not Σ of their postings (either way round). */
  readonly mismatches: readonly BalanceMismatch[];
  /** Guarded accounts below zero, stored or posted. */
  readonly negativeGuarded: readonly StoredBalance[];
  /** Holds whose own account does not hold what their state says. */
  readonly holdMismatches: readonly BalanceMismatch[];
  /** Accounts in postings that are outside the closed set. */
  readonly unknownAccounts: readonly string[];
}

export function checkBalances(
  entries: readonly Pick<LedgerEntry, 'currency' | 'lines'>[],
  stored: readonly StoredBalance[],
  holds: readonly Hold[],
): BalanceFindings {
  const posted = postedBalances(entries);
  const unknownAccounts = [...new Set(entries.flatMap((e) => e.lines.map((l) => l.account)).filter((a) => !accountPolicy(a)))];
  const storedByKey = new Map(stored.map((s) => [keyOf(s.account, s.currency), s]));
  const mismatches: BalanceMismatch[] = [];
  for (const key of new Set([...storedByKey.keys(), ...posted.keys()])) {
    const s = storedByKey.get(key);
    const p = posted.get(key);
    const { account, currency } = (s ?? p)!;
    if (accountPolicy(account)?.storage === 'derived') continue;
    if ((s?.amount ?? 0) !== (p?.amount ?? 0)) mismatches.push({ account, currency, stored: s?.amount ?? 0, posted: p?.amount ?? 0 });
  }
  const negativeGuarded = [...stored, ...posted.values()].filter((b) => b.amount < 0 && accountPolicy(b.account)?.guard === 'non_negative');
  const holdMismatches: BalanceMismatch[] = [];
  const holdKeys = new Set<string>();
  for (const hold of holds) {
    const account = accounts.hold(hold.id);
    holdKeys.add(keyOf(account, hold.currency));
    const p = posted.get(keyOf(account, hold.currency))?.amount ?? 0;
    if (p !== expectedHoldBalance(hold)) holdMismatches.push({ account, currency: hold.currency, stored: expectedHoldBalance(hold), posted: p });
  }
  // Money on a hold account whose hold item is missing: nothing could ever release it.
  for (const [key, p] of posted) {
    if (!holdKeys.has(key) && p.amount !== 0 && accountPolicy(p.account)?.kind === 'hold') {
      holdMismatches.push({ account: p.account, currency: p.currency, stored: 0, posted: p.amount });
    }
  }
  return { mismatches, negativeGuarded, holdMismatches, unknownAccounts };
}

/** A hold still PENDING past its `expiresAt` and the grace: nothing ended it when it should have (entry 140). */
export interface ExpiredHold {
  readonly id: string;
  readonly orderId: string;
  readonly currency: string;
  readonly amount: number;
  readonly expiresAt: string;
}

export interface HoldReport {
  /** Holds still PENDING, and what they keep aside per currency. */
  readonly pending: number;
  readonly pendingAmounts: readonly { readonly currency: string; readonly amount: number }[];
  readonly expired: readonly ExpiredHold[];
}

/**
 * The holds as an operator reads them: how many are open and for how much, and which are still PENDING more than
 * `graceMs` after `expiresAt` (the authorization expiry's timer, or a top-up refund's end, should have ended them).
 */
export function holdReport(holds: readonly Hold[], nowMs: number, graceMs: number): HoldReport {
  const pending = holds.filter((h) => h.status === 'PENDING');
  const amounts = new Map<string, number>();
  for (const h of pending) amounts.set(h.currency, (amounts.get(h.currency) ?? 0) + h.amount);
  const expired = pending
    .filter((h) => Date.parse(h.expiresAt) + graceMs < nowMs)
    .map(({ id, orderId, currency, amount, expiresAt }) => ({ id, orderId, currency, amount, expiresAt }));
  return {
    pending: pending.length,
    pendingAmounts: [...amounts].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amount]) => ({ currency, amount })),
    expired,
  };
}
