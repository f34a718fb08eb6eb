import type { LedgerCheck } from '../services/ledger-check.js';
import { payoutResource, type Payout } from '../domain/payout.js';
import type { Settlement } from '../ledger/settlement.js';
import type { Merchant } from '../ports/stores.js';

/**
 * A merchant as operators see it: everything the platform keeps but its sealed secrets; during a rotation, when the
 * replaced secret stops verifying (`previousSecretExpiresAt`, null otherwise); its rate limit override (null: the
 * default, 6,000 per minute).
 */
export function opsMerchantResource(merchant: Merchant): Record<string, unknown> {
  const { sealedSecret: _sealed, previousSealedSecret: _previous, previousSecretExpiresAt, rateLimitPerMinute, ...visible } = merchant;
  return { object: 'merchant', ...visible, previousSecretExpiresAt: previousSecretExpiresAt ?? null, rateLimitPerMinute: rateLimitPerMinute ?? null };
}

/** The trial balance as the API answers it: the check as it ran, and when. */
export function trialBalanceResource(check: LedgerCheck, checkedAt: string): Record<string, unknown> {
  return { object: 'trial_balance', checkedAt, ...check };
}

/** A settlement batch as operators see it: the merchant's view plus whose it is, its status and its ledger entry. */
export function opsSettlementResource(s: Settlement): Record<string, unknown> {
  return { object: 'settlement', ...s };
}

/**
 * A payout as operators see it: the merchant's view plus whose it is, its channel and the bank's id; never the sealed
 * account number nor the keyed digest of its terms.
 */
export function opsPayoutResource(p: Payout): Record<string, unknown> {
  return { ...payoutResource(p), merchantId: p.merchantId, channel: p.channel, channelPayoutId: p.channelPayoutId };
}
