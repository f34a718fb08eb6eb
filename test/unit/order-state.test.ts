import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/domain/errors.js';
import {
  assertAttemptTransition,
  assertRefundTransition,
  assertTransition,
  ATTEMPT_STATUSES,
  canAttemptTransition,
  canTransition,
  CLOSABLE,
  ORDER_STATUSES,
  type OrderStatus,
} from '../../shared/domain/order-state.js';

/** The contract's state machine, written out independently of the implementation's table (plus the close's claim). */
const ALLOWED = new Set([
  'CREATED>PROCESSING',
  'CREATED>CLOSED',
  'PROCESSING>SUCCEEDED',
  'PROCESSING>AUTHORIZED',
  'PROCESSING>REQUIRES_ACTION',
  'PROCESSING>CREATED',
  // A close's own claim ends here once the channel cancelled the attempt (docs/decisions.md, entry 44).
  'PROCESSING>CLOSED',
  'REQUIRES_ACTION>PROCESSING',
  // An asynchronous channel's callback or query ends a wallet or bank attempt directly (decisions, entry 75).
  'REQUIRES_ACTION>SUCCEEDED',
  'REQUIRES_ACTION>AUTHORIZED',
  'REQUIRES_ACTION>CREATED',
  'REQUIRES_ACTION>CLOSED',
  // A capture's or a void's claim of the authorization; the channel's answer ends it (docs/decisions.md, entry 114).
  'AUTHORIZED>PROCESSING',
  'AUTHORIZED>SUCCEEDED',
  'AUTHORIZED>CLOSED',
  'SUCCEEDED>REFUNDED',
]);

describe('order state machine', () => {
  it('allows exactly the contract transitions, and refuses every other pair', () => {
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) {
        expect(canTransition(from, to), `${from} -> ${to}`).toBe(ALLOWED.has(`${from}>${to}`));
      }
    }
  });

  it('makes REFUNDED and CLOSED terminal', () => {
    for (const terminal of ['REFUNDED', 'CLOSED'] as OrderStatus[]) {
      expect(ORDER_STATUSES.filter((to) => canTransition(terminal, to))).toEqual([]);
    }
  });

  it('answers a forbidden transition with a 409 conflict naming both states', () => {
    expect(() => assertTransition('CREATED', 'PROCESSING')).not.toThrow();
    expect(() => assertTransition('SUCCEEDED', 'CREATED')).toThrow(ConflictError);
    expect(() => assertTransition('CLOSED', 'PROCESSING')).toThrow(
      expect.objectContaining({ statusCode: 409, code: 'invalid_state_transition', message: expect.stringContaining('CLOSED') }),
    );
  });

  it('lets only unpaid orders be closed', () => {
    expect([...CLOSABLE].sort()).toEqual(['CREATED', 'REQUIRES_ACTION']);
    for (const status of CLOSABLE) expect(canTransition(status, 'CLOSED')).toBe(true);
  });
});

describe('attempt state machine', () => {
  it('ends an attempt once: SUCCEEDED and FAILED are terminal, CANCELLED only yields to a late success', () => {
    for (const to of ATTEMPT_STATUSES) {
      expect(canAttemptTransition('SUCCEEDED', to), `SUCCEEDED -> ${to}`).toBe(false);
      expect(canAttemptTransition('FAILED', to), `FAILED -> ${to}`).toBe(false);
      expect(canAttemptTransition('CANCELLED', to), `CANCELLED -> ${to}`).toBe(false);
    }
    expect(canAttemptTransition('CANCELLED', 'SUCCEEDED', true)).toBe(true);
    expect(canAttemptTransition('CANCELLED', 'AUTHORIZED', true)).toBe(false);
    expect(() => assertAttemptTransition('CANCELLED', 'SUCCEEDED')).toThrow(expect.objectContaining({ code: 'invalid_state_transition' }));
  });

  it('lets a challenge or an unknown outcome be settled by the channel, and a confirm or close claim a challenge', () => {
    for (const to of ['SUCCEEDED', 'AUTHORIZED', 'FAILED', 'CANCELLED'] as const) {
      expect(canAttemptTransition('REQUIRES_ACTION', to)).toBe(true);
      expect(canAttemptTransition('UNKNOWN', to)).toBe(true);
    }
    expect(canAttemptTransition('REQUIRES_ACTION', 'PROCESSING')).toBe(true);
    expect(canAttemptTransition('UNKNOWN', 'PROCESSING')).toBe(false);
    expect(canAttemptTransition('AUTHORIZED', 'FAILED')).toBe(false);
  });
});

describe('refund state machine', () => {
  it('moves a refund only out of PROCESSING', () => {
    expect(() => assertRefundTransition('PROCESSING', 'SUCCEEDED')).not.toThrow();
    expect(() => assertRefundTransition('PROCESSING', 'FAILED')).not.toThrow();
    expect(() => assertRefundTransition('SUCCEEDED', 'FAILED')).toThrow(ConflictError);
    expect(() => assertRefundTransition('FAILED', 'SUCCEEDED')).toThrow(ConflictError);
  });
});
