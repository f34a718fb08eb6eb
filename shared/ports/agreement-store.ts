import type { Agreement, AgreementStatus } from '../domain/agreement.js';
import type { PeriodUsage } from '../domain/agreement-rules.js';
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
  /**
   * Counts one more one-time password of the agreement's signing as used, unless `limit` are used already: the
   * count after, or undefined when none is left. Its own item, so the agreement's version moves only with what a
   * merchant can see (docs/decisions.md, 136).
   */
  reserveOtpAttempt(agreementId: string, limit: number): Promise<number | undefined>;
  /** Gives one back (the channel never answered about the code); never below zero. */
  releaseOtpAttempt(agreementId: string): Promise<void>;
  /** What one period of the channel's period rule has counted so far (strongly consistent; nothing yet: zeros). */
  periodUsage(agreementId: string, period: number): Promise<PeriodUsage>;
  /**
   * Takes a debit that did not charge back out of its period's counter (counted by the claim's
   * StateChange.agreementPeriod); never below zero.
   */
  releasePeriodDebit(agreementId: string, period: number, amount: number): Promise<void>;
  /** Writes `after` if the stored agreement still has `expect`, with its event in the same transaction. */
  commit(change: { readonly after: Agreement; readonly expect: { readonly status: AgreementStatus; readonly version: number }; readonly event?: DomainEvent }): Promise<boolean>;
}

export class DuplicateOutAgreementNoError extends ConflictError {
  constructor(existingAgreementId: string | undefined) {
    super('duplicate_out_agreement_no', 'An agreement with this outAgreementNo already exists.', { agreementId: existingAgreementId });
  }
}
