import { ConflictError } from './errors.js';

/**
 * The order state machine from the contract. Every stored transition is also a conditional write on the `from`
 * status, so this table is the one place that says which writes may exist.
 */
export const ORDER_STATUSES = [
  'CREATED',
  'PROCESSING',
  'REQUIRES_ACTION',
  'AUTHORIZED',
  'SUCCEEDED',
  'REFUNDED',
  'CLOSED',
] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number];

const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  // A pay attempt claims the order.
  CREATED: ['PROCESSING', 'CLOSED'],
  // The attempt ends: success, authorization, a challenge, or a decline (back to CREATED with lastPaymentError).
  // CLOSED only for a close's own claim (closeReason set), once the channel cancelled the attempt (decisions, 44).
  PROCESSING: ['SUCCEEDED', 'AUTHORIZED', 'REQUIRES_ACTION', 'CREATED', 'CLOSED'],
  // Confirming a challenge claims the order again; so does closing it, which must cancel the attempt at the channel
  // before the order may read CLOSED. Expiry (read as CLOSED) ends it too. An asynchronous channel (wallet, bank)
  // reports the payer's action by callback or query, which ends the attempt directly (docs/decisions.md, entry 75).
  REQUIRES_ACTION: ['PROCESSING', 'SUCCEEDED', 'AUTHORIZED', 'CREATED', 'CLOSED'],
  // A capture or a void claims the authorization first (PROCESSING, with its authorizationClaim), so of a capture and
  // a void (or two captures) exactly one reaches the channel; the channel's answer then ends it SUCCEEDED or CLOSED,
  // or gives it back AUTHORIZED (docs/decisions.md, entry 114).
  AUTHORIZED: ['PROCESSING', 'SUCCEEDED', 'CLOSED'],
  SUCCEEDED: ['REFUNDED'],
  REFUNDED: [],
  CLOSED: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) {
    throw new ConflictError('invalid_state_transition', `An order cannot go from ${from} to ${to}.`);
  }
}

/** Statuses from which an order may still be closed by the merchant or by expiry. */
export const CLOSABLE: readonly OrderStatus[] = ['CREATED', 'REQUIRES_ACTION'];

/**
 * The state machine of one pay attempt (docs/decisions.md, entry 74). An attempt is final once SUCCEEDED, FAILED or
 * CANCELLED; UNKNOWN is "the channel did not say" and only a callback or the janitor's query ends it.
 */
export const ATTEMPT_STATUSES = [
  'PROCESSING',
  'REQUIRES_ACTION',
  'AUTHORIZED',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'UNKNOWN',
] as const;

export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

const ATTEMPT_TRANSITIONS: Readonly<Record<AttemptStatus, readonly AttemptStatus[]>> = {
  PROCESSING: ['REQUIRES_ACTION', 'AUTHORIZED', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'UNKNOWN'],
  // The payer acts (confirm claims it back to PROCESSING) or the channel reports by callback or query.
  REQUIRES_ACTION: ['PROCESSING', 'AUTHORIZED', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'UNKNOWN'],
  AUTHORIZED: ['SUCCEEDED', 'CANCELLED'],
  UNKNOWN: ['AUTHORIZED', 'SUCCEEDED', 'FAILED', 'CANCELLED'],
  SUCCEEDED: [],
  FAILED: [],
  // A channel that reports success for an attempt we cancelled or gave up on took the payer's money after all: its
  // truth wins (the attempt reads SUCCEEDED, flagged lateSuccess, and is refunded), the order is not reopened.
  CANCELLED: ['SUCCEEDED'],
};

const LATE_ONLY: ReadonlySet<string> = new Set(['CANCELLED>SUCCEEDED']);

export const FINAL_ATTEMPT_STATUSES: readonly AttemptStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export function canAttemptTransition(from: AttemptStatus, to: AttemptStatus, late = false): boolean {
  if (!ATTEMPT_TRANSITIONS[from].includes(to)) return false;
  return late || !LATE_ONLY.has(`${from}>${to}`);
}

export function assertAttemptTransition(from: AttemptStatus, to: AttemptStatus, late = false): void {
  if (!canAttemptTransition(from, to, late)) {
    throw new ConflictError('invalid_state_transition', `A payment attempt cannot go from ${from} to ${to}.`);
  }
}

/** A refund's state machine: reserved (PROCESSING), then the channel's answer ends it. */
export type RefundStatus = 'PROCESSING' | 'SUCCEEDED' | 'FAILED';

const REFUND_TRANSITIONS: Readonly<Record<RefundStatus, readonly RefundStatus[]>> = {
  PROCESSING: ['SUCCEEDED', 'FAILED'],
  SUCCEEDED: [],
  FAILED: [],
};

export function assertRefundTransition(from: RefundStatus, to: RefundStatus): void {
  if (!REFUND_TRANSITIONS[from].includes(to)) {
    throw new ConflictError('invalid_state_transition', `A refund cannot go from ${from} to ${to}.`);
  }
}
