import type { LedgerEntry } from '../ledger/posting.js';
import type { Settlement, SettleItem } from '../ledger/settlement.js';

/** Settlement's persistence (shared/adapters/dynamodb/settlement-store.ts; docs/decisions.md, entries 151–152). */
export interface SettlementStore {
  /** Unclaimed settle items: credits created at or before `creditsUpTo`, debits at or before `debitsUpTo`, by index. */
  dueItems(cut: { readonly creditsUpTo: string; readonly debitsUpTo: string }): AsyncIterable<SettleItem>;
  /** Batches still OPEN (a run that died before settling one leaves it so). */
  openBatches(): AsyncIterable<Settlement>;
  /** The merchant's OPEN batch in the currency: the one that exists, or `candidate`, created with its pointer. */
  openBatch(candidate: Settlement): Promise<Settlement>;
  /**
   * Claims the item into the OPEN batch, adding its figures to the batch's totals, in one transaction: `taken` when
   * another claim had it, `closed` when the batch is no longer OPEN (nothing written either way).
   */
  claim(item: SettleItem, batchId: string): Promise<'claimed' | 'taken' | 'closed'>;
  /**
   * Settles the batch as read (status OPEN and `count` unchanged), posting `entry` and deleting its OPEN pointer in the
   * same transaction: `changed` when a claim or another run's close came in between (nothing written).
   */
  close(batch: Settlement, entry: LedgerEntry | undefined, settledAt: string): Promise<'settled' | 'changed'>;
  get(settlementId: string): Promise<Settlement | undefined>;
  /** A merchant's SETTLED batches, newest first. */
  list(merchantId: string, page: { readonly limit: number; readonly cursor?: string }): Promise<{ settlements: Settlement[]; nextCursor: string | null }>;
}
