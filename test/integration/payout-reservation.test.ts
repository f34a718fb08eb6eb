import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ensureTable, localDynamoDbClient } from '../../infra/local/dynamodb-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoLedgerStore } from '../../shared/adapters/dynamodb/ledger-store.js';
import { newId } from '../../shared/domain/ids.js';
import { accounts } from '../../shared/ledger/accounts.js';
import { payoutFailureWrite, payoutReturnEntry, payoutSuccessWrite, reservationWrite, reserveAvailable, type PayoutMoney } from '../../shared/ledger/payouts.js';
import type { LedgerEntry, LedgerLine } from '../../shared/ledger/posting.js';
import { merchantBalanceIn } from '../../shared/ledger/reads.js';
import { checkLedger } from '../../shared/services/ledger-check.js';

/**
 * A payout's reservation on DynamoDB Local (docs/decisions.md, entry 156): the hold on `available` commits only while
 * `available` is what was read, so no mix of concurrent payouts and refunds commits a reservation on a stale balance.
 */
const table = `payout-res-${randomBytes(6).toString('hex')}`;
const db = createDocumentClient({ endpoint: inject('dynamoEndpoint'), region: 'local' });
const ledger = new DynamoLedgerStore(db, table);

beforeAll(async () => {
  const admin = localDynamoDbClient(inject('dynamoEndpoint'));
  await ensureTable(admin, table);
  admin.destroy();
});
afterAll(() => db.destroy());

function entry(merchantId: string, kind: LedgerEntry['kind'], lines: LedgerLine[]): LedgerEntry {
  return { id: newId('le'), kind, merchantId, orderId: newId('ord'), refundId: null, channel: 'card_a', currency: 'CNY', lines, createdAt: new Date().toISOString() };
}

/**
 * Money in `available`: a payment's net into pending, then moved to available as a settlement entry would. Settlement
 * (issue 11's fees and settlement work) is not on main yet, so the test posts that movement with the ledger's own API.
 */
async function fundAvailable(merchantId: string, amount: number): Promise<void> {
  for (const lines of [
    [
      { account: accounts.channelClearing('card_a'), direction: 'debit' as const, amount },
      { account: accounts.merchantPending(merchantId), direction: 'credit' as const, amount },
    ],
    [
      { account: accounts.merchantPending(merchantId), direction: 'debit' as const, amount },
      { account: accounts.merchantAvailable(merchantId), direction: 'credit' as const, amount },
    ],
  ]) {
    expect(await ledger.post({ entry: entry(merchantId, 'payment', lines) })).toEqual({ committed: true });
  }
}

/** A refund taken from available without condition, as refunds are (never refused for want of balance). */
const refundFromAvailable = (merchantId: string, amount: number) =>
  ledger.post({
    entry: entry(merchantId, 'refund', [
      { account: accounts.merchantAvailable(merchantId), direction: 'debit', amount },
      { account: accounts.channelClearing('card_a'), direction: 'credit', amount },
    ]),
  });

const money = (merchantId: string, amount: number, fee = 0): PayoutMoney => ({ payoutId: newId('po'), merchantId, channel: 'bank_payout', currency: 'CNY', amount, fee });

const reserve = (p: PayoutMoney) =>
  reserveAvailable(p, {
    read: () => ledger.availableShards(p.merchantId, p.currency),
    commit: (write) => ledger.post(write),
    entryId: () => newId('le'),
    nowMs: () => Date.now(),
  });

const available = async (merchantId: string) => (await merchantBalanceIn(ledger, merchantId, 'CNY')).available;

