import fc from 'fast-check';
import { newId } from '../../shared/domain/ids.js';
import { accounts } from '../../shared/ledger/accounts.js';
import { postedBalances, type StoredBalance } from '../../shared/ledger/check.js';
import { endHold, openHold } from '../../shared/ledger/hold-service.js';
import type { Hold } from '../../shared/ledger/holds.js';
import type { AvailableShardReader, LedgerStore, LedgerWrite, MerchantBalances, PostOutcome } from '../../shared/ledger/port.js';
import { payoutFailureWrite, payoutReturnEntry, payoutSuccessWrite, reserveAvailable, type PayoutMoney } from '../../shared/ledger/payouts.js';
import { settlementEntry, type Settlement } from '../../shared/ledger/settlement.js';
import type { PayoutAmounts } from '../../shared/ledger/statement.js';
import { netChanges, reverseEntry, type LedgerEntry, type LedgerLine } from '../../shared/ledger/posting.js';
import { balancePaymentLines, paymentLines, refundLines, topupLines } from '../../shared/ledger/rules.js';
import { merchantBalanceIn } from '../../shared/ledger/reads.js';
import { endAuthorizationHold, placeAuthorizationHold, type AuthorizationRef } from '../../shared/ledger/authorization-holds.js';
import type { AuthorizationOutcome } from '../../shared/domain/authorization.js';

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
  | { readonly op: 'reverse'; readonly entry: number }
  /** A card pre-authorization: the production memo hold (shared/ledger/authorization-holds.ts), no merchant account. */
  | { readonly op: 'authorize'; readonly merchant: number; readonly amount: number; readonly ttlMs: number }
  /** Its capture (≤ the amount; all of it when null), racing a void of the same authorization when `race`. */
  | { readonly op: 'capture'; readonly auth: number; readonly amount: number | null; readonly feeBps: number; readonly race: boolean }
  /** Its void: the merchant's, or the expiry's (`expiry`: an expire once expiresAt has come). */
  | { readonly op: 'voidAuth'; readonly auth: number; readonly expiry: boolean }
  /** A settlement run for one merchant: its pending to its available (the production run where the store has one). */
  | { readonly op: 'settle'; readonly merchant: number }
  /** A payout from available: reserved if it fits, then paid out, refused by the bank, or paid out and returned. */
  | { readonly op: 'payout'; readonly merchant: number; readonly amount: number; readonly fee: number; readonly outcome: 'paid' | 'failed' | 'returned' };

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
  { weight: 3, arbitrary: fc.record({ op: fc.constant('authorize' as const), merchant: who, amount, ttlMs: fc.integer({ min: 1, max: 10_000 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('capture' as const), auth: fc.nat(5), amount: fc.option(amount, { nil: null }), feeBps: fc.integer({ min: 0, max: 300 }), race: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('voidAuth' as const), auth: fc.nat(5), expiry: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('settle' as const), merchant: who }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('payout' as const), merchant: who, amount, fee: fc.integer({ min: 0, max: 100 }), outcome: fc.constantFrom('paid' as const, 'failed' as const, 'returned' as const) }),
  },
);

/** What a scenario made: its merchants (each starting at zero) and the payouts it reserved, for statements. */
export interface ScenarioResult {
  readonly merchants: readonly string[];
  readonly payouts: ReadonlyMap<string, PayoutAmounts>;
}

export interface ScenarioOptions {
  /** A settlement run for one merchant as of `nowMs`; without it, the run's ledger effect is posted directly. */
  readonly settle?: (merchantId: string, nowMs: number) => Promise<void>;
}

