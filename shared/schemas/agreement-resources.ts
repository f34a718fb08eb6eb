import type { Agreement } from '../domain/agreement.js';
import type { AgreementResource } from './agreement-schemas.js';

/** An agreement as the API shows it: the channel's token, brand and last4, never the card. */
export function agreementResource(agreement: Agreement): AgreementResource {
  return {
    id: agreement.id,
    object: 'agreement',
    outAgreementNo: agreement.outAgreementNo,
    customerId: agreement.customerId,
    method: agreement.method,
    channel: agreement.channel,
    status: agreement.status,
    currency: agreement.currency,
    maxAmountPerDebit: agreement.maxAmountPerDebit,
    notifyUrl: agreement.notifyUrl,
    channelAgreementId: agreement.channelToken ?? agreement.channelAgreementId,
    brand: agreement.brand,
    last4: agreement.last4,
    nextAction: agreement.nextAction,
    version: agreement.version,
    createdAt: agreement.createdAt,
    activatedAt: agreement.activatedAt,
    terminatedAt: agreement.terminatedAt,
    terminatedBy: agreement.terminatedBy,
    failureCode: agreement.failureCode ?? null,
    signExpiresAt: agreement.signExpiresAt ?? null,
    revokedAtChannelAt: agreement.revokedAtChannelAt ?? null,
  };
}
