import type { LedgerEntry } from '../domain/ledger.js';
import type { Order, Refund } from '../domain/order.js';
import type { OrderStatus } from '../domain/order-state.js';
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
  /** The platform's fee for this merchant in basis points; null uses the platform default. */
  readonly feeBps: number | null;
  readonly createdAt: string;
}

export interface MerchantStore {
  create(merchant: Merchant): Promise<void>;
  get(merchantId: string): Promise<Merchant | undefined>;
  setStatus(merchantId: string, status: Merchant['status']): Promise<void>;
}

/** An outbox record, written in the same transaction as the change it describes. */
export interface DomainEvent {
  readonly id: string;
  readonly type: string;
  readonly merchantId: string;
  readonly orderId: string;
  readonly objectType: 'order' | 'refund';
  readonly objectId: string;
  readonly objectVersion: number;
  /** The public JSON of the object after the change (`data.object`). */
  readonly object: Record<string, unknown>;
  readonly notifyUrl: string | null;
  readonly createdAt: string;
}

export interface OrderTransition {
  readonly before: Order;
  readonly after: Order;
  readonly ledger?: LedgerEntry;
  readonly event?: DomainEvent;
  /** Record the request's nonce in the same transaction (see NonceGuard). */
  readonly guard?: NonceGuard;
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

export interface RefundCompletion {
  readonly order: Order;
  readonly refund: Refund;
  readonly ledger: LedgerEntry;
  readonly event: DomainEvent;
}

export interface RefundFailure {
  readonly refund: Refund;
  readonly event: DomainEvent;
}

export interface OrderStore {
  /** Fails with DuplicateOutTradeNoError when the merchant already used the outTradeNo. */
  createOrder(order: Order, guard?: NonceGuard): Promise<void>;
  /**
   * One conditional write: the order is this merchant's, CREATED and not expired; it becomes PROCESSING with the
   * payment, version + 1. false when the condition fails (the caller reads the order to say why).
   */
  claimPayment(claim: PaymentClaim): Promise<boolean>;
  getOrder(orderId: string): Promise<Order | undefined>;
  findOrderIdByOutTradeNo(merchantId: string, outTradeNo: string): Promise<string | undefined>;
  listOrders(query: OrderQuery): Promise<{ orders: Order[]; nextCursor: string | null }>;
  /** Writes `after` if the stored order is still `before` (same version); false if it changed meanwhile. */
  transition(transition: OrderTransition): Promise<boolean>;
  /** Holds the refund's amount against the order's refundable remainder, and the outRefundNo, atomically. */
  reserveRefund(refund: Refund): Promise<ReserveRefundResult>;
  completeRefund(completion: RefundCompletion): Promise<void>;
  failRefund(failure: RefundFailure): Promise<void>;
  getRefund(refundId: string): Promise<Refund | undefined>;
  findRefundByOutRefundNo(orderId: string, outRefundNo: string): Promise<Refund | undefined>;
  listRefunds(orderId: string): Promise<Refund[]>;
}

export interface BalanceRow {
  readonly currency: string;
  readonly amount: number;
}

export interface LedgerStore {
  balances(merchantId: string): Promise<BalanceRow[]>;
  /** Every entry, for audits and the trial balance. Ops tooling, not an API path. */
  allEntries(): AsyncIterable<LedgerEntry>;
}

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

/** The risk step's reads in one round trip: the claimed order and which of the blocklist keys are set. */
export interface RiskReads {
  load(orderId: string, lookups: readonly string[]): Promise<{ order: Order | undefined; blocked: Set<string> }>;
}

/** Claims an order for a payment (CREATED → PROCESSING) without reading it first. */
export interface PaymentClaim {
  readonly orderId: string;
  readonly merchantId: string;
  readonly payment: NonNullable<Order['payment']>;
  readonly nowMs: number;
  readonly guard?: NonceGuard;
}

/** Blocklist entries are written here; the risk step reads them through RiskReads. */
export interface BlocklistStore {
  add(key: string, reason: string): Promise<void>;
  remove(key: string): Promise<void>;
}
