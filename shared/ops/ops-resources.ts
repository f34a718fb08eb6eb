import type { LedgerCheck } from '../services/ledger-check.js';
import type { Merchant } from '../ports/stores.js';

/** A merchant as operators see it: everything the platform keeps but the sealed secret. */
export function opsMerchantResource(merchant: Merchant): Record<string, unknown> {
  const { sealedSecret: _sealed, ...visible } = merchant;
  return { object: 'merchant', ...visible };
}

/** The trial balance as the API answers it: the check as it ran, and when. */
export function trialBalanceResource(check: LedgerCheck, checkedAt: string): Record<string, unknown> {
  return { object: 'trial_balance', checkedAt, ...check };
}
