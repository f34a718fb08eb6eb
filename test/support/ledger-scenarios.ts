import fc from 'fast-check';
import { newId } from '../../shared/domain/ids.js';
import { accounts } from '../../shared/ledger/accounts.js';
import type { StoredBalance } from '../../shared/ledger/check.js';
import { endHold, openHold } from '../../shared/ledger/hold-service.js';
import type { Hold } from '../../shared/ledger/holds.js';
import type { LedgerStore, LedgerWrite, MerchantBalances, PostOutcome } from '../../shared/ledger/port.js';
import { netChanges, reverseEntry, type LedgerEntry, type LedgerLine } from '../../shared/ledger/posting.js';
import { balancePaymentLines, paymentLines, refundLines, topupLines } from '../../shared/ledger/rules.js';
import { merchantBalanceIn } from '../../shared/ledger/reads.js';

/**
 * Random sequences of ledger movements (top-ups, card and balance payments, refunds, holds placed, posted, voided and
 * expired, reversals) for the property-based tests: run against an in-memory store (unit) and DynamoDB Local
 * (integration), then judged by the ledger check and by a model of what each guarded account may pay.
 */
export type LedgerOp =
  | { readonly op: 'topUp'; readonly customer: number; readonly amount: number }
  | { readonly op: 'cardPay'; readonly merchant: number; readonly amount: number; readonly feeBps: number }
  | { readonly op: 'balancePay'; readonly customer: number; readonly merchant: number; readonly amount: number }
  | { readonly op: 'refund'; readonly merchant: number; readonly amount: number }
  /** A balance payment's refund: from the merchant back to the customer's balance. */
  | { readonly op: 'balanceRefund'; readonly customer: number; readonly merchant: number; readonly amount: number }
  /** `toChannel`: a top-up's refund, held on the customer's balance for the channel (else a hold for the merchant). */
  | { readonly op: 'hold'; readonly customer: number; readonly merchant: number; readonly amount: number; readonly ttlMs: number; readonly toChannel: boolean }
  | { readonly op: 'post'; readonly hold: number; readonly amount: number | null }
  | { readonly op: 'void'; readonly hold: number }
  | { readonly op: 'expire'; readonly hold: number }
  | { readonly op: 'advance'; readonly ms: number }
  | { readonly op: 'reverse'; readonly entry: number };

const amount = fc.integer({ min: 1, max: 1500 });
const who = fc.integer({ min: 0, max: 1 });
/** Weighted so that most runs fund customers, place holds and then end them in every way. */
export const ledgerOp: fc.Arbitrary<LedgerOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('topUp' as const), customer: who, amount: fc.integer({ min: 1, max: 3000 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cardPay' as const), merchant: who, amount, feeBps: fc.integer({ min: 0, max: 300 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('balancePay' as const), customer: who, merchant: who, amount }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('refund' as const), merchant: who, amount }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('balanceRefund' as const), customer: who, merchant: who, amount }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('hold' as const), customer: who, merchant: who, amount, ttlMs: fc.integer({ min: 1, max: 10_000 }), toChannel: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('post' as const), hold: fc.nat(5), amount: fc.option(amount, { nil: null }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('void' as const), hold: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('expire' as const), hold: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 5_000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reverse' as const), entry: fc.nat(20) }) },
);

