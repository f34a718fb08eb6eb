import { basisPoints } from './money.js';
import { paymentLines, type LedgerEntry } from './ledger.js';
import type { NextAction, Order, Payment } from './order.js';
import { assertTransition } from './order-state.js';

/** What one attempt at a channel produced, as the workflow carries it. */
export type AttemptOutcome =
  | { readonly outcome: 'succeeded' | 'authorized'; readonly channel: string; readonly channelPaymentId: string }
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
    };

export const OTP_ATTEMPTS = 3;

export interface OutcomeChange {
  readonly after: Order;
  readonly ledger?: LedgerEntry;
  readonly eventType?: 'order.succeeded' | 'order.authorized' | 'order.payment_failed';
}

/**
 * The state an order reaches when a claimed (PROCESSING) attempt ends. Pure: the caller commits `after`, the ledger
 * entry and the event in one transaction.
 */
export function applyOutcome(
  before: Order,
  result: AttemptOutcome,
  ctx: { readonly now: string; readonly feeBps: number; readonly ledgerEntryId: string },
): OutcomeChange {
  const payment = before.payment as Payment;
  const base = { ...before, version: before.version + 1, updatedAt: ctx.now };
  switch (result.outcome) {
    case 'succeeded': {
      assertTransition(before.status, 'SUCCEEDED');
      const fee = basisPoints(before.amount, ctx.feeBps);
      const after: Order = {
        ...base,
        status: 'SUCCEEDED',
        amountCaptured: before.amount,
        refundableRemaining: before.amount,
        capturedAt: ctx.now,
        lastPaymentError: null,
        payment: { ...payment, channel: result.channel, channelPaymentId: result.channelPaymentId, nextAction: null, fee },
      };
      const ledger: LedgerEntry = {
        id: ctx.ledgerEntryId,
        kind: 'payment',
        merchantId: before.merchantId,
        orderId: before.id,
        refundId: null,
        channel: result.channel,
        currency: before.currency,
        lines: paymentLines({ merchantId: before.merchantId, channel: result.channel, amount: before.amount, fee }),
        createdAt: ctx.now,
      };
      return { after, ledger, eventType: 'order.succeeded' };
    }
    case 'authorized':
      assertTransition(before.status, 'AUTHORIZED');
      return {
        after: {
          ...base,
          status: 'AUTHORIZED',
          lastPaymentError: null,
          payment: { ...payment, channel: result.channel, channelPaymentId: result.channelPaymentId, nextAction: null },
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