/** Runs the ops on `ledger`; throws when a guarded account's refusal (or acceptance) contradicts the model. */
export async function runScenario(ledger: LedgerStore, ops: readonly LedgerOp[], tag = newId('le').slice(-8), options: ScenarioOptions = {}): Promise<ScenarioResult> {
  let nowMs = Date.parse('2026-11-27T10:00:00.000Z');
  const customerIds = [0, 1].map((i) => `cus_${tag}${i}`);
  const customers = customerIds.map((id) => accounts.customerBalance(id));
  const merchants = [0, 1].map((i) => `m_${tag}${i}`);
  const model = new Map<string, number>(customers.map((c) => [c, 0]));
  const holds: Hold[] = [];
  const authorizations: AuthorizationRef[] = [];
  const reversible: LedgerEntry[] = [];
  const payouts = new Map<string, PayoutAmounts>();
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
      case 'authorize': {
        const a: AuthorizationRef = {
          orderId: newId('ord', nowMs), merchantId: merchants[op.merchant]!, currency: 'CNY', paymentId: newId('pay', nowMs), channel: 'card_a', amountAuthorized: op.amount,
          captureBefore: new Date(nowMs + op.ttlMs).toISOString(),
        };
        const step = placeAuthorizationHold(a, { entryId: newId('le', nowMs), nowMs });
        if (!(await ledger.post({ entry: step.entry, hold: step.write })).committed) throw new Error(`authorization hold ${a.paymentId} refused`);
        authorizations.push(a);
        break;
      }
      case 'capture': {
        const a = authorizations[op.auth % Math.max(authorizations.length, 1)];
        if (!a) break;
        const wasPending = (await ledger.getHold(a.paymentId))?.status === 'PENDING';
        const capture = authorizationEnding(ledger, a, { kind: 'captured', amount: Math.min(op.amount ?? a.amountAuthorized, a.amountAuthorized) }, null, nowMs, op.feeBps);
        const endings = op.race ? [capture, authorizationEnding(ledger, a, { kind: 'voided' }, 'voided', nowMs, 0)] : [capture];
        const committed = (await Promise.all(endings)).filter(Boolean).length;
        // Of a capture and a void of one authorization, exactly one ends its hold (none when it had already ended).
        const hold = (await ledger.getHold(a.paymentId))!;
        if (committed !== (wasPending ? 1 : 0) || hold.status === 'PENDING') throw new Error(`${committed} endings of authorization ${a.paymentId}, hold ${hold.status}`);
        break;
      }
      case 'voidAuth': {
        const a = authorizations[op.auth % Math.max(authorizations.length, 1)];
        if (a) await authorizationEnding(ledger, a, { kind: 'voided' }, op.expiry ? 'authorization_expired' : 'voided', nowMs, 0);
        break;
      }
      case 'settle':
        await (options.settle ?? settleDirectly(ledger))(merchants[op.merchant]!, nowMs);
        break;
      case 'payout': {
        const money: PayoutMoney = { payoutId: newId('po', nowMs), merchantId: merchants[op.merchant]!, channel: 'netbank', currency: 'CNY', amount: op.amount, fee: op.fee };
        if (await payoutOnce(ledger, money, op.outcome, nowMs)) payouts.set(money.payoutId, { amount: money.amount, fee: money.fee });
        break;
      }
    }
    for (const customer of customers) {
      const stored = await ledger.accountBalance(customer, 'CNY');
      if (stored < 0 || stored !== model.get(customer)) throw new Error(`${customer}: stored ${stored}, model ${model.get(customer)}`);
    }
  }
  // The authorizations memo holds exactly what this run's authorizations still hold (other runs share the channel).
  const mine = new Set(authorizations.map((a) => a.paymentId));
  const entries: LedgerEntry[] = [];
  for await (const e of ledger.allEntries()) if (e.holdId && mine.has(e.holdId)) entries.push(e);
  const memo = postedBalances(entries).get(`CNY ${accounts.authorizations('card_a')}`)?.amount ?? 0;
  let open = 0;
  for (const a of authorizations) {
    const hold = await ledger.getHold(a.paymentId);
    if (hold?.status === 'PENDING') open += hold.amount;
  }
  if (memo !== open) throw new Error(`authorizations memo ${memo}, open authorization holds ${open}`);
  return { merchants, payouts };
}

/** A settlement's ledger effect alone: the merchant's whole pending (when positive) to its available. */
function settleDirectly(ledger: LedgerStore) {
  return async (merchantId: string, nowMs: number): Promise<void> => {
    const { pending } = await merchantBalanceIn(ledger, merchantId, 'CNY');
    const batch = { id: newId('stl', nowMs), merchantId, currency: 'CNY', net: pending } as Settlement;
    const entry = pending > 0 ? settlementEntry(batch, { id: newId('le', nowMs), now: new Date(nowMs).toISOString() }) : undefined;
    if (entry && !(await ledger.post({ entry })).committed) throw new Error(`settlement of ${merchantId} refused`);
  };
}

