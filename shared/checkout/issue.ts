import type { AttemptOutcome } from '../domain/payment-outcome.js';
import type { Order } from '../domain/order.js';
import { checkoutUrl, tokenFor, type CheckoutTokenStore } from './tokens.js';

export interface CheckoutDeps {
  readonly tokens: CheckoutTokenStore;
  /** `PUBLIC_BASE_URL`; the local runtime's gateway URL, known once it listens. */
  readonly publicBaseUrl: () => string;
}

/**
 * An attempt that needs the payer gets a checkout token, and its `nextAction.url` becomes the hosted checkout page
 * (the contract: `url` always opens the platform's page), whatever URL the channel gave; the channel's own action is
 * kept in the token for the page. The token is written before the order's commit, so a committed URL never points
 * at a missing token (a commit that then fails leaves a token on an order that never shows it: harmless). A
 * challenge that stays open (a wrong OTP, a channel refusal) keeps its page and token.
 */
export async function withCheckoutPage(checkout: CheckoutDeps, claimed: Order, outcome: AttemptOutcome, nowMs: number): Promise<AttemptOutcome> {
  if (outcome.outcome !== 'requires_action') return outcome;
  const current = claimed.payment?.nextAction;
  if (current && current.url === outcome.nextAction.url) return outcome;
  const base = checkout.publicBaseUrl();
  if (!base) throw new Error('PUBLIC_BASE_URL is not configured: a payment that needs the payer has no checkout page to send them to');
  const token = tokenFor(claimed, outcome, nowMs);
  await checkout.tokens.put(token);
  const { qrCode } = outcome.nextAction;
  return { ...outcome, nextAction: { type: outcome.nextAction.type, url: checkoutUrl(base, token.token), ...(qrCode ? { qrCode } : {}) } };
}