/** Runs the ops on `ledger`; throws when a guarded account's refusal (or acceptance) contradicts the model. */
export async function runScenario(ledger: LedgerStore, ops: readonly LedgerOp[], tag = newId('le').slice(-8)): Promise<void> {
  let nowMs = Date.parse('2026-11-27T10:00:00.000Z');
  const customerIds = [0, 1].map((i) => `cus_${tag}${i}`);
  const customers = customerIds.map((id) => accounts.customerBalance(id));
  const merchants = [0, 1].map((i) => `m_${tag}${i}`);
  const model = new Map<string, number>(customers.map((c) => [c, 0]));
  const holds: Hold[] = [];
  const reversible: LedgerEntry[] = [];
  const entry = (merchantId: string, kind: LedgerEntry['kind'], lines: LedgerLine[]): LedgerEntry => ({
    id: newId('le', nowMs), kind, merchantId, orderId: newId('ord', nowMs), refundId: null, channel: 'card_a', currency: 'CNY', lines, createdAt: new Date(nowMs).toISOString(),
  });
  /** Posts and checks the guard's verdict against the model: refused exactly when a guarded account would go below 0. */
  const post = async (e: LedgerEntry) => {
    const changes = netChanges(e.lines).filter((c) => c.policy.guard);
    const fits = changes.every((c) => (model.get(c.account) ?? 0) + c.change >= 0);
    const outcome: PostOutcome = await ledger.post({ entry: e });
    if (outcome.committed !== fits) throw new Error(`guard verdict ${JSON.stringify(outcome)} for ${JSON.stringify(changes)} with ${JSON.stringify([...model])}`);
    if (outcome.committed) {
      for (const c of changes) model.set(c.account, (model.get(c.account) ?? 0) + c.change);
      reversible.push(e);
    }
  };
  const refreshHold = async (i: number) => {
    const hold = holds[i % Math.max(holds.length, 1)];
    return hold && (await ledger.getHold(hold.id));
  };
  const tryEnd = async (i: number, ending: Parameters<typeof endHold>[2]) => {
    const hold = await refreshHold(i);
    if (!hold) return;
    try {
      const ended = await endHold(ledger, hold.id, ending, nowMs);
      const back = ended.status === 'POSTED' ? hold.amount - ended.postedAmount : hold.amount;
      model.set(hold.debitAccount, (model.get(hold.debitAccount) ?? 0) + back);
    } catch (error) {
      // The rules refuse these endings; anything else (an unbalanced entry, a store error) fails the run.
      if (!['hold_not_pending', 'hold_expired', 'hold_not_expired', 'exceeds_hold'].includes((error as { reason?: string }).reason ?? '')) throw error;
    }
  };

  for (const op of ops) {
    switch (op.op) {
      case 'topUp':
        await post(entry(merchants[0]!, 'payment', topupLines({ merchantId: merchants[0]!, customerId: customerIds[op.customer]!, channel: 'card_a', amount: op.amount, fee: Math.floor(op.amount / 100) })));
        break;
      case 'cardPay': {
        const fee = Math.floor((op.amount * op.feeBps) / 10_000);
        await post(entry(merchants[op.merchant]!, 'payment', paymentLines({ merchantId: merchants[op.merchant]!, channel: 'card_a', amount: op.amount, fee })));
        break;
      }
      case 'balancePay':
        await post(entry(merchants[op.merchant]!, 'payment', balancePaymentLines({ merchantId: merchants[op.merchant]!, customerId: customerIds[op.customer]!, amount: op.amount })));
        break;
      case 'refund': {
        const merchantId = merchants[op.merchant]!;
        const balance = await merchantBalanceIn(ledger, merchantId, 'CNY');
        await post(entry(merchantId, 'refund', refundLines({ merchantId, channel: 'card_a', amount: op.amount, balance })));
        break;
      }
      case 'balanceRefund': {
        const merchantId = merchants[op.merchant]!;
        const balance = await merchantBalanceIn(ledger, merchantId, 'CNY');
        await post(entry(merchantId, 'refund', refundLines({ merchantId, channel: 'balance', amount: op.amount, balance, customerId: customerIds[op.customer]! })));
        break;
      }
      case 'hold': {
        const customer = customers[op.customer]!;
        const merchantId = merchants[op.merchant]!;
        const spec = {
          id: `hold_${newId('le', nowMs).slice(3)}`, merchantId, orderId: newId('ord', nowMs), channel: 'balance', currency: 'CNY' as const, amount: op.amount,
          debitAccount: customer, creditAccount: op.toChannel ? accounts.channelClearing('card_a') : accounts.merchantPending(merchantId), expiresAt: new Date(nowMs + op.ttlMs).toISOString(),
        };
        const fits = (model.get(customer) ?? 0) >= op.amount;
        const placed = await openHold(ledger, spec, nowMs).then((h) => h, (e: { reason?: string }) => {
          if (e.reason !== 'insufficient_balance') throw e;
          return undefined;
        });
        if (Boolean(placed) !== fits) throw new Error(`hold of ${op.amount} ${placed ? 'placed' : 'refused'} with ${model.get(customer)}`);
        if (placed) {
          holds.push(placed);
          model.set(customer, model.get(customer)! - op.amount);
        }
        break;
      }
      case 'post':
        await tryEnd(op.hold, { kind: 'post', ...(op.amount === null ? {} : { amount: op.amount }) });
        break;
      case 'void':
        await tryEnd(op.hold, { kind: 'void' });
        break;
      case 'expire':
        await tryEnd(op.hold, { kind: 'expire' });
        break;
      case 'advance':
        nowMs += op.ms;
        break;
      case 'reverse': {
        const original = reversible[op.entry % Math.max(reversible.length, 1)];
        if (original) await post(reverseEntry(original, { id: newId('le', nowMs), now: new Date(nowMs).toISOString() }));
        break;
      }
    }
    for (const customer of customers) {
      const stored = await ledger.accountBalance(customer, 'CNY');
      if (stored < 0 || stored !== model.get(customer)) throw new Error(`${customer}: stored ${stored}, model ${model.get(customer)}`);
    }
  }
}

