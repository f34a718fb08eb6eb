import { checkBalances, holdReport, trialBalance, type BalanceFindings, type HoldReport, type StoredBalance, type TrialBalance } from '../ledger/check.js';
import type { Hold } from '../ledger/holds.js';
import type { LedgerStore } from '../ledger/port.js';
import type { LedgerEntry } from '../ledger/posting.js';
import { logger } from '../logger.js';
import { recordLedgerCheck, type LedgerCheckFigures } from '../metrics.js';

export interface LedgerCheck {
  /** Every invariant holds: the trial balance per currency and per entry, and every balance finding is empty. */
  readonly balanced: boolean;
  readonly currencies: readonly TrialBalance[];
  readonly balances: BalanceFindings & { readonly checked: number };
  /** Open holds, and those past their expiry and the grace (reported, not part of `balanced`: the books still add up). */
  readonly holds: HoldReport;
}

/**
 * How long after its `expiresAt` a PENDING hold is reported as expired: the authorization expiry's timer fires at
 * captureBefore and may retry on the janitor's backoff while the channel refuses the void, so an hour is a stuck
 * hold, not a slow one (docs/decisions.md, entry 140).
 */
export const HOLD_EXPIRY_GRACE_SECONDS = 3600;

export interface CheckOptions {
  /** The instant expiries are judged at (default: the clock). */
  readonly nowMs?: number;
  readonly graceSeconds?: number;
}

/** How many times the check reads again when balances moved while it read the entries. */
const SNAPSHOT_ROUNDS = 5;

/**
 * Proves Σ debits = Σ credits per currency over every stored entry (and each entry on its own), every stored balance
 * = Σ of its account's postings, no guarded account below zero, and every hold's account as its state says
 * (`npm run merchant -- ledger-check`, the chaos harness, e2e tests).
 */
export async function checkLedger(ledger: LedgerStore, options: CheckOptions = {}): Promise<LedgerCheck> {
  const { entries, balances, holds } = await stableSnapshot(ledger);
  const currencies = trialBalance(entries);
  const findings = checkBalances(entries, balances, holds);
  const sound =
    currencies.every((c) => c.debits === c.credits && c.unbalancedEntries.length === 0) &&
    findings.mismatches.length === 0 &&
    findings.negativeGuarded.length === 0 &&
    findings.holdMismatches.length === 0 &&
    findings.unknownAccounts.length === 0;
  const holdsNow = holdReport(holds, options.nowMs ?? Date.now(), (options.graceSeconds ?? HOLD_EXPIRY_GRACE_SECONDS) * 1000);
  return { balanced: sound, currencies, balances: { ...findings, checked: balances.length }, holds: holdsNow };
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

/** What an operator is paged for: the counts the metrics carry, and whether there is anything to look at. */
export function ledgerFigures(check: LedgerCheck): LedgerCheckFigures & { readonly clean: boolean } {
  const figures = {
    expiredHolds: check.holds.expired.length,
    negativeGuarded: check.balances.negativeGuarded.length,
    unbalanced: check.balanced ? 0 : 1,
    pendingHolds: check.holds.pending,
  };
  return { ...figures, clean: figures.expiredHolds === 0 && figures.unbalanced === 0 && figures.negativeGuarded === 0 };
}

/**
 * The scheduled check (functions/ledger-check.ts, hourly in AWS): the same check as the CLI, its figures published
 * as metrics for the alarms (docs/decisions.md, entry 141), and what it found named in one log line (the metrics
 * carry counts; the hold ids and accounts are in the log, not in a metric dimension).
 */
export async function runLedgerCheck(ledger: LedgerStore, nowMs: number): Promise<LedgerCheckFigures & { readonly clean: boolean }> {
  const check = await checkLedger(ledger, { nowMs });
  const figures = ledgerFigures(check);
  recordLedgerCheck(figures, {}, nowMs);
  const detail = {
    ...figures,
    expiredHolds: check.holds.expired,
    negativeGuarded: check.balances.negativeGuarded,
    mismatches: check.balances.mismatches,
    holdMismatches: check.balances.holdMismatches,
    unbalancedCurrencies: check.currencies.filter((c) => c.debits !== c.credits || c.unbalancedEntries.length > 0),
  };
  if (figures.clean) logger.info('ledger check: clean', { pendingHolds: figures.pendingHolds });
  else logger.error('ledger check: findings', detail);
  return figures;
}
