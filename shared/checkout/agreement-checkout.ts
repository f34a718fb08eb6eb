import type { Agreement } from '../domain/agreement.js';
import { NotFoundError, PermissionError } from '../domain/errors.js';
import type { PayerAction } from '../ports/channel-flows.js';
import type { Deps } from '../services/deps.js';
import { confirmAgreement } from '../services/agreement-confirm.js';
import type { CheckoutDeps } from './issue.js';
import type { CheckoutDepsView, CheckoutState, CheckoutStatus, CheckoutView } from './service.js';
import { checkoutUrl, newCheckoutToken, type CheckoutToken } from './tokens.js';

/**
 * The hosted checkout for an agreement's signing: the same page, token and OTP form as a challenged payment's, showing
 * the merchant, what the payer permits (debits up to maxAmountPerDebit in its currency), and the OTP form, which
 * confirms through the same service as `POST /v1/agreements/{id}/confirm`.
 */

/** How long a signing page stays valid: the payer signs now, or the merchant starts again. */
export const AGREEMENT_PAGE_SECONDS = 1800;

/** Writes the page's token and returns its URL (before the agreement is stored: a URL never points at nothing). */
export async function issueAgreementPage(
  checkout: CheckoutDeps,
  agreement: Pick<Agreement, 'id' | 'merchantId' | 'channel' | 'channelAgreementId'>,
  nowMs: number,
  payerAction: PayerAction = { type: 'otp' },
): Promise<string> {
  const base = checkout.publicBaseUrl();
  if (!base) throw new Error('PUBLIC_BASE_URL is not configured: an agreement that needs the payer has no checkout page to send them to');
  const token: CheckoutToken = {
    token: newCheckoutToken(),
    orderId: agreement.id,
    merchantId: agreement.merchantId,
    paymentId: agreement.id,
    channel: agreement.channel,
    channelPaymentId: agreement.channelAgreementId ?? '',
    // A wallet's QR code is shown on the page as a payment's is; a card's OTP challenge has nothing of the channel's.
    action: payerAction.type === 'qr_code' ? { type: 'qr_code', qrCode: payerAction.qrCode } : { type: 'otp' },
    expiresAt: new Date(nowMs + AGREEMENT_PAGE_SECONDS * 1000).toISOString(),
    createdAt: new Date(nowMs).toISOString(),
    agreementId: agreement.id,
  };
  await checkout.tokens.put(token);
  return checkoutUrl(base, token.token);
}

async function agreementOf(deps: Pick<Deps, 'agreements'>, found: CheckoutToken): Promise<Agreement> {
  const agreement = await deps.agreements.get(found.agreementId!);
  if (!agreement || agreement.merchantId !== found.merchantId) throw new NotFoundError('checkout page');
  return agreement;
}

function agreementState(agreement: Agreement): CheckoutState {
  return agreement.status === 'PENDING' ? 'awaiting_payer' : agreement.status === 'ACTIVE' ? 'succeeded' : 'closed';
}

export async function agreementCheckout(deps: CheckoutDepsView, found: CheckoutToken): Promise<CheckoutView> {
  const agreement = await agreementOf(deps, found);
  const merchant = await deps.merchants.get(agreement.merchantId);
  if (!merchant) throw new NotFoundError('checkout page');
  return {
    kind: 'agreement',
    token: found.token,
    merchantName: merchant.name,
    subject: 'Authorize recurring debits, each at most',
    amount: agreement.maxAmountPerDebit,
    currency: agreement.currency,
    expiresAt: found.expiresAt,
    state: agreementState(agreement),
    action: found.action,
    channel: found.channel,
    channelPaymentId: found.channelPaymentId,
    returnUrl: null,
  };
}

export async function agreementCheckoutStatus(deps: CheckoutDepsView, found: CheckoutToken): Promise<CheckoutStatus> {
  return { state: agreementState(await agreementOf(deps, found)), expiresAt: found.expiresAt };
}

/** The page's OTP form, on behalf of the token's merchant, for the agreement the token was issued for only. */
export async function confirmAgreementOtp(deps: Deps, found: CheckoutToken, otp: string): Promise<void> {
  const merchant = await deps.merchants.get(found.merchantId);
  if (!merchant) throw new NotFoundError('checkout page');
  if (merchant.status !== 'active') throw new PermissionError('merchant_disabled');
  await confirmAgreement(deps, merchant, found.agreementId!, otp);
}
