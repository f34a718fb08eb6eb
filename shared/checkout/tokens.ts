import { randomBytes } from 'node:crypto';
import type { NextAction, Order } from '../domain/order.js';

/**
 * A hosted checkout token: the capability a payer holds to see and act on one payment attempt. It is the only
 * credential of the page (no merchant signature), so it is 32 random bytes (256 bits, base64url), never derived from
 * ids, and it points to exactly one order and attempt.
 */
export interface CheckoutToken {
  readonly token: string;
  readonly orderId: string;
  readonly merchantId: string;
  /** The attempt that needs the payer; a later attempt of the same order gets a token of its own. */
  readonly paymentId: string;
  readonly channel: string;
  readonly channelPaymentId: string;
  /** What the channel asked of the payer, as the channel gave it (the bank page URL, the QR string). */
  readonly action: { readonly type: NextAction['type']; readonly url?: string; readonly qrCode?: string };
  /** The order's expiry: the token dies with the order. */
  readonly expiresAt: string;
  readonly createdAt: string;
  /**
   * An agreement's signing page (its OTP form) instead of a payment's: then `orderId` and `paymentId` hold the
   * agreement's id and `channelPaymentId` its channel id, the object the page shows (shared/checkout/agreement-checkout.ts).
   */
  readonly agreementId?: string;
}

export interface CheckoutTokenStore {
  put(token: CheckoutToken): Promise<void>;
  get(token: string): Promise<CheckoutToken | undefined>;
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newCheckoutToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Cheap shape check before any read: a path segment that cannot be a token costs no database round trip. */
export function isTokenShaped(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

export function checkoutUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/checkout/${token}`;
}

/** Expiry is checked on every read: the table's TTL is housekeeping only (DynamoDB Local never deletes). */
export function isLive(token: Pick<CheckoutToken, 'expiresAt'>, nowMs: number): boolean {
  return Date.parse(token.expiresAt) > nowMs;
}

/** The token for an attempt that now needs the payer, with the channel's own action kept for the page. */
export function tokenFor(order: Order, attempt: { channel: string; channelPaymentId: string; nextAction: NextAction }, nowMs: number): CheckoutToken {
  const { type, url, qrCode } = attempt.nextAction;
  return {
    token: newCheckoutToken(),
    orderId: order.id,
    merchantId: order.merchantId,
    paymentId: order.payment!.id,
    channel: attempt.channel,
    channelPaymentId: attempt.channelPaymentId,
    // An OTP challenge has nothing of the channel's to show: its form posts to the page itself.
    action: type === 'otp' ? { type } : { type, ...(url ? { url } : {}), ...(qrCode ? { qrCode } : {}) },
    expiresAt: order.expiresAt,
    createdAt: new Date(nowMs).toISOString(),
  };
}
