import { checkBalances, trialBalance, type BalanceFindings, type StoredBalance, type TrialBalance } from '../ledger/check.js';
import type { Hold } from '../ledger/holds.js';
import type { LedgerStore } from '../ledger/port.js';
import type { LedgerEntry } from '../ledger/posting.js';

export interface LedgerCheck {
  /** Every invariant holds: the trial balance per currency and per entry, and every balance finding is empty. */
  readonly balanced: boolean;
  readonly currencies: readonly TrialBalance[];
  readonly balances: BalanceFindings & { readonly checked: number };
}

/** How many times the check reads again when balances moved while it read the entries. */
const SNAPSHOT_ROUNDS = 5;

/**
 * Proves Σ debits = Σ credits per currency over every stored entry (and each entry on its own), every stored balance
 * = Σ of its account's postings, no guarded account below zero, and every hold's account as its state says
 * (`npm run merchant -- ledger-check`, the chaos harness, e2e tests).
 */
export async function checkLedger(ledger: LedgerStore): Promise<LedgerCheck> {
  const { entries, balances, holds } = await stableSnapshot(ledger);
  const currencies = trialBalance(entries);
  const findings = checkBalances(entries, balances, holds);
  const sound =
    currencies.every((c) => c.debits === c.credits && c.unbalancedEntries.length === 0) &&
    findings.mismatches.length === 0 &&
    findings.negativeGuarded.length === 0 &&
    findings.holdMismatches.length === 0 &&
    findings.unknownAccounts.length === 0;
  return { balanced: sound, currencies, balances: { ...findings, checked: balances.length } };
}

/**
 * The check compares entries with balances, and the table has no snapshot read: balances and holds are read before
 * and after the entries, and the read is repeated until both agree. Every posting commits with its balance items in
 * one transaction, so when nothing moved across the entries' read, the entries read are exactly those the balances
 * reflect; a system under load gets a few rounds, then the last read is checked as it is.
 */
async function stableSnapshot(ledger: LedgerStore): Promise<{ entries: LedgerEntry[]; balances: StoredBalance[]; holds: Hold[] }> {
  let before = await readState(ledger);
  for (let round = 1; ; round += 1) {
    const entries: LedgerEntry[] = [];
    for await (const entry of ledger.allEntries()) entries.push(entry);
    const after = await readState(ledger);
    if (after.fingerprint === before.fingerprint || round >= SNAPSHOT_ROUNDS) return { entries, balances: after.balances, holds: after.holds };
    before = after;
  }
}

async function readState(ledger: LedgerStore): Promise<{ balances: StoredBalance[]; holds: Hold[]; fingerprint: string }> {
  const balances = await ledger.allBalances();
  const holds: Hold[] = [];
  for await (const hold of ledger.allHolds()) holds.push(hold);
  const fingerprint = JSON.stringify([
    balances.map((b) => `${b.currency} ${b.account} ${b.amount}`).sort(),
    holds.map((h) => `${h.id} ${h.version}`).sort(),
  ]);
  return { balances, holds, fingerprint };
}
