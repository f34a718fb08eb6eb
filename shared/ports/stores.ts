import type { AttemptRouting } from '../domain/channel-ranking.js';
import type { MerchantFees } from '../domain/fees.js';
import type { LedgerEntry } from '../domain/ledger.js';
import type { HoldWrite } from '../ledger/holds.js';
import type { LedgerWriteFailure } from '../ledger/port.js';
import type { Attempt, AttemptPointer } from '../domain/attempt.js';
import type { Order, Refund } from '../domain/order.js';
import type { OrderStatus, RefundStatus } from '../domain/order-state.js';
import type { CounterIncrement, CounterKey, CounterValue } from '../domain/velocity.js';
import type { ChannelCallCount } from './channel-health.js';
import type { SealedBox } from './key-center.js';

/** Persistence ports. The DynamoDB adapters implement them against AWS and DynamoDB Local alike. */

export interface Merchant {
  readonly merchantId: string;
  readonly name: string;
  readonly status: 'active' | 'disabled';
  readonly sealedSecret: SealedBox;
  readonly notifyUrl: string | null;
  /** Orders above this amount get an OTP challenge; null uses the platform default. */
  readonly riskChallengeAmount: number | null;
  /** The platform's fee for this merchant in basis points; null uses the platform default. Superseded by `fees`. */
  readonly feeBps: number | null;
  /** The fee schedule per payment method (shared/domain/fees.ts); absent on merchants created before it, which pay `feeBps`. */
  readonly fees?: MerchantFees | null;
  readonly createdAt: string;
  /**
   * During a secret rotation, the secret it replaced, still verifying until `previousSecretExpiresAt` (docs/decisions.md,
   * 230). Absent or null when no rotation is in its grace period.
   */
  readonly previousSealedSecret?: SealedBox | null;
  readonly previousSecretExpiresAt?: string | null;
  /** When the current secret was issued by a rotation; absent for a merchant's first secret. */
  readonly secretRotatedAt?: string | null;
  /**
   * Requests per rolling minute this merchant may send, set by operations (PUT /ops/v1/merchants/{id}/rate-limit) and
   * enforced in front of the API, never read on a request (docs/decisions.md, 222-227); absent: the default, 6,000.
   */
  readonly rateLimitPerMinute?: number | null;
}

/** A rotation as stored: the new sealed secret, and the one it replaces while it keeps verifying (null: not at all). */
export interface SecretRotation {
  readonly sealedSecret: SealedBox;
  readonly previousSealedSecret: SealedBox | null;
  readonly previousSecretExpiresAt: string | null;
  readonly secretRotatedAt: string;
}

export interface MerchantStore {
  create(merchant: Merchant): Promise<void>;
  get(merchantId: string): Promise<Merchant | undefined>;
  /** Throws NotFoundError for an unknown merchant. */
  setStatus(merchantId: string, status: Merchant['status']): Promise<void>;
  /**
   * Stores a rotation if the merchant's sealed secret is still `replaced` (the one the rotation was computed from);
   * answers the merchant after it, or undefined when the condition failed (another rotation won, or no such merchant).
   */
  rotateSecret(merchantId: string, replaced: SealedBox, rotation: SecretRotation): Promise<Merchant | undefined>;
  /** Replaces the merchant's fee schedule; throws NotFoundError for an unknown merchant. */
  setFees(merchantId: string, fees: MerchantFees): Promise<void>;
}

/** An outbox record, written in the same transaction as the change it describes. */
export interface DomainEvent {
  readonly id: string;
  readonly type: string;
  readonly merchantId: string;
  readonly orderId: string;
  readonly objectType: 'order' | 'refund' | 'agreement' | 'payout';
  readonly objectId: string;
  readonly objectVersion: number;
  /** The public JSON of the object after the change (`data.object`). */
  readonly object: Record<string, unknown>;
  readonly notifyUrl: string | null;
  readonly createdAt: string;
}

/**
 * A signed request's nonce, recorded with the request's first conditional write instead of a write of its own: the
 * write, the nonce and the check that the merchant is active commit together, so a replay or a disabled merchant
 * fails before it changes anything. `recorded` turns
 * true once the nonce is stored (or found stored); the API layer records it on its own when the request wrote
 * nothing (docs/decisions.md, entry 37).
 */
export interface NonceGuard {
  readonly merchantId: string;
  readonly nonce: string;
  readonly nowMs: number;
  readonly windowMs: number;
  /**
   * The ciphertext of the sealed secret the request was signed with: the same write checks that this secret is still
   * live (current, or the replaced one in its grace), so a secret revoked in another container stops at once even
   * where a cached profile still holds it (docs/decisions.md, 232). Absent: the status alone is checked.
   */
  readonly secretCt?: string;
  recorded: boolean;
}

