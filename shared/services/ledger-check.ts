import { trialBalance, type TrialBalance } from '../domain/ledger.js';
import type { LedgerStore } from '../ports/stores.js';

export interface LedgerCheck {
  readonly balanced: boolean;
  readonly currencies: readonly TrialBalance[];
}

/** Proves Σ debits = Σ credits per currency over every stored entry, and that each entry balances on its own. */
export async function checkLedger(ledger: LedgerStore): Promise<LedgerCheck> {
  const entries = [];
  for await (const entry of ledger.allEntries()) entries.push(entry);
  const currencies = trialBalance(entries);
  return {
    balanced: currencies.every((c) => c.debits === c.credits && c.unbalancedEntries.length === 0),
    currencies,
  };
}
