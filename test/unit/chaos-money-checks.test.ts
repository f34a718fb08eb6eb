import { describe, expect, it } from 'vitest';
import { checkPayouts, checkSettlement, payoutDeadlineMs, unsettledDue, type StoredPayout } from '../../bench/chaos/money-checks.js';
import { Observations } from '../../bench/chaos/workload.js';
import type { SandboxPayoutView } from '../../infra/local/sandbox/netbank/payout-desk.js';
import { accounts } from '../../shared/ledger/accounts.js';
import type { Hold } from '../../shared/ledger/holds.js';
import type { LedgerEntry } from '../../shared/ledger/posting.js';
import type { Settlement, SettleItem } from '../../shared/ledger/settlement.js';

/**
 * The chaos run's back-office checks (bench/chaos/money-checks.ts, decisions 193-194) must see what they are there
 * for: a clean state passes, and each kind of damage (a payout instructed twice, two transfers, a wrong or late
 * outcome, a reservation not returned, a batch posted twice or not matching its items, a due item left) is reported.
 */
const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function payout(id: string, last4: string, status: string, overrides: Partial<StoredPayout> = {}): StoredPayout {
  const failureCode = status === 'FAILED' ? 'account_invalid' : null;
  return { id, outPayoutNo: `P-${id}`, status, amount: 300, fee: 100, failureCode, destination: { last4 }, createdAt: iso(T0), updatedAt: iso(T0 + 2_000), ...overrides };
}

const transfer = (payoutNo: string, status: SandboxPayoutView['status'], instructions = 1): SandboxPayoutView => ({
  merchantNo: 'M1',
  payoutNo,
  bankPayoutId: `NBP-${payoutNo}-${instructions}`,
  status,
  amount: 300,
  currency: 'CNY',
  last4: '0001',
  instructions,
});

const hold = (status: Hold['status']): Hold => ({ status, amount: 400 }) as Hold;

async function payoutViolations(payouts: StoredPayout[], transfers: SandboxPayoutView[], holds: Record<string, Hold['status']>): Promise<string[]> {
  return checkPayouts({
    payouts,
    transfers,
    observations: new Observations(),
    holdOf: async (holdId) => (holds[holdId] ? hold(holds[holdId]!) : undefined),
    recoveries: [],
    windowMs: 30_000,
    blame: () => 'answered long before any kill',
  });
}

describe('chaos payout check', () => {
  const clean = [payout('po_a', '0001', 'SUCCEEDED'), payout('po_b', '0002', 'FAILED'), payout('po_c', '0003', 'SUCCEEDED')];
  const bank = [transfer('po_a', 'SUCCEEDED'), transfer('po_b', 'FAILED'), transfer('po_c', 'SUCCEEDED')];
  const holds = { hold_po_a: 'POSTED', hold_po_b: 'VOIDED', hold_po_c: 'POSTED' } as const;

  it('passes payouts each sent once, final as their account says, their reservations settled', async () => {
    expect(await payoutViolations(clean, bank, holds)).toEqual([]);
  });

  it('reports a payout instructed twice, one with two transfers, and a transfer for no payout', async () => {
    const twice = await payoutViolations(clean, [transfer('po_a', 'SUCCEEDED', 2), bank[1]!, bank[2]!], holds);
    expect(twice.join('\n')).toMatch(/sent twice: payout po_a .* 2 times/);
    const two = await payoutViolations(clean, [...bank, { ...transfer('po_c', 'SUCCEEDED'), bankPayoutId: 'NBP-other' }], holds);
    expect(two.join('\n')).toMatch(/payout po_c .*: 2 transfers at the bank/);
    const ghost = await payoutViolations(clean, [...bank, transfer('po_zz', 'SUCCEEDED')], holds);
    expect(ghost.join('\n')).toMatch(/for no payout of the platform/);
  });

  it('reports an unresolved, a wrongly resolved and a late payout, and a reservation not returned', async () => {
    const out = await payoutViolations(
      [payout('po_a', '0001', 'PROCESSING'), payout('po_b', '0002', 'SUCCEEDED'), payout('po_c', '0003', 'SUCCEEDED', { updatedAt: iso(T0 + 45_000) })],
      [transfer('po_a', 'SUCCEEDED'), transfer('po_b', 'SUCCEEDED'), transfer('po_c', 'SUCCEEDED')],
      { hold_po_a: 'PENDING', hold_po_b: 'POSTED', hold_po_c: 'POSTED' },
    );
    expect(out.join('\n')).toMatch(/unresolved: payout po_a/);
    expect(out.join('\n')).toMatch(/wrong outcome: payout po_b .* SUCCEEDED .* says FAILED/);
    expect(out.join('\n')).toMatch(/resolved late: payout po_c/);
    const reservation = await payoutViolations([payout('po_b', '0002', 'FAILED')], [transfer('po_b', 'FAILED')], { hold_po_b: 'PENDING' });
    expect(reservation.join('\n')).toMatch(/reservation: payout po_b .* FAILED, its hold PENDING .*expected VOIDED/);
  });

  it('restarts a payout deadline at the recovery of a kill inside its window', () => {
    expect(payoutDeadlineMs(T0, [], 30_000)).toBe(T0 + 30_000);
    expect(payoutDeadlineMs(T0, [{ killedAtMs: T0 + 5_000, upAtMs: T0 + 20_000 }], 30_000)).toBe(T0 + 50_000);
    // A kill before the payout, or after its window, moves nothing.
    expect(payoutDeadlineMs(T0, [{ killedAtMs: T0 - 5_000, upAtMs: T0 + 9_000 }, { killedAtMs: T0 + 40_000, upAtMs: T0 + 50_000 }], 30_000)).toBe(T0 + 30_000);
  });
});