export interface OrderQuery {
  readonly merchantId: string;
  readonly status?: OrderStatus;
  readonly createdFrom?: string;
  readonly createdTo?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export type ReserveRefundResult = 'reserved' | 'duplicate' | 'rejected';

/**
 * One conditional transaction, built only by the state writer (shared/services/state-writer.ts), which checked every
 * status change in it against the state tables. The store writes what it is given and decides no status itself.
 */
export interface StateChange {
  /** The order, written whole if the stored one is still at `expect` (status and version). */
  readonly order?: { readonly after: Order; readonly expect: { readonly status: OrderStatus; readonly version: number } };
  /**
   * A claim without a read: the stored order is this merchant's, at `from` and not expired; it becomes `to` with the
   * payment summary, version + 1 (so of any number of concurrent claims exactly one commits).
   */
  readonly claim?: {
    readonly orderId: string;
    readonly merchantId: string;
    readonly from: OrderStatus;
    readonly to: OrderStatus;
    readonly payment: NonNullable<Order['payment']>;
    readonly nowMs: number;
  };
  /** Attempts, each written whole if the stored one is at `expect`, or created when `expect` is null. */
  readonly attempts?: readonly { readonly after: Attempt; readonly expect: { readonly status: string; readonly version: number } | null }[];
  /** Pointers to attempts; a pointer may be written again for the same attempt, never moved to another. */
  readonly pointers?: readonly AttemptPointer[];
  /** A refund, written whole if the stored one is still at `expect`. */
  readonly refund?: { readonly after: Refund; readonly expect: RefundStatus };
  /** A refund's effect on its order: add it to amountRefunded, moving the order to `toStatus` when given. */
  readonly refundTotals?: {
    readonly orderId: string;
    readonly merchantId: string;
    readonly amount: number;
    /** The condition: amountRefunded equals this (for the final refund) or is below it. */
    readonly refundedBefore: number;
    readonly toStatus: OrderStatus | null;
    readonly now: string;
  };
  /**
   * Names the channel the current attempt is about to be sent to (order.payment.channel), if the order is still
   * PROCESSING for that attempt: no status change and no version, so the janitor knows where to ask when the answer
   * is lost.
   */
  readonly attemptChannel?: { readonly orderId: string; readonly paymentId: string; readonly channel: string; readonly routing?: AttemptRouting };
  /** Gives a failed refund's reservation back to the order's refundable remainder. */
  readonly releaseRefund?: { readonly orderId: string; readonly amount: number };
  /** A balanced entry, posted with its balance items (a guarded account's debit on its condition). */
  readonly ledger?: LedgerEntry;
  /** The ledger hold this change places or ends, written on the state it was read in (shared/ledger/holds.ts). */
  readonly hold?: HoldWrite;
  /**
   * The hold's own entry when `ledger` carries another movement committed with it: a capture posts its
   * authorization's hold and books the payment in one transaction (docs/decisions.md, entry 139).
   */
  readonly holdEntry?: LedgerEntry;
  readonly event?: DomainEvent;
  /**
   * A debit's claim: the agreement it debits must still be ACTIVE when the claim commits (a ConditionCheck in the
   * same transaction), so a termination that committed first refuses the debit before any channel call.
   */
  readonly agreementActive?: { readonly agreementId: string };
  /**
   * A debit's claim under a channel's period rule: one more debit and `amount` on the period's counter, on the
   * condition that it stays within the limits, so concurrent debits cannot pass them (docs/decisions.md, 175).
   */
  readonly agreementPeriod?: AgreementPeriodCount;
  /** A successful charge added to its channel's usage for the day (its daily quota), on one shard of the counter. */
  readonly channelUsage?: { readonly channel: string; readonly currency: string; readonly amount: number; readonly nowMs: number };
  /** Record the request's nonce in the same transaction (see NonceGuard). */
  readonly guard?: NonceGuard;
  /** The attempt's velocity counters, added to in the same transaction as its outcome (docs/decisions.md, 217). */
  readonly velocity?: readonly CounterIncrement[];
  /** The charge's answered call, counted in its channel's health in the same transaction (docs/decisions.md, 204). */
  readonly channelCall?: ChannelCallCount;
}

/** Which part's condition failed when a StateChange did not commit. */
export type CommitOutcome =
  | { readonly committed: true }
  | { readonly committed: false; readonly failed: 'order' | 'attempt' | 'pointer' | 'refund' | 'refundTotals' | 'agreement' | 'agreementPeriod' | LedgerWriteFailure };

export interface AgreementPeriodCount {
  readonly agreementId: string;
  readonly period: number;
  readonly amount: number;
  readonly maxDebits: number;
  readonly maxAmount: number;
}

export interface OrderStore {
  /** Fails with DuplicateOutTradeNoError when the merchant already used the outTradeNo. */
  createOrder(order: Order, guard?: NonceGuard): Promise<void>;
  /**
   * Writes one StateChange in one TransactWriteItems (all or nothing). Only the state writer calls it. Throws
   * ReplayedRequestError / PermissionError for a guarded request whose nonce was seen or whose merchant is disabled.
   */
  commit(change: StateChange): Promise<CommitOutcome>;
  getOrder(orderId: string): Promise<Order | undefined>;
  findOrderIdByOutTradeNo(merchantId: string, outTradeNo: string): Promise<string | undefined>;
  listOrders(query: OrderQuery): Promise<{ orders: Order[]; nextCursor: string | null }>;
  /** The merchant's oldest order in a status (one item from the front of its status partition), if any. */
  oldestOrderInStatus(merchantId: string, status: OrderStatus): Promise<Order | undefined>;
  getAttempt(orderId: string, paymentId: string): Promise<Attempt | undefined>;
  /** The order's attempts, oldest first. */
  listAttempts(orderId: string): Promise<Attempt[]>;
  /** Follows a pointer: by the channel's payment id, or (channelPaymentId null) by our attempt id. */
  findAttempt(ref: { readonly channel: string | null; readonly channelPaymentId: string | null; readonly paymentId?: string }): Promise<{ orderId: string; paymentId: string } | undefined>;
  /** Holds the refund's amount against the order's refundable remainder, and the outRefundNo, atomically. */
  reserveRefund(refund: Refund): Promise<ReserveRefundResult>;
  getRefund(refundId: string): Promise<Refund | undefined>;
  findRefundByOutRefundNo(orderId: string, outRefundNo: string): Promise<Refund | undefined>;
  listRefunds(orderId: string): Promise<Refund[]>;
}

/** The ledger's own port (shared/ledger/port.ts), named here with the other stores that Deps carries. */
export type { BalanceRow, LedgerStore } from '../ledger/port.js';

export interface StoredResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export type IdempotencyBegin =
  | { readonly kind: 'started' }
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'in_progress' };

