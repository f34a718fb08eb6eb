import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../shared/domain/ids.js';
import { paymentLines, refundLines } from '../../shared/ledger/rules.js';
import type { LedgerEntry } from '../../shared/ledger/posting.js';
import type { SettlementStore } from '../../shared/ports/settlement-store.js';
import type { Deps } from '../../shared/services/deps.js';
import { runSettlement, type SettlementDeps } from '../../shared/services/settlement.js';
import { serviceDeps } from '../support/service-deps.js';

/**
 * Settlement on DynamoDB Local: postings to pending are claimed into one batch per merchant and currency and moved to
 * available in the batch's own transaction; a run that dies half way is finished by the next, and runs at once
 * settle each posting once.
 */
let deps: Deps;
let close: () => void;
const DAY_MS = 86_400_000;
const NOW = Date.parse('2026-11-27T12:00:00.000Z');

beforeAll(async () => {
  const env = await serviceDeps([]);
  deps = env.deps;
  close = env.close;
});
afterAll(() => close());

const iso = (ms: number) => new Date(ms).toISOString();
const settlementDeps = (store: SettlementStore = deps.settlements): SettlementDeps => ({ settlements: store, settlementDelaySeconds: 86_400, now: () => NOW });

async function pay(merchantId: string, amount: number, fee: number, atMs: number): Promise<LedgerEntry> {
  const entry: LedgerEntry = {
    id: newId('le', atMs),
    kind: 'payment',
    merchantId,
    orderId: newId('ord', atMs),
    refundId: null,
    channel: 'card_a',
    currency: 'CNY',
    lines: paymentLines({ merchantId, channel: 'card_a', amount, fee }),
    createdAt: iso(atMs),
  };
  expect(await deps.ledger.post({ entry })).toEqual({ committed: true });
  return entry;
}

async function refund(merchantId: string, amount: number, atMs: number): Promise<void> {
  const balance = await deps.ledger.balances(merchantId);
  const of = (rows: readonly { currency: string; amount: number }[]) => rows.find((r) => r.currency === 'CNY')?.amount ?? 0;
  const lines = refundLines({ merchantId, channel: 'card_a', amount, balance: { available: of(balance.available), pending: of(balance.pending) } });
  const entry: LedgerEntry = { id: newId('le', atMs), kind: 'refund', merchantId, orderId: newId('ord', atMs), refundId: newId('rf', atMs), channel: 'card_a', currency: 'CNY', lines, createdAt: iso(atMs) };
  expect(await deps.ledger.post({ entry })).toEqual({ committed: true });
}

async function cny(merchantId: string): Promise<{ available: number; pending: number }> {
  const b = await deps.ledger.balances(merchantId);
  return { available: b.available.find((r) => r.currency === 'CNY')?.amount ?? 0, pending: b.pending.find((r) => r.currency === 'CNY')?.amount ?? 0 };
}