describe('chaos settlement check', () => {
  const M = 'mch_1';
  const item = (entryId: string, net: number, settlementId: string | undefined, createdAt = iso(T0)): SettleItem & { settlementId?: string } => ({
    entryId,
    merchantId: M,
    currency: 'CNY',
    orderId: `ord_${entryId}`,
    kind: 'payment',
    side: 'credit',
    gross: net + 10,
    fees: 10,
    refunds: 0,
    net,
    createdAt,
    ...(settlementId ? { settlementId } : {}),
  });
  const batch = (id: string, net: number, count: number, status: Settlement['status'] = 'SETTLED'): Settlement => ({
    id,
    merchantId: M,
    currency: 'CNY',
    status,
    count,
    gross: net + 10 * count,
    fees: 10 * count,
    refunds: 0,
    net,
    ledgerEntryId: status === 'SETTLED' ? `le_${id}` : null,
    createdAt: iso(T0 + 1_000),
    settledAt: status === 'SETTLED' ? iso(T0 + 1_000) : null,
  });
  const posting = (id: string, batchId: string, amount: number): LedgerEntry => ({
    id,
    kind: 'settlement',
    merchantId: M,
    orderId: batchId,
    refundId: null,
    channel: 'settlement',
    currency: 'CNY',
    lines: [
      { account: accounts.merchantPending(M), direction: 'debit', amount },
      { account: accounts.merchantAvailable(M), direction: 'credit', amount },
    ],
    createdAt: iso(T0 + 1_000),
  });
  const due = { creditsDueBy: iso(T0 + 10_000), debitsDueBy: iso(T0 + 10_000) };

  it('passes batches whose items sum to them, each posted once', () => {
    const items = [item('e1', 100, 'stl_1'), item('e2', 50, 'stl_1'), item('e3', 70, 'stl_2')];
    expect(checkSettlement({ items, batches: [batch('stl_1', 150, 2), batch('stl_2', 70, 1)], entries: [posting('le_stl_1', 'stl_1', 150), posting('le_stl_2', 'stl_2', 70)], ...due })).toEqual([]);
  });

  it('reports a batch posted twice, totals that are not the sum of its items, and a due item left unsettled', () => {
    const items = [item('e1', 100, 'stl_1'), item('e2', 50, 'stl_1'), item('e3', 70, undefined), item('e4', 30, 'stl_3')];
    const out = checkSettlement({
      items,
      batches: [batch('stl_1', 160, 2), batch('stl_3', 30, 1, 'OPEN')],
      entries: [posting('le_stl_1', 'stl_1', 160), posting('le_again', 'stl_1', 160)],
      ...due,
    }).join('\n');
    expect(out).toMatch(/batch stl_1 \(SETTLED, net 160\) posted by 2 settlement entries, expected 1/);
    expect(out).toMatch(/batch stl_1 .* its items sum to .*"net":150/);
    expect(out).toMatch(/settle item e3 .* never claimed/);
    expect(out).toMatch(/settle item e4 .* still in stl_3, not settled/);
  });

  it('leaves alone an item not yet due', () => {
    expect(unsettledDue({ items: [item('e9', 10, undefined, iso(T0 + 20_000))], batches: [], ...due })).toEqual([]);
  });
});
