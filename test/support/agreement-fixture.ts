import type { Agreement } from '../../shared/domain/agreement.js';
import { newId } from '../../shared/domain/ids.js';

/** An ACTIVE card agreement as the store keeps it, for tests of the rules and of the store. */
export function agreementFixture(overrides: Partial<Agreement> = {}): Agreement {
  const now = '2026-11-27T08:00:00.000Z';
  return {
    id: newId('agr'),
    merchantId: 'm_1',
    outAgreementNo: `AG-${newId('req').slice(-8)}`,
    customerId: newId('cus'),
    method: 'card',
    channel: 'card_a',
    status: 'ACTIVE',
    currency: 'CNY',
    maxAmountPerDebit: 5000,
    notifyUrl: null,
    channelAgreementId: 'src_1',
    channelToken: 'src_1',
    brand: 'visa',
    last4: '4242',
    nextAction: null,
    otpFailures: 0,
    activatedAt: now,
    terminatedAt: null,
    terminatedBy: null,
    version: 2,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}
