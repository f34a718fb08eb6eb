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
  // before the order may read CLOSED. Expiry (read as CLOSED) ends it too.
  REQUIRES_ACTION: ['PROCESSING', 'CLOSED'],
  AUTHORIZED: ['SUCCEEDED', 'CLOSED'],
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
