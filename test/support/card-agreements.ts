import { randomBytes } from 'node:crypto';
import { SANDBOX_CARDS, SANDBOX_OTP } from '../../shared/channels/sandbox-card.js';
import type { ApiClient } from './api-client.js';

/** A sandbox card as a request carries it. */
export const sandboxCard = (number: string = SANDBOX_CARDS.succeeds) => ({ number, expMonth: 12, expYear: 2030, cvc: '123' });

/** A new customer of the merchant `api` signs for; its id. */
export async function newCustomer(api: ApiClient): Promise<string> {
  const res = await api.post('/v1/customers', { outCustomerNo: `u-${randomBytes(4).toString('hex')}`, name: 'Han Meimei' });
  if (res.status !== 201) throw new Error(`customer create failed: ${res.status} ${res.text}`);
  return res.body.id;
}

/** POST /v1/agreements for a new customer with a card that signs, as answered (overrides replace any field). */
export async function signCardAgreement(api: ApiClient, overrides: Record<string, unknown> = {}) {
  return api.post('/v1/agreements', {
    outAgreementNo: `AG-${randomBytes(4).toString('hex')}`,
    customerId: await newCustomer(api),
    method: 'card',
    card: sandboxCard(),
    currency: 'CNY',
    maxAmountPerDebit: 5000,
    ...overrides,
  });
}

/** A card agreement signed and confirmed with the sandbox OTP: ACTIVE. */
export async function activeCardAgreement(api: ApiClient, overrides: Record<string, unknown> = {}) {
  const pending = await signCardAgreement(api, overrides);
  if (pending.status !== 201) throw new Error(`agreement create failed: ${pending.status} ${pending.text}`);
  const confirmed = await api.post(`/v1/agreements/${pending.body.id}/confirm`, { otp: SANDBOX_OTP });
  if (confirmed.status !== 200) throw new Error(`agreement confirm failed: ${confirmed.status} ${confirmed.text}`);
  return confirmed.body;
}
