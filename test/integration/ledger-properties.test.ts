import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ensureTable, localDynamoDbClient } from '../../infra/local/dynamodb-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoLedgerStore } from '../../shared/adapters/dynamodb/ledger-store.js';
import { DynamoSettlementStore } from '../../shared/adapters/dynamodb/settlement-store.js';
import { merchantBalanceIn } from '../../shared/ledger/reads.js';
import { checkLedger } from '../../shared/services/ledger-check.js';
import { runSettlement } from '../../shared/services/settlement.js';
import { statementRows } from '../../shared/services/statements.js';
import { ledgerOp, runScenario } from '../support/ledger-scenarios.js';

/**
 * The same random sequences as the unit property test, against the DynamoDB adapter on DynamoDB Local: its
 * conditional transactions keep the books balanced and the guarded accounts at or above zero. One table for all runs
 * (each run uses accounts of its own), checked as a whole after each run.
 */
const table = `ledger-prop-${randomBytes(6).toString('hex')}`;
const db = createDocumentClient({ endpoint: inject('dynamoEndpoint'), region: 'local' });
const ledger = new DynamoLedgerStore(db, table);
const settlements = new DynamoSettlementStore(db, table);
/** The production settlement run for one merchant, as of the scenario's clock, every posting already due. */
const settle = async (merchantId: string, nowMs: number) => {
  await runSettlement({ settlements, settlementDelaySeconds: 0, now: () => nowMs }, { now: nowMs, scope: { merchantId } });
};

beforeAll(async () => {
  const admin = localDynamoDbClient(inject('dynamoEndpoint'));
  await ensureTable(admin, table);
  admin.destroy();
});
afterAll(() => db.destroy());

describe('ledger properties on DynamoDB Local', () => {
  it('random postings, holds, posts, voids, expiries, settlements and payouts: always balanced, no guarded account below zero, statements sum to the balance', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ledgerOp, { minLength: 10, maxLength: 30 }), async (ops) => {
        const { merchants, payouts } = await runScenario(ledger, ops, undefined, { settle });
        const check = await checkLedger(ledger);
        expect(check.balances).toMatchObject({ mismatches: [], negativeGuarded: [], holdMismatches: [], unknownAccounts: [] });
        expect(check.balanced).toBe(true);
        // Each merchant starts the day at zero: the day's statement rows sum to its balance at the end, through
        // payments, refunds, top-up fees, holds, reversals, settlement runs and payouts.
        const source = { ledger, payoutAmounts: async (_merchantId: string, payoutId: string) => payouts.get(payoutId) };
        for (const merchantId of merchants) {
          let net = 0;
          for await (const row of statementRows(source, merchantId, '2026-11-27')) net += row.net;
          const balance = await merchantBalanceIn(ledger, merchantId, 'CNY');
          expect(net).toBe(balance.available + balance.pending);
        }
      }),
      { numRuns: 12 },
    );
  });
});
