import { accounts } from './accounts.js';
import { netChanges, type LedgerEntry } from './posting.js';

/**
 * Settlement (T+1, docs/decisions.md entries 151–153): what each posting to a merchant's `pending` contributes to the
 * batch that later moves it to `available`. Pure: the store writes a settle item with the posting's own transaction,
 * and a settlement run claims those items into batches.
 */

/** One posting's part in settlement: `net` is its signed change of the merchant's pending. */
export interface SettleItem {
  readonly entryId: string;
  readonly merchantId: string;
  readonly currency: string;
  readonly orderId: string;
  readonly kind: LedgerEntry['kind'];
  /**
   * `credit` (money into pending: due `settlementDelay` after `createdAt`) or `debit` (a refund or a fee drawn from
   * pending: due at once, so the next batch never moves money out of pending that a refund already took).
   */
  readonly side: 'credit' | 'debit';
  readonly gross: number;
  readonly fees: number;
  readonly refunds: number;
  readonly net: number;
  readonly createdAt: string;
}

export type SettlementStatus = 'OPEN' | 'SETTLED';

/** A settlement batch: one merchant, one currency; OPEN while a run claims items into it, SETTLED once posted. */
export interface Settlement {
  readonly id: string;
  readonly merchantId: string;
  readonly currency: string;
  readonly status: SettlementStatus;
  readonly count: number;
  readonly gross: number;
  readonly fees: number;
  readonly refunds: number;
  readonly net: number;
  /** The ledger entry that moved `net`; null while OPEN or when the batch nets to zero. */
  readonly ledgerEntryId: string | null;
  readonly createdAt: string;
  readonly settledAt: string | null;
}

/**
 * The settle item a ledger entry carries, or undefined when it does not change a merchant's pending (or is itself a
 * settlement). A refund's debit counts as `refunds`; any other debit of pending is a fee paid from it (a top-up's, entry
 * 120); a credit is the payment's gross with the platform's fee from the same entry.
 */
export function settleItemOf(entry: LedgerEntry): SettleItem | undefined {
  if (entry.kind === 'settlement') return undefined;
  const pending = netChanges(entry.lines).find((row) => row.policy.kind === 'merchant_pending');
  if (!pending) return undefined;
  const fee = netChanges(entry.lines).find((row) => row.account === accounts.feeRevenue())?.change ?? 0;
  const net = pending.change;
  const base = { entryId: entry.id, merchantId: pending.policy.merchantId!, currency: entry.currency, orderId: entry.orderId, kind: entry.kind, net, createdAt: entry.createdAt };
  if (net > 0) return { ...base, side: 'credit', gross: net + fee, fees: fee, refunds: 0 };
  if (entry.kind === 'refund') return { ...base, side: 'debit', gross: 0, fees: 0, refunds: -net };
  return { ...base, side: 'debit', gross: 0, fees: -net, refunds: 0 };
}

/** The ledger entry that settles a batch: its net from pending to available (the other way when it nets negative). */
export function settlementEntry(batch: Settlement, ctx: { readonly id: string; readonly now: string }): LedgerEntry | undefined {
  if (batch.net === 0) return undefined;
  const amount = Math.abs(batch.net);
  const [from, to] = batch.net > 0 ? [accounts.merchantPending(batch.merchantId), accounts.merchantAvailable(batch.merchantId)] : [accounts.merchantAvailable(batch.merchantId), accounts.merchantPending(batch.merchantId)];
  return {
    id: ctx.id,
    kind: 'settlement',
    merchantId: batch.merchantId,
    orderId: batch.id,
    refundId: null,
    channel: 'settlement',
    currency: batch.currency as LedgerEntry['currency'],
    lines: [
      { account: from, direction: 'debit', amount },
      { account: to, direction: 'credit', amount },
    ],
    createdAt: ctx.now,
  };
}