describe('payout reservation on available', () => {
  it('a reservation read before a refund moved available does not commit on what it read', async () => {
    const m = `m_${randomBytes(4).toString('hex')}`;
    await fundAvailable(m, 1000);
    const seen = await ledger.availableShards(m, 'CNY');
    expect(seen.shards.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(await refundFromAvailable(m, 800)).toEqual({ committed: true });
    const stale = reservationWrite(money(m, 900), seen, { entryId: newId('le'), nowMs: Date.now() });
    expect(await ledger.post(stale.write)).toEqual({ committed: false, failed: 'balance' });
    expect(await available(m)).toBe(200);
    expect(await ledger.getHold(stale.hold.id)).toBeUndefined();
  });

  it('a payment into pending does not disturb the guard', async () => {
    const m = `m_${randomBytes(4).toString('hex')}`;
    await fundAvailable(m, 1000);
    const seen = await ledger.availableShards(m, 'CNY');
    await ledger.post({
      entry: entry(m, 'payment', [
        { account: accounts.channelClearing('card_a'), direction: 'debit', amount: 50 },
        { account: accounts.merchantPending(m), direction: 'credit', amount: 50 },
      ]),
    });
    const write = reservationWrite(money(m, 900, 10), seen, { entryId: newId('le'), nowMs: Date.now() });
    expect(await ledger.post(write.write)).toEqual({ committed: true });
    expect(await available(m)).toBe(90);
  });

  it('20 concurrent payouts of 300 + 10 fee against 1000: exactly 3 reserve, available ends 70', async () => {
    const m = `m_${randomBytes(4).toString('hex')}`;
    await fundAvailable(m, 1000);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => reserve(money(m, 300, 10))));
    expect(outcomes.filter((o) => o.reserved)).toHaveLength(3);
    expect(outcomes.filter((o) => !o.reserved && o.reason === 'insufficient')).toHaveLength(17);
    expect(await available(m)).toBe(70);
  });

  it('concurrent payouts and refunds: every reservation committed on the balance as it was at its commit', async () => {
    const m = `m_${randomBytes(4).toString('hex')}`;
    await fundAvailable(m, 1000);
    const results = await Promise.all([
      ...Array.from({ length: 12 }, () => reserve(money(m, 300)).then((o) => ({ kind: 'payout' as const, ok: o.reserved }))),
      ...Array.from({ length: 6 }, () => refundFromAvailable(m, 100).then((o) => ({ kind: 'refund' as const, ok: o.committed }))),
    ]);
    const payouts = results.filter((r) => r.kind === 'payout' && r.ok).length;
    expect(results.filter((r) => r.kind === 'refund' && r.ok)).toHaveLength(6);
    // Between 1 (every refund first: 400 left) and 3 (every payout first) payouts fit; never a 4th.
    expect(payouts).toBeGreaterThanOrEqual(1);
    expect(payouts).toBeLessThanOrEqual(3);
    expect(await available(m)).toBe(1000 - 600 - 300 * payouts);
    expect((await checkLedger(ledger)).balanced).toBe(true);
  });

  it('success posts to the channel clearing with the fee to revenue; a return gives both back; a failure returns the reservation', async () => {
    const m = `m_${randomBytes(4).toString('hex')}`;
    await fundAvailable(m, 1000);
    const paid = money(m, 400, 5);
    const reserved = await reserve(paid);
    if (!reserved.reserved) throw new Error('expected a reservation');
    const success = payoutSuccessWrite(reserved.hold, 5, { entryId: newId('le'), feeEntryId: newId('le'), nowMs: Date.now() });
    expect(await ledger.post(success.write)).toEqual({ committed: true });
    expect(await available(m)).toBe(595);
    expect(await ledger.post({ entry: payoutReturnEntry(paid, { entryId: newId('le'), now: new Date().toISOString() }) })).toEqual({ committed: true });
    expect(await available(m)).toBe(1000);

    const failed = money(m, 700, 5);
    const second = await reserve(failed);
    if (!second.reserved) throw new Error('expected a reservation');
    expect(await available(m)).toBe(295);
    expect(await ledger.post(payoutFailureWrite(second.hold, { entryId: newId('le'), nowMs: Date.now() }).write)).toEqual({ committed: true });
    expect(await available(m)).toBe(1000);
    expect((await checkLedger(ledger)).balanced).toBe(true);
  });
});
