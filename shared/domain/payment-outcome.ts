import type { Attempt } from './attempt.js';
import type { Currency } from './money.js';
import { feeFor, type MerchantFees } from './fees.js';
import { balancePaymentLines, paymentLines, topupLines, type LedgerEntry, type LedgerLine } from './ledger.js';
import { BALANCE_CHANNEL } from './customer.js';
import type { NextAction, Order, Payment } from './order.js';
import { assertTransition, type AttemptStatus, type OrderStatus } from './order-state.js';

/**
 * What one attempt at a channel produced, as the workflow, confirm, close, a callback or the janitor's query carry
 * it. `amount`/`currency` are what the channel reported, when it did: the commit refuses them if they differ.
 */
export type AttemptOutcome =
  | {
      readonly outcome: 'succeeded' | 'authorized';
      readonly channel: string;
      readonly channelPaymentId: string;
      readonly amount?: number;
      readonly currency?: Currency;
    }
  | {
      readonly outcome: 'requires_action';
      readonly channel: string;
      readonly channelPaymentId: string;
      readonly nextAction: NextAction;
    }
  | {
      readonly outcome: 'declined';
      readonly channel: string | null;
      readonly channelPaymentId: string | null;
      readonly code: string;
      readonly message: string;
    }
  /** The attempt was cancelled (voided, closed) at its channel: a close ends the order with it. */
  | { readonly outcome: 'cancelled'; readonly channel: string | null; readonly channelPaymentId: string | null };

export const OTP_ATTEMPTS = 3;

/** Where each outcome leads: the order (when it is the order's current attempt) and the attempt itself. */
const OUTCOME_STATUSES: Readonly<Record<AttemptOutcome['outcome'], { readonly order: OrderStatus; readonly attempt: AttemptStatus }>> = {
  succeeded: { order: 'SUCCEEDED', attempt: 'SUCCEEDED' },
  authorized: { order: 'AUTHORIZED', attempt: 'AUTHORIZED' },
  requires_action: { order: 'REQUIRES_ACTION', attempt: 'REQUIRES_ACTION' },
  declined: { order: 'CREATED', attempt: 'FAILED' },
  cancelled: { order: 'CLOSED', attempt: 'CANCELLED' },
};

export const orderStatusAfter = (outcome: AttemptOutcome['outcome']): OrderStatus => OUTCOME_STATUSES[outcome].order;
export const attemptStatusOf = (outcome: AttemptOutcome['outcome']): AttemptStatus => OUTCOME_STATUSES[outcome].attempt;

/** The attempt after its outcome: status, channel ids, the sanitised answer appended, version + 1. */
export function attemptAfter(attempt: Attempt, result: AttemptOutcome, order: Order, now: string, late = false): Attempt {
  const payment = order.payment?.id === attempt.id ? order.payment : attempt;
  return {
    ...attempt,
    status: attemptStatusOf(result.outcome),
    channel: result.channel ?? attempt.channel,
    channelPaymentId: result.channelPaymentId ?? attempt.channelPaymentId,
    nextAction: result.outcome === 'requires_action' ? result.nextAction : null,
    fee: payment.fee,
    otpFailures: payment.otpFailures,
    ...(payment.amountAuthorized != null ? { amountAuthorized: payment.amountAuthorized, captureBefore: payment.captureBefore ?? null } : {}),
    failure: result.outcome === 'declined' ? { code: result.code, message: result.message } : attempt.failure,
    lateSuccess: attempt.lateSuccess || late,
    answers: [
      ...attempt.answers,
      { at: now, channel: result.channel, outcome: result.outcome, code: result.outcome === 'declined' ? result.code : null },
    ],
    updatedAt: now,
    version: attempt.version + 1,
  };
}

/**
 * The ledger entry of money taken from the payer: a captured payment, or the captured part of an authorization; a
 * balance payment debits the customer's balance, a top-up credits it (docs/decisions.md, entries 120 and 121).
 */
