import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ensureTable, localDynamoDbClient } from '../../infra/local/dynamodb-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoLedgerStore } from '../../shared/adapters/dynamodb/ledger-store.js';
import { checkLedger } from '../../shared/services/ledger-check.js';
import { ledgerOp, runScenario } from '../support/ledger-scenarios.js';

/**
 * The same random sequences as the unit property test, against the DynamoDB adapter on DynamoDB Local: its
 * conditional transactions keep the books balanced and the guarded accounts at or above zero. One table for all runs
 * (each run uses accounts of its own), checked as a whole after each run.
 */
const table = `ledger-prop-${randomBytes(6).toString('hex')}`;
const db = createDocumentClient({ endpoint: inject('dynamoEndpoint'), region: 'local' });
const ledger = new DynamoLedgerStore(db, table);

beforeAll(async () => {
  const admin = localDynamoDbClient(inject('dynamoEndpoint'));
  await ensureTable(admin, table);
  admin.destroy();
});
afterAll(() => db.destroy());

describe('ledger properties on DynamoDB Local', () => {
  it('random postings, holds, posts, voids and expiries: always balanced, no guarded account below zero', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ledgerOp, { minLength: 10, maxLength: 30 }), async (ops) => {
        await runScenario(ledger, ops);
        const check = await checkLedger(ledger);
        expect(check.balances).toMatchObject({ mismatches: [], negativeGuarded: [], holdMismatches: [], unknownAccounts: [] });
        expect(check.balanced).toBe(true);
      }),
      { numRuns: 12 },
    );
  });
});