/**
 * A payout's money as the payout service moves it (shared/ledger/payouts.ts): reserved from available on the
 * condition that it is as read, then ended. False when it did not fit.
 */
async function payoutOnce(ledger: LedgerStore, p: PayoutMoney, outcome: 'paid' | 'failed' | 'returned', nowMs: number): Promise<boolean> {
  const reader = ledger as Partial<AvailableShardReader>;
  const read = async () =>
    reader.availableShards ? reader.availableShards(p.merchantId, p.currency) : { merchantId: p.merchantId, currency: p.currency, shards: [(await merchantBalanceIn(ledger, p.merchantId, p.currency)).available] };
  const reserved = await reserveAvailable(p, { read, commit: (write) => ledger.post(write), entryId: () => newId('le', nowMs), nowMs: () => nowMs });
  if (!reserved.reserved) return false;
  const ctx = { entryId: newId('le', nowMs), feeEntryId: newId('le', nowMs), nowMs };
  const ending = outcome === 'failed' ? payoutFailureWrite(reserved.hold, ctx) : payoutSuccessWrite(reserved.hold, p.fee, ctx);
  if (!(await ledger.post(ending.write)).committed) throw new Error(`payout ${p.payoutId}: its ending did not commit`);
  if (outcome === 'returned' && !(await ledger.post({ entry: payoutReturnEntry(p, { entryId: newId('le', nowMs), now: new Date(nowMs).toISOString() }) })).committed) {
    throw new Error(`payout ${p.payoutId}: its return did not commit`);
  }
  return true;
}

/**
 * One ending of an authorization as the state writer commits it: the hold's step and, for a capture, the payment
 * entry of the captured amount (the same lines a captured payment posts), in one write. True when it committed.
 */
async function authorizationEnding(ledger: LedgerStore, a: AuthorizationRef, outcome: AuthorizationOutcome, closeReason: string | null, nowMs: number, feeBps: number): Promise<boolean> {
  const step = endAuthorizationHold(await ledger.getHold(a.paymentId), outcome, closeReason, { entryId: newId('le', nowMs), nowMs });
  if (!step) return false;
  const now = new Date(nowMs).toISOString();
  const payment: LedgerEntry | undefined =
    outcome.kind === 'captured'
      ? {
          id: newId('le', nowMs), kind: 'payment', merchantId: a.merchantId, orderId: a.orderId, refundId: null, channel: a.channel, currency: 'CNY', createdAt: now,
          lines: paymentLines({ merchantId: a.merchantId, channel: a.channel, amount: outcome.amount, fee: Math.floor((outcome.amount * feeBps) / 10_000) }),
        }
      : undefined;
  const written = await ledger.post(payment ? { entry: payment, hold: step.write, holdEntry: step.entry } : { entry: step.entry, hold: step.write });
  if (!written.committed && written.failed !== 'hold') throw new Error(`authorization ${a.paymentId}: ${written.failed}`);
  return written.committed;
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
    const written = [write.entry, write.holdEntry].filter((e): e is LedgerEntry => e !== undefined);
    const changes = netChanges(written.flatMap((e) => e.lines)).filter((c) => c.policy.storage !== 'derived');
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
    this.entries.push(...written);
    for (const c of changes) {
      const key = `${currency} ${c.account}`;
      this.stored.set(key, { account: c.account, currency, amount: (this.stored.get(key)?.amount ?? 0) + c.change });
    }
    return { committed: true };
  }

  async *entriesOfDay(merchantId: string, day: string): AsyncIterable<readonly LedgerEntry[]> {
    const key = (e: LedgerEntry) => `${e.createdAt}#${e.id}`;
    const mine = this.entries.filter((e) => e.merchantId === merchantId && e.createdAt.startsWith(`${day}T`)).sort((a, b) => key(a).localeCompare(key(b)));
    // Small pages, so that whatever reads them is exercised across page boundaries.
    for (let i = 0; i < mine.length; i += 7) yield mine.slice(i, i + 7);
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
