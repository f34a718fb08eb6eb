import { runLedgerCheck } from '../shared/services/ledger-check.js';
import { getDeps } from './services.js';

/**
 * The scheduled ledger check (an EventBridge rule, hourly: infra/cdk/ledger-check.ts): the same check as
 * `npm run merchant -- ledger-check`, on the same store, read only. Its findings become metrics the alarms watch
 * (expired holds, guarded accounts below zero, books that do not add up) and one log line naming them
 * (docs/decisions.md, entry 141). A run that cannot finish throws: the function's error alarm shows it.
 */
export async function handler(): Promise<Awaited<ReturnType<typeof runLedgerCheck>>> {
  const deps = getDeps();
  return runLedgerCheck(deps.ledger, deps.now());
}