/**
 * The ledger in memory, with the store's semantics: a write commits whole or not at all; a guarded account's debit
 * needs its balance; a hold is created once and ended from its pending version, before or after its deadline.
 */
export class MemoryLedgerStore implements LedgerStore {
  private readonly entries: LedgerEntry[] = [];
  private readonly stored = new Map<string, StoredBalance>();
  private readonly holds = new Map<string, Hold>();

  async balances(merchantId: string): Promise<MerchantBalances> {
    const rows = (account: string) => [...this.stored.values()].filter((b) => b.account === account).map(({ currency, amount }) => ({ currency, amount }));
    return { available: rows(accounts.merchantAvailable(merchantId)), pending: rows(accounts.merchantPending(merchantId)) };
  }

  async accountBalance(account: string, currency: string): Promise<number> {
    return this.stored.get(`${currency} ${account}`)?.amount ?? 0;
  }

  async getHold(holdId: string): Promise<Hold | undefined> {
    return this.holds.get(holdId);
  }

  async post(write: LedgerWrite): Promise<PostOutcome> {
    const changes = write.entry ? netChanges(write.entry.lines).filter((c) => c.policy.storage !== 'derived') : [];
    const currency = write.entry?.currency ?? 'CNY';
    for (const c of changes) {
      if (c.policy.guard && c.change < 0 && (await this.accountBalance(c.account, currency)) + c.change < 0) return { committed: false, failed: 'balance' };
    }
    if (write.hold) {
      const current = this.holds.get(write.hold.after.id);
      const expect = write.hold.expect;
      const deadlineOk = !expect?.deadline || (expect.deadline.side === 'before' ? current!.expiresAt > expect.deadline.at : current!.expiresAt <= expect.deadline.at);
      const ok = expect === null ? !current : current?.status === expect.status && current.version === expect.version && deadlineOk;
      if (!ok) return { committed: false, failed: 'hold' };
      this.holds.set(write.hold.after.id, write.hold.after);
    }
    if (write.entry) this.entries.push(write.entry);
    for (const c of changes) {
      const key = `${currency} ${c.account}`;
      this.stored.set(key, { account: c.account, currency, amount: (this.stored.get(key)?.amount ?? 0) + c.change });
    }
    return { committed: true };
  }

  async *allEntries(): AsyncIterable<LedgerEntry> {
    yield* this.entries;
  }

  async allBalances(): Promise<StoredBalance[]> {
    return [...this.stored.values()];
  }

  async *allHolds(): AsyncIterable<Hold> {
    yield* this.holds.values();
  }
}