describe('runSettlement', () => {
  it('settles what was captured a delay before the run, nets refunds drawn from pending, and never twice', async () => {
    const m = newId('m', NOW);
    await pay(m, 10_000, 60, NOW - 2 * DAY_MS);
    await pay(m, 5_000, 30, NOW - DAY_MS - 1000);
    await pay(m, 7_000, 42, NOW - 3_600_000); // captured an hour ago: not due
    await refund(m, 2_000, NOW - 1800_000); // available is 0: drawn from pending, netted now
    expect(await cny(m)).toEqual({ available: 0, pending: 9_940 + 4_970 + 6_958 - 2_000 });

    const run = await runSettlement(settlementDeps());
    const mine = run.settlements.filter((s) => s.merchantId === m);
    expect(mine).toEqual([
      expect.objectContaining({ id: expect.stringMatching(/^stl_/), currency: 'CNY', status: 'SETTLED', count: 3, gross: 15_000, fees: 90, refunds: 2_000, net: 12_910, settledAt: iso(NOW) }),
    ]);
    expect(await cny(m)).toEqual({ available: 12_910, pending: 6_958 });
    const entry = (await entries()).find((e) => e.id === mine[0]!.ledgerEntryId);
    expect(entry?.kind).toBe('settlement');

    const again = await runSettlement(settlementDeps());
    expect(again.settlements.filter((s) => s.merchantId === m)).toEqual([]);
    expect(await cny(m)).toEqual({ available: 12_910, pending: 6_958 });

    // A day later the last payment is due: a second batch with it alone.
    const later = await runSettlement({ ...settlementDeps(), now: () => NOW + DAY_MS });
    expect(later.settlements.filter((s) => s.merchantId === m)).toEqual([expect.objectContaining({ count: 1, gross: 7_000, fees: 42, refunds: 0, net: 6_958 })]);
    expect(await cny(m)).toEqual({ available: 12_910 + 6_958, pending: 0 });
  });

  it('a run whose writes fail half way leaves its batch OPEN and pending untouched; the next run finishes it, each posting once', async () => {
    const m = newId('m', NOW);
    for (let i = 0; i < 6; i += 1) await pay(m, 1_000 + i, 10, NOW - 2 * DAY_MS + i);
    const real = deps.settlements;
    let claims = 0;
    // The third claim's write fails (as a throttled or lost DynamoDB call would): the run dies there.
    const failing: SettlementStore = Object.assign(Object.create(real) as SettlementStore, {
      claim: async (...args: Parameters<SettlementStore['claim']>) => {
        if (args[0].merchantId === m && ++claims === 3) throw new Error('write failed');
        return real.claim(...args);
      },
    });
    await expect(runSettlement(settlementDeps(failing))).rejects.toThrow('write failed');
    expect(await cny(m)).toEqual({ available: 0, pending: 6 * 990 + 15 });

    const resumed = await runSettlement(settlementDeps());
    const mine = resumed.settlements.filter((s) => s.merchantId === m);
    expect(mine).toEqual([expect.objectContaining({ count: 6, gross: 6_015, fees: 60, net: 5_955 })]);
    expect(await cny(m)).toEqual({ available: 5_955, pending: 0 });
    expect((await entries()).filter((e) => e.kind === 'settlement' && e.merchantId === m)).toHaveLength(1);
  });

  it("a run narrowed to a merchant settles only its items, and leaves another merchant's batch a dead run left OPEN", async () => {
    const a = newId('m', NOW);
    const b = newId('m', NOW + 1);
    await pay(a, 1_000, 10, NOW - 2 * DAY_MS);
    await pay(b, 2_000, 20, NOW - 2 * DAY_MS);
    await pay(b, 3_000, 30, NOW - 2 * DAY_MS + 1);
    const real = deps.settlements;
    let claims = 0;
    // B's own run dies after its first claim: B's batch is OPEN with one posting in it.
    const failing: SettlementStore = Object.assign(Object.create(real) as SettlementStore, {
      claim: async (...args: Parameters<SettlementStore['claim']>) => {
        if (++claims === 2) throw new Error('write failed');
        return real.claim(...args);
      },
    });
    await expect(runSettlement(settlementDeps(failing), { scope: { merchantId: b } })).rejects.toThrow('write failed');

    const forA = await runSettlement(settlementDeps(), { scope: { merchantId: a } });
    expect(forA.settlements).toEqual([expect.objectContaining({ merchantId: a, count: 1, net: 990 })]);
    expect(await cny(a)).toEqual({ available: 990, pending: 0 });
    // Neither B's unclaimed posting nor its OPEN batch was A's run's to settle.
    expect(await cny(b)).toEqual({ available: 0, pending: 1_980 + 2_970 });
    const open: string[] = [];
    for await (const batch of deps.settlements.openBatches()) if (batch.merchantId === b) open.push(batch.id);
    expect(open).toHaveLength(1);

    const forB = await runSettlement(settlementDeps(), { scope: { merchantId: b, currency: 'CNY' } });
    expect(forB.settlements).toEqual([expect.objectContaining({ id: open[0], merchantId: b, count: 2, net: 4_950 })]);
    expect(await cny(b)).toEqual({ available: 4_950, pending: 0 });
  });

  it('two runs at once settle each posting once', async () => {
    const m = newId('m', NOW);
    for (let i = 0; i < 20; i += 1) await pay(m, 500 + i, 5, NOW - 2 * DAY_MS + i);
    const runs = await Promise.all([runSettlement(settlementDeps()), runSettlement(settlementDeps()), runSettlement(settlementDeps())]);
    const batches = new Map(runs.flatMap((r) => r.settlements.filter((s) => s.merchantId === m)).map((s) => [s.id, s]));
    const total = 20 * 500 + 190 - 20 * 5;
    expect([...batches.values()].reduce((n, s) => n + s.count, 0)).toBe(20);
    expect([...batches.values()].reduce((n, s) => n + s.net, 0)).toBe(total);
    expect(await cny(m)).toEqual({ available: total, pending: 0 });
    const posted = (await entries()).filter((e) => e.kind === 'settlement' && e.merchantId === m);
    expect(posted).toHaveLength(batches.size);
  });
});

async function entries(): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  for await (const e of deps.ledger.allEntries()) out.push(e);
  return out;
}
