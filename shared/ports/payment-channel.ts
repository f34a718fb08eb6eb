import type { CardInput } from '../domain/card.js';
import type { Currency } from '../domain/money.js';
import type { NextAction } from '../domain/order.js';

/**
 * A payment channel (acquirer, wallet, bank). Adapters map our requests to the channel's wire format and back; they
 * never persist. Every call carries our payment id as the channel-side idempotency key.
 */
export interface ChargeRequest {
  readonly paymentId: string;
  readonly orderId: string;
  readonly merchantId: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly capture: boolean;
  readonly card: CardInput;
  /** The risk engine asks for strong customer authentication. */
  readonly requireOtp: boolean;
}

export type ChargeResult =
  | { readonly outcome: 'succeeded' | 'authorized'; readonly channelPaymentId: string }
  | { readonly outcome: 'requires_action'; readonly channelPaymentId: string; readonly nextAction: NextAction }
  | {
      readonly outcome: 'declined';
      readonly channelPaymentId: string | null;
      readonly code: string;
      readonly message: string;
    };

export interface ConfirmRequest {
  readonly paymentId: string;
  readonly channelPaymentId: string;
  readonly capture: boolean;
  readonly otp: string;
}

export interface RefundRequest {
  readonly refundId: string;
  readonly channelPaymentId: string;
  readonly amount: number;
  readonly currency: Currency;
}

export type RefundResult =
  | { readonly outcome: 'succeeded'; readonly channelRefundId: string }
  | { readonly outcome: 'failed'; readonly code: string };

export interface PaymentChannel {
  readonly id: string;
  charge(request: ChargeRequest): Promise<ChargeResult>;
  confirm(request: ConfirmRequest): Promise<ChargeResult>;
  /** Cancels (reverses) a payment whose outcome is unknown, before another channel is tried. Idempotent. */
  cancel(paymentId: string): Promise<void>;
  refund(request: RefundRequest): Promise<RefundResult>;
}

/** The channel did not answer in time: the outcome is unknown, never assumed to be success. */
export class ChannelTimeoutError extends Error {
  constructor(readonly channelId: string) {
    super(`Channel ${channelId} timed out`);
    this.name = 'ChannelTimeoutError';
  }
}

/**
 * The channel answered and refused the call (a malformed request, a payment it does not know, its own outage
 * reported as such): nothing happened there, so the outcome is known and the attempt is unchanged at the channel.
 */
export class ChannelRejectedError extends Error {
  constructor(
    readonly channelId: string,
    readonly reason: string,
  ) {
    super(`Channel ${channelId} refused the request: ${reason}`);
    this.name = 'ChannelRejectedError';
  }
}
