import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLedger } from '../../shared/services/ledger-check.js';
import { ledgerOp, MemoryLedgerStore, runScenario } from '../support/ledger-scenarios.js';

/**
 * Property-based: any sequence of top-ups, payments, balance payments, refunds, holds (placed, posted, voided,
 * expired) and reversals leaves the books balanced, every balance equal to Σ of its postings, every ended hold empty,
 * and no guarded account below zero; each guarded debit is refused exactly when it would take its account below zero.
 */
describe('ledger properties (in memory, the domain rules and the hold lifecycle)', () => {
  it('always balances and never takes a guarded account below zero', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ledgerOp, { minLength: 10, maxLength: 60 }), async (ops) => {
        const ledger = new MemoryLedgerStore();
        await runScenario(ledger, ops);
        const check = await checkLedger(ledger);
        expect(check.balances).toMatchObject({ mismatches: [], negativeGuarded: [], holdMismatches: [], unknownAccounts: [] });
        expect(check.balanced).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
