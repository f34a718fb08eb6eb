import type { Agreement, AgreementStatus } from '../domain/agreement.js';
import { ConflictError } from '../domain/errors.js';
import type { DomainEvent } from './stores.js';

/** Agreements in the table; every status change goes through AgreementStore.commit with its outbox event. */
export interface AgreementStore {
  /** Fails with DuplicateOutAgreementNoError when the merchant already used the outAgreementNo. */
  create(agreement: Agreement): Promise<void>;
  get(agreementId: string): Promise<Agreement | undefined>;
  findIdByOutAgreementNo(merchantId: string, outAgreementNo: string): Promise<string | undefined>;
  /** The customer's agreements with this merchant, newest first. */
  listByCustomer(merchantId: string, customerId: string): Promise<Agreement[]>;
  /** The merchant that owns a customer (a read of the customers module's item), or undefined when there is none. */
  customerMerchant(customerId: string): Promise<string | undefined>;
  /** Writes `after` if the stored agreement still has `expect`, with its event in the same transaction. */
  commit(change: { readonly after: Agreement; readonly expect: { readonly status: AgreementStatus; readonly version: number }; readonly event?: DomainEvent }): Promise<boolean>;
}

export class DuplicateOutAgreementNoError extends ConflictError {
  constructor(existingAgreementId: string | undefined) {
    super('duplicate_out_agreement_no', 'An agreement with this outAgreementNo already exists.', { agreementId: existingAgreementId });
  }
}
