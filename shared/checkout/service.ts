import { ConflictError, NotFoundError, PermissionError } from '../domain/errors.js';
import type { Currency } from '../domain/money.js';
import { effectiveOrder, type Order } from '../domain/order.js';
import type { Deps } from '../services/deps.js';
import { confirmPayment } from '../services/payments.js';
import { agreementCheckout, agreementCheckoutStatus, confirmAgreementOtp } from './agreement-checkout.js';
import { isLive, isTokenShaped, type CheckoutToken } from './tokens.js';

/** Where the payer stands, as the page and its status endpoint say it. */
export type CheckoutState = 'awaiting_payer' | 'processing' | 'succeeded' | 'failed' | 'closed';

/** Everything the page shows: one order's public face, never another order's, never the merchant's settings. */
export interface CheckoutView {
  /** A payment's page, or an agreement's signing page (its amount is the limit per debit). */
  readonly kind?: 'payment' | 'agreement';
  readonly token: string;
  readonly merchantName: string;
  readonly subject: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly expiresAt: string;
  readonly state: CheckoutState;
  readonly action: CheckoutToken['action'];
  readonly channel: string;
  readonly channelPaymentId: string;
  readonly returnUrl: string | null;
}

/** The JSON the page polls: the state alone, so a leaked token tells nothing an attacker could use. */
export interface CheckoutStatus {
  readonly state: CheckoutState;
  readonly expiresAt: string;
}

export type CheckoutDepsView = Pick<Deps, 'checkout' | 'orders' | 'merchants' | 'agreements' | 'now'>;

/** A token that is unknown, malformed or expired is simply not found: the page cannot tell which. */
export async function liveToken(deps: CheckoutDepsView, token: string): Promise<CheckoutToken> {
  const found = isTokenShaped(token) ? await deps.checkout.tokens.get(token) : undefined;
  if (!found || !isLive(found, deps.now())) throw new NotFoundError('checkout page');
  return found;
}

async function tokenAndOrder(deps: CheckoutDepsView, token: string): Promise<{ found: CheckoutToken; order: Order }> {
  const found = await liveToken(deps, token);
  const order = await deps.orders.getOrder(found.orderId);
  // The token names its merchant too: an order that is not that merchant's is not this page's.
  if (!order || order.merchantId !== found.merchantId) throw new NotFoundError('checkout page');
  return { found, order: effectiveOrder(order, deps.now()) };
}

/**
 * The payer's view of the attempt. A later attempt of the same order (this one declined, the merchant paid again)
 * ends this page as failed: each attempt that needs the payer has its own token.
 */
export function checkoutState(order: Order, paymentId: string): CheckoutState {
  switch (order.status) {
    case 'SUCCEEDED':
    case 'REFUNDED':
    case 'AUTHORIZED':
      return 'succeeded';
    case 'CLOSED':
      return 'closed';
    case 'PROCESSING':
      return 'processing';
    case 'REQUIRES_ACTION':
      return order.payment?.id === paymentId ? 'awaiting_payer' : 'failed';
    case 'CREATED':
      return 'failed';
  }
}

export async function loadCheckout(deps: CheckoutDepsView, token: string): Promise<CheckoutView> {
  const live = await liveToken(deps, token);
  if (live.agreementId) return agreementCheckout(deps, live);
  const { found, order } = await tokenAndOrder(deps, token);
  const merchant = await deps.merchants.get(order.merchantId);
  if (!merchant) throw new NotFoundError('checkout page');
  return {
    token: found.token,
    merchantName: merchant.name,
    subject: order.subject,
    amount: order.amount,
    currency: order.currency,
    expiresAt: order.expiresAt,
    state: checkoutState(order, found.paymentId),
    action: found.action,
    channel: found.channel,
    channelPaymentId: found.channelPaymentId,
    returnUrl: order.returnUrl ?? null,
  };
}

export async function checkoutStatus(deps: CheckoutDepsView, token: string): Promise<CheckoutStatus> {
  const live = await liveToken(deps, token);
  if (live.agreementId) return agreementCheckoutStatus(deps, live);
  const { found, order } = await tokenAndOrder(deps, token);
  return { state: checkoutState(order, found.paymentId), expiresAt: order.expiresAt };
}

/**
 * The OTP form: the same domain service as `POST /v1/orders/{id}/pay/confirm`, on behalf of the token's merchant,
 * and only for the attempt the token was issued for.
 */
export async function confirmCheckoutOtp(deps: Deps, token: string, otp: string): Promise<void> {
  const live = await liveToken(deps, token);
  if (live.agreementId) return confirmAgreementOtp(deps, live, otp);
  const { found, order } = await tokenAndOrder(deps, token);
  if (found.action.type !== 'otp' || order.payment?.id !== found.paymentId) {
    throw new ConflictError('order_not_confirmable', 'This page has no open challenge to confirm.');
  }
  const merchant = await deps.merchants.get(found.merchantId);
  if (!merchant) throw new NotFoundError('checkout page');
  if (merchant.status !== 'active') throw new PermissionError('merchant_disabled');
  await confirmPayment(deps, merchant, found.orderId, otp);
}
