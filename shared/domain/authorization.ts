import type { Attempt } from './attempt.js';
import type { CardBrand } from './card.js';
import type { LedgerEntry } from './ledger.js';
import { feeFor, type MerchantFees } from './fees.js';
import type { AuthorizationClaim, Order } from './order.js';
import { assertTransition } from './order-state.js';
import { paymentEntry } from './payment-outcome.js';

/**
 * Pre-authorization (contract, "Capture and void"): how long a hold lives, and the states a claimed authorization
 * reaches when its channel answers. Pure: the state writer commits what these return.
 */

/**
 * How long a channel keeps an authorization, as data (docs/decisions.md, entry 113). The first row that matches the
 * payment's channel and card brand wins; a row without `channel` or `brand` matches any. Networks differ (Visa
 * merchant-initiated ≈ 5 days, Mastercard 7, UnionPay pre-auth 30, some debit cards less): a brand's or a channel's
 * own window is one more row here, above the default, not a change of code. The platform's ceiling
 * (PAY_AUTHORIZATION_WINDOW_SECONDS, 7 days) caps every row, so the contract's 7 days is never exceeded and local
 * tests shorten every window at once.
 */
export interface AuthorizationWindowRule {
  readonly channel?: string;
  readonly brand?: CardBrand;
  readonly seconds: number;
}

export const AUTHORIZATION_WINDOWS: readonly AuthorizationWindowRule[] = [
  // The contract's window for every card and channel today.
  { seconds: 7 * 24 * 3600 },
];

export interface WindowContext {
  readonly channel: string | null;
  readonly brand: CardBrand | null;
}

/** The window of an authorization at `channel` for a card of `brand`, capped by the platform's ceiling. */
export function authorizationWindowSeconds(ctx: WindowContext, ceilingSeconds: number, rules: readonly AuthorizationWindowRule[] = AUTHORIZATION_WINDOWS): number {
  const row = rules.find((r) => (r.channel === undefined || r.channel === ctx.channel) && (r.brand === undefined || r.brand === ctx.brand));
  return Math.min(row?.seconds ?? ceilingSeconds, ceilingSeconds);
}

/**
 * The shortest window any channel could give a card of this brand: before routing picks the channel, the expiry timer
 * is set no later than this (it sets itself again for the real `captureBefore` when it fires early).
 */
export function earliestWindowSeconds(brand: CardBrand | null, ceilingSeconds: number, rules: readonly AuthorizationWindowRule[] = AUTHORIZATION_WINDOWS): number {
  const matching = rules.filter((r) => r.brand === undefined || r.brand === brand).map((r) => r.seconds);
  return Math.min(ceilingSeconds, ...matching);
}

/** `payment.captureBefore`: the authorization's instant plus its window. */
export function captureBeforeOf(authorizedAtMs: number, ctx: WindowContext, ceilingSeconds: number, rules?: readonly AuthorizationWindowRule[]): string {
  return new Date(authorizedAtMs + authorizationWindowSeconds(ctx, ceilingSeconds, rules) * 1000).toISOString();
}

/** The hold may no longer be captured: its window has passed (whether or not the expiry has voided it yet). */
export function isAuthorizationExpired(order: Pick<Order, 'payment'>, nowMs: number): boolean {
  const captureBefore = order.payment?.captureBefore;
  return typeof captureBefore === 'string' && Date.parse(captureBefore) <= nowMs;
}

/** AUTHORIZED → PROCESSING, marked with what is asked of the channel: the claim a capture, a void or the expiry makes. */
export function claimedAuthorization(order: Order, claim: Omit<AuthorizationClaim, 'claimedAt'>, now: string): Order {
  assertTransition(order.status, 'PROCESSING');
  return { ...order, status: 'PROCESSING', version: order.version + 1, updatedAt: now, authorizationClaim: { ...claim, claimedAt: now } };
}

/** What the channel did with a claimed authorization. */
export type AuthorizationOutcome =
  /** Captured this amount (at most the authorized amount); the channel released the rest of the hold. */
  | { readonly kind: 'captured'; readonly amount: number }
  /** The hold is gone at the channel (voided by us, or expired there). */
  | { readonly kind: 'voided' }
  /** Neither happened: the hold is still open, the order goes back to AUTHORIZED. */
  | { readonly kind: 'released' };

export interface AuthorizationChange {
  readonly after: Order;
  readonly attempt: Attempt;
  readonly ledger?: LedgerEntry;
  readonly eventType?: 'order.succeeded' | 'order.closed';
}

/**
 * The order and its attempt after the channel's answer to a claimed capture or void. A capture is the payment's
 * success for the captured amount: `amountCaptured`, the fee on it, and the same ledger entry a captured payment
 * posts (channel clearing debit, merchant credit net of the fee, fee revenue), for the captured amount only.
 */
export function applyAuthorizationOutcome(
  before: Order,
  attempt: Attempt,
  outcome: AuthorizationOutcome,
  ctx: { readonly now: string; readonly fees: MerchantFees; readonly ledgerEntryId: string },
): AuthorizationChange {
  const claim = before.authorizationClaim;
  const payment = before.payment;
  if (before.status !== 'PROCESSING' || !claim || !payment) throw new Error(`order ${before.id} holds no claimed authorization`);
  const base = { ...before, version: before.version + 1, updatedAt: ctx.now, authorizationClaim: null };
  const answered = (result: string) => [...attempt.answers, { at: ctx.now, channel: attempt.channel, outcome: result, code: null }];
  switch (outcome.kind) {
    case 'captured': {
      assertTransition(before.status, 'SUCCEEDED');
      const fee = feeFor(ctx.fees, payment.method, outcome.amount);
      const channel = payment.channel ?? 'unknown';
      const after: Order = {
        ...base,
        status: 'SUCCEEDED',
        amountCaptured: outcome.amount,
        refundableRemaining: outcome.amount,
        capturedAt: ctx.now,
        payment: { ...payment, fee },
      };
      const ledger = paymentEntry(before, { id: ctx.ledgerEntryId, channel, amount: outcome.amount, fee, now: ctx.now });
      const settled: Attempt = { ...attempt, status: 'SUCCEEDED', fee, answers: answered('captured'), updatedAt: ctx.now, version: attempt.version + 1 };
      return { after, attempt: settled, ledger, eventType: 'order.succeeded' };
    }
    case 'voided': {
      assertTransition(before.status, 'CLOSED');
      const after: Order = { ...base, status: 'CLOSED', closedAt: ctx.now, closeReason: claim.closeReason ?? 'authorization_expired' };
      const cancelled: Attempt = { ...attempt, status: 'CANCELLED', answers: answered('voided'), updatedAt: ctx.now, version: attempt.version + 1 };
      return { after, attempt: cancelled, eventType: 'order.closed' };
    }
    case 'released':
      assertTransition(before.status, 'AUTHORIZED');
      return { after: { ...base, status: 'AUTHORIZED' }, attempt };
  }
}
