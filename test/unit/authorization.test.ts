import { describe, expect, it } from 'vitest';
import type { Attempt } from '../../shared/domain/attempt.js';
import {
  applyAuthorizationOutcome,
  authorizationWindowSeconds,
  captureBeforeOf,
  claimedAuthorization,
  earliestWindowSeconds,
  isAuthorizationExpired,
  type AuthorizationWindowRule,
} from '../../shared/domain/authorization.js';
import { ConflictError } from '../../shared/domain/errors.js';
import { isBalanced } from '../../shared/domain/ledger.js';
import type { Order } from '../../shared/domain/order.js';

const DAY = 24 * 3600;
const CEILING = 7 * DAY;

describe('authorization windows are data', () => {
  it('every card gets the contract window, capped by PAY_AUTHORIZATION_WINDOW_SECONDS', () => {
    expect(authorizationWindowSeconds({ channel: 'card_a', brand: 'visa' }, CEILING)).toBe(CEILING);
    expect(authorizationWindowSeconds({ channel: 'unionpay', brand: 'unionpay' }, 5)).toBe(5);
    expect(captureBeforeOf(Date.parse('2026-11-22T08:00:00.000Z'), { channel: 'card_a', brand: 'visa' }, CEILING)).toBe('2026-11-29T08:00:00.000Z');
  });

  it('a brand or a channel gets its own window by one more row; the first matching row wins; the ceiling still caps', () => {
    const rules: AuthorizationWindowRule[] = [
      { brand: 'visa', seconds: 5 * DAY },
      { channel: 'unionpay', seconds: 30 * DAY },
      { seconds: 7 * DAY },
    ];
    expect(authorizationWindowSeconds({ channel: 'card_a', brand: 'visa' }, CEILING, rules)).toBe(5 * DAY);
    expect(authorizationWindowSeconds({ channel: 'card_a', brand: 'mastercard' }, CEILING, rules)).toBe(7 * DAY);
    expect(authorizationWindowSeconds({ channel: 'unionpay', brand: 'unionpay' }, CEILING, rules)).toBe(CEILING);
    // Before routing the channel is unknown: the expiry timer is set no later than any window the brand could get.
    expect(earliestWindowSeconds('visa', CEILING, rules)).toBe(5 * DAY);
    expect(earliestWindowSeconds('mastercard', CEILING, rules)).toBe(7 * DAY);
  });
});

const now = '2026-11-22T08:00:00.000Z';

function authorizedOrder(): Order {
  return {
    id: 'ord_1',
    merchantId: 'm_1',
    outTradeNo: 'A-1',
    amount: 5000,
    currency: 'CNY',
    status: 'AUTHORIZED',
    version: 3,
    amountCaptured: 0,
    amountRefunded: 0,
    refundableRemaining: 0,
    subject: 's',
    metadata: {},
    notifyUrl: null,
    payment: {
      id: 'pay_1',
      method: 'card',
      capture: false,
      channel: 'card_a',
      channelPaymentId: 'acq_1',
      card: null,
      payerId: null,
      nextAction: null,
      fee: 0,
      riskDecision: 'allow',
      otpFailures: 0,
      createdAt: now,
      amountAuthorized: 5000,
      captureBefore: '2026-11-29T08:00:00.000Z',
    },
    lastPaymentError: null,
    createdAt: now,
    expiresAt: now,
    updatedAt: now,
    capturedAt: null,
    closedAt: null,
    closeReason: null,
  };
}

function attemptOf(order: Order): Attempt {
  return { ...order.payment!, orderId: order.id, merchantId: order.merchantId, status: 'AUTHORIZED', amount: 5000, currency: 'CNY', answers: [], failure: null, lateSuccess: false, lateRefund: null, updatedAt: now, version: 2 };
}

describe('a claimed authorization ends with its channel\'s answer', () => {
  const ctx = { now: '2026-11-23T08:00:00.000Z', fees: { default: { bps: 60, fixed: 0 }, methods: {} }, ledgerEntryId: 'le_1' };

  it('the claim takes AUTHORIZED to PROCESSING with its marker; nothing else can be claimed', () => {
    const claimed = claimedAuthorization(authorizedOrder(), { kind: 'capture', amount: 3000, closeReason: null }, ctx.now);
    expect(claimed).toMatchObject({ status: 'PROCESSING', version: 4, authorizationClaim: { kind: 'capture', amount: 3000, claimedAt: ctx.now } });
    expect(() => claimedAuthorization({ ...authorizedOrder(), status: 'SUCCEEDED' }, { kind: 'void', amount: 5000, closeReason: 'voided' }, ctx.now)).toThrow(ConflictError);
  });

  it('captured: SUCCEEDED for the captured amount, fee on it, one balanced payment entry of that amount', () => {
    const claimed = claimedAuthorization(authorizedOrder(), { kind: 'capture', amount: 3000, closeReason: null }, ctx.now);
    const change = applyAuthorizationOutcome(claimed, attemptOf(claimed), { kind: 'captured', amount: 3000 }, ctx);
    expect(change.after).toMatchObject({ status: 'SUCCEEDED', amountCaptured: 3000, refundableRemaining: 3000, capturedAt: ctx.now, authorizationClaim: null, payment: { fee: 18, amountAuthorized: 5000 } });
    expect(change.attempt).toMatchObject({ status: 'SUCCEEDED', version: 3 });
    expect(change.eventType).toBe('order.succeeded');
    expect(change.ledger).toMatchObject({ kind: 'payment', orderId: 'ord_1', channel: 'card_a' });
    expect(isBalanced(change.ledger!.lines)).toBe(true);
    expect(change.ledger!.lines.filter((l) => l.direction === 'debit').reduce((sum, l) => sum + l.amount, 0)).toBe(3000);
  });

  it('voided: CLOSED with the claim\'s reason and order.closed, no ledger entry; released: AUTHORIZED again, no event', () => {
    const expiring = claimedAuthorization(authorizedOrder(), { kind: 'void', amount: 5000, closeReason: 'authorization_expired' }, ctx.now);
    const closed = applyAuthorizationOutcome(expiring, attemptOf(expiring), { kind: 'voided' }, ctx);
    expect(closed.after).toMatchObject({ status: 'CLOSED', closeReason: 'authorization_expired', closedAt: ctx.now, authorizationClaim: null });
    expect(closed.attempt.status).toBe('CANCELLED');
    expect(closed).toMatchObject({ eventType: 'order.closed' });
    expect(closed.ledger).toBeUndefined();

    const released = applyAuthorizationOutcome(expiring, attemptOf(expiring), { kind: 'released' }, ctx);
    expect(released.after).toMatchObject({ status: 'AUTHORIZED', version: 5, authorizationClaim: null });
    expect(released.eventType).toBeUndefined();
  });

  it('capture is refused once captureBefore has passed', () => {
    expect(isAuthorizationExpired(authorizedOrder(), Date.parse('2026-11-29T07:59:59.999Z'))).toBe(false);
    expect(isAuthorizationExpired(authorizedOrder(), Date.parse('2026-11-29T08:00:00.000Z'))).toBe(true);
  });
});
