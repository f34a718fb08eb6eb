import type { AttemptRouting } from './channel-ranking.js';
import type { CardSummary } from './card.js';
import type { OrderPurpose } from './customer.js';
import type { Currency } from './money.js';
import type { OrderStatus } from './order-state.js';

export const PAYMENT_METHODS = ['card', 'unionpay', 'wechat_pay', 'alipay', 'netbank', 'balance', 'agreement'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** Methods that this release can complete. The others answer 400 method_not_supported until their issue lands. */
export const SUPPORTED_METHODS: readonly PaymentMethod[] = ['card', 'unionpay', 'wechat_pay', 'alipay', 'netbank', 'balance', 'agreement'];

export interface NextAction {
  readonly type: 'redirect' | 'qr_code' | 'otp';
  /** Once committed: the platform's hosted checkout page for this attempt (shared/checkout). */
  readonly url: string;
  /** qr_code: the string the payer's wallet scans. */
  readonly qrCode?: string;
}

/** The current (or last successful) payment attempt of an order. */
export interface Payment {
  readonly id: string;
  readonly method: PaymentMethod;
  readonly capture: boolean;
  readonly channel: string | null;
  readonly channelPaymentId: string | null;
  readonly card: CardSummary | null;
  readonly payerId: string | null;
  readonly nextAction: NextAction | null;
  readonly fee: number;
  /** The risk step's action (null before it ran, and for flows without one); its detail is on the attempt (`risk`). */
  readonly riskDecision: 'allow' | 'challenge' | 'block' | null;
  readonly otpFailures: number;
  readonly createdAt: string;
  /** Authorizations (capture: false): the amount held at the channel, set when the channel authorized it. */
  readonly amountAuthorized?: number | null;
  /** Authorizations: after this instant the hold is voided and cannot be captured (shared/domain/authorization.ts). */
  readonly captureBefore?: string | null;
  /** balance: the customer whose balance pays (its ledger account is debited by the commit). */
  readonly customerId?: string | null;
  /** agreement: the agreement this debit was made under (its channel token paid, no card and no OTP). */
  readonly agreementId?: string | null;
  /** Why routing sent this attempt to its channel (operators see it, merchants do not: docs/decisions.md, 208). */
  readonly routing?: AttemptRouting;
}

export interface PaymentError {
  readonly code: string;
  readonly message: string;
  readonly paymentId: string;
  readonly at: string;
}

export interface Order {
  readonly id: string;
  readonly merchantId: string;
  readonly outTradeNo: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly status: OrderStatus;
  readonly version: number;
  readonly amountCaptured: number;
  readonly amountRefunded: number;
  /** Captured minus refunds succeeded or in flight: the bound that concurrent refunds reserve against. */
  readonly refundableRemaining: number;
  readonly subject: string;
  readonly metadata: Record<string, string>;
  readonly notifyUrl: string | null;
  /** Where the hosted checkout sends the payer once the payment ends; absent on orders created before it existed. */
  readonly returnUrl?: string | null;
  readonly payment: Payment | null;
  readonly lastPaymentError: PaymentError | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly updatedAt: string;
  readonly capturedAt: string | null;
  readonly closedAt: string | null;
  readonly closeReason: CloseReason | null;
  /**
   * An authorization claimed for its capture or void (the order reads PROCESSING meanwhile): what was asked of the
   * channel, so a retry, the janitor's query or the expiry can finish it. Null (or absent) otherwise.
   */
  readonly authorizationClaim?: AuthorizationClaim | null;
  /** `topup`: its success credits customerId's balance (absent on orders older than customers: a sale). */
  readonly purpose?: OrderPurpose;
  readonly customerId?: string | null;
}

export type CloseReason = 'merchant' | 'expired' | 'voided' | 'authorization_expired';

/** AUTHORIZED → PROCESSING for one capture or void: the marker that says which one holds the order. */
export interface AuthorizationClaim {
  readonly kind: 'capture' | 'void';
  /** capture: the amount to capture; void: the amount authorized, released. */
  readonly amount: number;
  /** void: why the hold ends (the merchant's void, or its expiry); null for a capture. */
  readonly closeReason: 'voided' | 'authorization_expired' | null;
  readonly claimedAt: string;
}

/** An unpaid order past its expiry reads as CLOSED even before the expiry sweep persists it. */
export function isExpired(order: Pick<Order, 'status' | 'expiresAt'>, nowMs: number): boolean {
  return (order.status === 'CREATED' || order.status === 'REQUIRES_ACTION') && Date.parse(order.expiresAt) <= nowMs;
}

/**
 * A close claimed this challenged order (PROCESSING with its closeReason already set) and is cancelling the attempt at
 * its channel; the close's retry, or the janitor, finishes it (docs/decisions.md, entry 44).
 */
export function isClosing(order: Pick<Order, 'status' | 'closeReason'>): boolean {
  return order.status === 'PROCESSING' && order.closeReason !== null;
}

export function effectiveOrder(order: Order, nowMs: number): Order {
  if (!isExpired(order, nowMs)) return order;
  return { ...order, status: 'CLOSED', closedAt: order.expiresAt, closeReason: 'expired' };
}

export interface Refund {
  readonly id: string;
  readonly orderId: string;
  readonly merchantId: string;
  readonly outRefundNo: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly status: 'PROCESSING' | 'SUCCEEDED' | 'FAILED';
  readonly reason: string | null;
  readonly channel: string;
  readonly channelRefundId: string | null;
  readonly failureCode: string | null;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Refunds are accepted for this long after capture. */
export const REFUND_WINDOW_MS = 365 * 24 * 3600 * 1000;