export function paymentEntry(
  order: Pick<Order, 'id' | 'merchantId' | 'outTradeNo' | 'currency' | 'purpose' | 'customerId' | 'payment'>,
  p: { id: string; channel: string; amount: number; fee: number; now: string },
): LedgerEntry {
  return {
    id: p.id,
    kind: 'payment',
    merchantId: order.merchantId,
    orderId: order.id,
    refundId: null,
    channel: p.channel,
    currency: order.currency,
    lines: paymentEntryLines(order, p),
    createdAt: p.now,
    outTradeNo: order.outTradeNo,
  };
}

function paymentEntryLines(
  order: Pick<Order, 'merchantId' | 'purpose' | 'customerId' | 'payment'>,
  p: { channel: string; amount: number; fee: number },
): LedgerLine[] {
  const customerId = order.payment?.customerId;
  if (p.channel === BALANCE_CHANNEL && customerId) return balancePaymentLines({ merchantId: order.merchantId, customerId, amount: p.amount });
  if (order.purpose === 'topup' && order.customerId) return topupLines({ merchantId: order.merchantId, customerId: order.customerId, ...p });
  return paymentLines({ merchantId: order.merchantId, ...p });
}

export interface OutcomeChange {
  readonly after: Order;
  readonly ledger?: LedgerEntry;
  readonly eventType?: 'order.succeeded' | 'order.authorized' | 'order.payment_failed' | 'order.closed';
}

/**
 * The state an order reaches when a claimed (PROCESSING) attempt ends. Pure: the caller commits `after`, the ledger
 * entry and the event in one transaction.
 */
export function applyOutcome(
  before: Order,
  result: AttemptOutcome,
  ctx: { readonly now: string; readonly fees: MerchantFees; readonly ledgerEntryId: string; readonly captureBefore?: string },
): OutcomeChange {
  const payment = before.payment as Payment;
  const base = { ...before, version: before.version + 1, updatedAt: ctx.now };
  switch (result.outcome) {
    case 'cancelled': {
      // A close's claim (or a challenged order) ends here once the channel cancelled the attempt.
      assertTransition(before.status, 'CLOSED');
      const reason = before.closeReason ?? 'merchant';
      return {
        after: {
          ...base,
          status: 'CLOSED',
          closedAt: reason === 'expired' ? before.expiresAt : ctx.now,
          closeReason: reason,
          payment: { ...payment, nextAction: null },
        },
        eventType: 'order.closed',
      };
    }
    case 'succeeded': {
      assertTransition(before.status, 'SUCCEEDED');
      const fee = feeFor(ctx.fees, payment.method, before.amount);
      const after: Order = {
        ...base,
        status: 'SUCCEEDED',
        amountCaptured: before.amount,
        refundableRemaining: before.amount,
        capturedAt: ctx.now,
        lastPaymentError: null,
        payment: { ...payment, channel: result.channel, channelPaymentId: result.channelPaymentId, nextAction: null, fee },
      };
      const ledger = paymentEntry(before, { id: ctx.ledgerEntryId, channel: result.channel, amount: before.amount, fee, now: ctx.now });
      return { after, ledger, eventType: 'order.succeeded' };
    }
    case 'authorized':
      assertTransition(before.status, 'AUTHORIZED');
      return {
        after: {
          ...base,
          status: 'AUTHORIZED',
          lastPaymentError: null,
          // The hold: the whole order amount, capturable until captureBefore (shared/domain/authorization.ts).
          payment: {
            ...payment,
            channel: result.channel,
            channelPaymentId: result.channelPaymentId,
            nextAction: null,
            amountAuthorized: before.amount,
            captureBefore: ctx.captureBefore ?? null,
          },
        },
        eventType: 'order.authorized',
      };
    case 'requires_action':
      assertTransition(before.status, 'REQUIRES_ACTION');
      return {
        after: {
          ...base,
          status: 'REQUIRES_ACTION',
          payment: {
            ...payment,
            channel: result.channel,
            channelPaymentId: result.channelPaymentId,
            nextAction: result.nextAction,
          },
        },
      };
    case 'declined':
      assertTransition(before.status, 'CREATED');
      return {
        after: {
          ...base,
          status: 'CREATED',
          payment: { ...payment, channel: result.channel, channelPaymentId: result.channelPaymentId, nextAction: null },
          lastPaymentError: { code: result.code, message: result.message, paymentId: payment.id, at: ctx.now },
        },
        eventType: 'order.payment_failed',
      };
  }
}
