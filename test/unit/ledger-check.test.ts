import { afterEach, describe, expect, it } from 'vitest';
import { accounts } from '../../shared/ledger/accounts.js';
import { placeAuthorizationHold } from '../../shared/ledger/authorization-holds.js';
import { holdReport } from '../../shared/ledger/check.js';
import type { Hold } from '../../shared/ledger/holds.js';
import { LEDGER_METRICS, PAYMENT_METRICS, setMetricSink, type MetricDocument } from '../../shared/metrics.js';
import { checkLedger, HOLD_EXPIRY_GRACE_SECONDS, runLedgerCheck } from '../../shared/services/ledger-check.js';
import { MemoryLedgerStore } from '../support/ledger-scenarios.js';

/**
 * The ledger check's hold report and the scheduled check's metrics (docs/decisions.md, entries 140 and 141): a
 * PENDING hold past expiresAt + the grace is reported by id, a guarded account below zero is counted, and one EMF
 * document per run carries the figures the alarms watch.
 */
const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const GRACE_MS = HOLD_EXPIRY_GRACE_SECONDS * 1000;

afterEach(() => setMetricSink(undefined));

function hold(id: string, status: Hold['status'], expiresAtMs: number, amount = 100): Hold {
  return {
    id, merchantId: 'm_1', orderId: `ord_${id}`, channel: 'card_a', currency: 'CNY', amount, debitAccount: accounts.authorizations('card_a'),
    creditAccount: accounts.authorizations('card_a'), expiresAt: new Date(expiresAtMs).toISOString(), status, postedAmount: 0,
    createdAt: new Date(T0).toISOString(), updatedAt: new Date(T0).toISOString(), version: 1, entryIds: [],
  };
}

/** A ledger with one authorization hold placed at T0 that expires at T0 + 1 s. */
async function ledgerWithAuthorization(): Promise<MemoryLedgerStore> {
  const ledger = new MemoryLedgerStore();
  const step = placeAuthorizationHold(
    { orderId: 'ord_a', merchantId: 'm_1', currency: 'CNY', paymentId: 'pay_a', channel: 'card_a', amountAuthorized: 700, captureBefore: new Date(T0 + 1000).toISOString() },
    { entryId: 'le_a', nowMs: T0 },
  );
  await ledger.post({ entry: step.entry, hold: step.write });
  return ledger;
}

describe('holdReport', () => {
  it('counts the PENDING holds and their amounts; reports those past expiresAt + the grace, not those within it or ended', () => {
    const report = holdReport(
      [hold('h_due', 'PENDING', T0 - GRACE_MS - 1, 300), hold('h_grace', 'PENDING', T0 - GRACE_MS + 1, 200), hold('h_ok', 'PENDING', T0 + 1000), hold('h_done', 'VOIDED', T0 - 10 * GRACE_MS)],
      T0,
      GRACE_MS,
    );
    expect(report.pending).toBe(3);
    expect(report.pendingAmounts).toEqual([{ currency: 'CNY', amount: 600 }]);
    expect(report.expired).toEqual([{ id: 'h_due', orderId: 'ord_h_due', currency: 'CNY', amount: 300, expiresAt: new Date(T0 - GRACE_MS - 1).toISOString() }]);
  });
});

describe('checkLedger with holds', () => {
  it('shows an open authorization hold; once past its expiry and the grace it is an expired hold, and the books still balance', async () => {
    const ledger = await ledgerWithAuthorization();
    const fresh = await checkLedger(ledger, { nowMs: T0 });
    expect(fresh.holds).toEqual({ pending: 1, pendingAmounts: [{ currency: 'CNY', amount: 700 }], expired: [] });
    const stuck = await checkLedger(ledger, { nowMs: T0 + 1000 + GRACE_MS + 1 });
    expect(stuck.holds.expired.map((h) => h.id)).toEqual(['pay_a']);
    expect(stuck.balanced).toBe(true);
  });
});

describe('runLedgerCheck (the scheduled function)', () => {
  const documents = (): MetricDocument[] => {
    const docs: MetricDocument[] = [];
    setMetricSink((d) => docs.push(d));
    return docs;
  };

  it('publishes one EMF document with the expired holds, negative guarded accounts, unbalanced flag and open holds', async () => {
    const ledger = await ledgerWithAuthorization();
    const docs = documents();
    const figures = await runLedgerCheck(ledger, T0 + 1000 + GRACE_MS + 1);
    expect(figures).toEqual({ expiredHolds: 1, negativeGuarded: 0, unbalanced: 0, pendingHolds: 1, clean: false });
    expect(docs).toHaveLength(1);
    const doc = docs[0]!;
    const directive = (doc._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> }).CloudWatchMetrics[0]!;
    expect(directive.Namespace).toBe(PAYMENT_METRICS.namespace);
    expect(directive.Dimensions).toEqual([['Service']]);
    expect(directive.Metrics.map((m) => m.Name).sort()).toEqual(
      [LEDGER_METRICS.expiredHolds, LEDGER_METRICS.negativeGuarded, LEDGER_METRICS.unbalanced, LEDGER_METRICS.pendingHolds].sort(),
    );
    expect(doc).toMatchObject({ Service: LEDGER_METRICS.service, ExpiredHolds: 1, NegativeGuardedAccounts: 0, LedgerUnbalanced: 0, PendingHolds: 1 });
  });

  it('counts a guarded account below zero (a customer balance written around its guard) and marks the books unbalanced', async () => {
    // A balance item written around its guard (a bug, a hand edit): below zero and not Σ of its postings.
    const ledger = new (class extends MemoryLedgerStore {
      override async allBalances() {
        return [{ account: accounts.customerBalance('cus_1'), currency: 'CNY', amount: -50 }];
      }
    })();
    const docs = documents();
    expect(await runLedgerCheck(ledger, T0)).toEqual({ expiredHolds: 0, negativeGuarded: 1, unbalanced: 1, pendingHolds: 0, clean: false });
    expect(docs[0]).toMatchObject({ NegativeGuardedAccounts: 1, LedgerUnbalanced: 1 });
  });

  it('a clean ledger: every figure 0 and clean', async () => {
    const docs = documents();
    expect(await runLedgerCheck(new MemoryLedgerStore(), T0)).toEqual({ expiredHolds: 0, negativeGuarded: 0, unbalanced: 0, pendingHolds: 0, clean: true });
    expect(docs[0]).toMatchObject({ ExpiredHolds: 0, NegativeGuardedAccounts: 0, LedgerUnbalanced: 0, PendingHolds: 0 });
  });
});