export interface IdempotencyStore {
  begin(merchantId: string, key: string, fingerprint: string, nowMs: number): Promise<IdempotencyBegin>;
  complete(merchantId: string, key: string, response: StoredResponse): Promise<void>;
  /** Forgets a request that failed with a server error, so that a retry runs it again. */
  release(merchantId: string, key: string): Promise<void>;
}

/** `recorded` the first time a nonce is seen within its window while its merchant is active. */
export type NonceOutcome = 'recorded' | 'replayed' | 'merchant_disabled';

export interface NonceStore {
  /** Records the nonce and checks, in the same write, that the merchant is active; a refused nonce is spent too. */
  record(nonce: Omit<NonceGuard, 'recorded'>): Promise<NonceOutcome>;
}

/**
 * The risk step's reads in one round trip: the claimed order, which of the blocklist keys are set, and the velocity
 * counters its rules need (by counterId; a bucket nobody counted in is absent).
 */
export interface RiskReads {
  load(
    orderId: string,
    lookups: readonly string[],
    counters?: readonly CounterKey[],
  ): Promise<{ order: Order | undefined; blocked: Set<string>; counters?: Map<string, CounterValue> }>;
}

/** A blocklist entry as operators list it. */
export interface BlocklistEntry {
  readonly key: string;
  readonly reason: string;
  readonly createdAt: string;
  readonly createdBy?: string;
}

/** Blocklist entries are written here; the risk step reads them through RiskReads, an agreement's screening here. */
export interface BlocklistStore {
  add(key: string, reason: string, createdBy?: string): Promise<void>;
  remove(key: string): Promise<void>;
  /** Which of these keys are on the blocklist, read strongly consistent. */
  find(keys: readonly string[]): Promise<Set<string>>;
}

/** The blocklist as the operations API shows it (docs/operations.md, "Risk"). */
export interface BlocklistListing {
  get(key: string): Promise<BlocklistEntry | undefined>;
  /** Oldest first; entries written before the list existed (no index attributes) are not listed. */
  list(page: { readonly limit: number; readonly cursor?: string }): Promise<{ data: BlocklistEntry[]; nextCursor: string | null }>;
}
