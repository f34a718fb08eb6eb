import type { Currency } from './money.js';
import type { Order, Payment } from './order.js';
import type { AttemptStatus } from './order-state.js';
import type { RiskDecision } from './risk.js';

/**
 * One pay attempt, an item of its own under its order (docs/data-model.md, "Attempt"). `order.payment` is the
 * contract's summary of the current attempt; the attempts keep the history (a declined try, the one a failover gave
 * up on, a challenged one) that reconciliation, callbacks and the janitor need. Never the card: its summary only.
 */
export interface Attempt extends Payment {
  readonly orderId: string;
  readonly merchantId: string;
  readonly status: AttemptStatus;
  readonly amount: number;
  readonly currency: Currency;
  /** What the channel answered, in order: outcome and code only (no raw body, which may echo payer data). */
  readonly answers: readonly ChannelAnswer[];
  readonly failure: { readonly code: string; readonly message: string } | null;
  /** The channel took the money after the order stopped paying with this attempt: it is refunded, the order stays. */
  readonly lateSuccess: boolean;
  /**
   * The refund of a late success: its id is chosen when the late success is recorded, so every retry asks the
   * channel for the same refund (idempotent there); PENDING until the channel was asked.
   */
  readonly lateRefund: LateRefund | null;
  readonly updatedAt: string;
  readonly version: number;
  /** The risk step's decision in full: rules fired, velocity counters and thresholds (docs/decisions.md, 218). */
  readonly risk?: RiskDecision;
}

export interface LateRefund {
  readonly id: string;
  readonly status: 'PENDING' | 'PROCESSING' | 'SUCCEEDED' | 'FAILED';
  readonly channelRefundId: string | null;
  readonly code: string | null;
}

export interface ChannelAnswer {
  readonly at: string;
  readonly channel: string | null;
  readonly outcome: string;
  readonly code: string | null;
}

/** The payment summary the order carries, taken from its current attempt. */
export function paymentSummary(attempt: Attempt): Payment {
  return {
    id: attempt.id,
    method: attempt.method,
    capture: attempt.capture,
    channel: attempt.channel,
    channelPaymentId: attempt.channelPaymentId,
    card: attempt.card,
    payerId: attempt.payerId,
    nextAction: attempt.nextAction,
    fee: attempt.fee,
    riskDecision: attempt.riskDecision,
    otpFailures: attempt.otpFailures,
    createdAt: attempt.createdAt,
    ...(attempt.amountAuthorized != null ? { amountAuthorized: attempt.amountAuthorized, captureBefore: attempt.captureBefore ?? null } : {}),
    ...(attempt.customerId ? { customerId: attempt.customerId } : {}),
    ...(attempt.agreementId ? { agreementId: attempt.agreementId } : {}),
    ...(attempt.routing ? { routing: attempt.routing } : {}),
  };
}

/** A new attempt for `order`, PROCESSING, from the payment the claim puts on the order. */
export function newAttempt(order: Pick<Order, 'id' | 'merchantId' | 'amount' | 'currency'>, payment: Payment): Attempt {
  return {
    ...payment,
    orderId: order.id,
    merchantId: order.merchantId,
    status: 'PROCESSING',
    amount: order.amount,
    currency: order.currency,
    answers: [],
    failure: null,
    lateSuccess: false,
    lateRefund: null,
    updatedAt: payment.createdAt,
    version: 1,
  };
}

/**
 * An order stored before attempts were items carries only its payment summary: the attempt it stands for, so the
 * writer can move it like any other (its first write creates the item).
 */
export function attemptFromOrder(order: Order): Attempt | undefined {
  const payment = order.payment;
  if (!payment) return undefined;
  const status: AttemptStatus =
    order.status === 'PROCESSING' ? 'PROCESSING'
    : order.status === 'REQUIRES_ACTION' ? 'REQUIRES_ACTION'
    : order.status === 'AUTHORIZED' ? 'AUTHORIZED'
    : order.status === 'SUCCEEDED' || order.status === 'REFUNDED' ? 'SUCCEEDED'
    : order.status === 'CLOSED' ? 'CANCELLED'
    : 'FAILED';
  return { ...newAttempt(order, payment), status, version: 0, updatedAt: order.updatedAt };
}

/** Where a channel's own payment id (or, before it answered, our attempt id) leads: the attempt and its order. */
export interface AttemptPointer {
  readonly channel: string | null;
  /** The channel's payment id; null for the pointer by our attempt id. */
  readonly channelPaymentId: string | null;
  readonly orderId: string;
  readonly paymentId: string;
}
