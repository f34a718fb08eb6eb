import type { StoredBalance } from './check.js';
import type { Hold, HoldWrite } from './holds.js';
import type { LedgerEntry } from './posting.js';

/**
 * The ledger's port. Postings reach the store in two ways, written by the same adapter code: inside a state change's
 * one transaction (StateChange.ledger / .hold, committed by OrderStore.commit with the order, attempt or refund they
 * belong to), or on their own through `post` (holds and movements that change no order).
 */

/** One commit's ledger part: a balanced entry, and the hold it places or ends. */
export interface LedgerWrite {
  readonly entry?: LedgerEntry;
  readonly hold?: HoldWrite;
  /** The hold's own entry, when `entry` is another movement of the same commit (a capture: the payment). */
  readonly holdEntry?: LedgerEntry;
  /** Commits only while no refund with this id exists (the orphaned hold sweep: a reserved refund owns its hold). */
  readonly unlessRefund?: string;
  /**
   * Commits only while the merchant's `available` in this currency is, shard by shard, what was read: a payout's
   * guard on an account that has none of its own (docs/decisions.md, entry 156). A mismatch fails as `balance`.
   */
  readonly availableAsRead?: AvailableSnapshot;
}

/** A merchant's `available` in one currency as read, each shard's amount by shard number (missing = 0). */
export interface AvailableSnapshot {
  readonly merchantId: string;
  readonly currency: string;
  readonly shards: readonly number[];
}

/** The exact read a payout's reservation is conditioned on (strongly consistent). */
export interface AvailableShardReader {
  availableShards(merchantId: string, currency: string): Promise<AvailableSnapshot>;
}

/**
 * Why a ledger write did not commit: a guarded account would go below zero, the hold was no longer as read, or the
 * refund named by `unlessRefund` exists.
 */
export type LedgerWriteFailure = 'balance' | 'hold' | 'owner';

export type PostOutcome = { readonly committed: true } | { readonly committed: false; readonly failed: LedgerWriteFailure };

export interface BalanceRow {
  readonly currency: string;
  readonly amount: number;
}

/** A merchant's balance as GET /v1/balance shows it. */
export interface MerchantBalances {
  readonly available: readonly BalanceRow[];
  readonly pending: readonly BalanceRow[];
}

export interface LedgerStore {
  /** The merchant's `available` and `pending` per currency (its shards summed), strongly consistent. */
  balances(merchantId: string): Promise<MerchantBalances>;
  /** A `single`-storage account's balance in one currency (0 when it has none), strongly consistent. */
  accountBalance(account: string, currency: string): Promise<number>;
  getHold(holdId: string): Promise<Hold | undefined>;
  /** Writes one ledger write as its own transaction. */
  post(write: LedgerWrite): Promise<PostOutcome>;
  /**
   * The merchant's entries written on one UTC day (`YYYY-MM-DD`), oldest first, one page of the merchant's ledger
   * index at a time (a statement: docs/decisions.md, entry 178). Eventually consistent, as every index read is.
   */
  entriesOfDay(merchantId: string, day: string): AsyncIterable<readonly LedgerEntry[]>;
  /** Every entry, for audits and the check. Ops tooling, not an API path. */
  allEntries(): AsyncIterable<LedgerEntry>;
  /** Every stored balance (accounts kept in items), shards summed. Ops tooling. */
  allBalances(): Promise<StoredBalance[]>;
  /** Every hold. Ops tooling. */
  allHolds(): AsyncIterable<Hold>;
}
