import type { Agreement } from '../domain/agreement.js';
import { ConflictError, PaymentDeclinedError, ServiceUnavailableError } from '../domain/errors.js';
import { declineCode } from '../domain/error-codes.js';
import { OTP_ATTEMPTS } from '../domain/payment-outcome.js';
import { logger } from '../logger.js';
import type { AgreementChannelResult } from '../ports/channel-flows.js';
import type { Merchant } from '../ports/stores.js';
import { channelFor, commitChange, loadAgreement } from './agreements.js';
import { signingExpired } from './agreement-sign-deadline.js';
import { endAgreement } from './agreement-termination.js';
import { flowOf, type Deps } from './deps.js';

/**
 * The payer's one-time password for a PENDING card or UnionPay agreement (docs/decisions.md, 124 and 136), from
 * `POST /v1/agreements/{id}/confirm` or the hosted checkout's form. Each code is counted BEFORE it reaches the channel,
 * by a conditional write on the signing's counter (a PIN try counter: used before the check, given back only when the
 * channel never answered), so no number of concurrent confirms sends more than AGREEMENT_OTP_ATTEMPTS codes to the
 * channel. The wrong code that used the last attempt gives the signing up: PENDING → TERMINATED (`terminatedBy:
 * platform`, `failureCode: authentication_failed`, event `agreement.terminated`), revoked at the channel.
 */

/** Wrong codes a signing allows: the same as a challenged payment's (OTP_ATTEMPTS). */
export const AGREEMENT_OTP_ATTEMPTS = OTP_ATTEMPTS;

type Active = Extract<AgreementChannelResult, { outcome: 'active' }>;
type Declined = Extract<AgreementChannelResult, { outcome: 'declined' }>;

export async function confirmAgreement(deps: Deps, merchant: Merchant, agreementId: string, otp: string): Promise<Agreement> {
  const agreement = await loadAgreement(deps, merchant.merchantId, agreementId);
  if (agreement.status !== 'PENDING' || agreement.nextAction?.type !== 'otp' || !agreement.channelAgreementId) {
    throw new ConflictError('agreement_not_confirmable', `An agreement in status ${agreement.status} has no challenge to confirm.`);
  }
  // Past its deadline the signing is being given up (its timer ends it): no code is sent to the channel any more.
  if (signingExpired(deps, agreement)) throw new ConflictError('agreement_not_confirmable', `The signing expired at ${agreement.signExpiresAt}; sign a new agreement.`);
  const channel = channelFor(deps, agreement);
  const used = await deps.agreements.reserveOtpAttempt(agreementId, AGREEMENT_OTP_ATTEMPTS);
  if (used === undefined) {
    throw new ConflictError('agreement_not_confirmable', `The ${AGREEMENT_OTP_ATTEMPTS} one-time passwords of this signing are used or being checked.`);
  }
  let result: AgreementChannelResult;
  try {
    result = await flowOf(channel, 'confirmAgreement')({ agreementId, channelAgreementId: agreement.channelAgreementId, otp });
  } catch (error) {
    // No answer about the code: the attempt is given back (the payer did nothing wrong) and the merchant retries.
    logger.warn('agreement confirmation at the channel failed', { agreementId, channel: channel.id, error: error instanceof Error ? error.name : 'non-Error' });
    await deps.agreements.releaseOtpAttempt(agreementId);
    // Ended meanwhile (the lockout, a terminate): the channel refused a code for a credential it has revoked.
    const current = await loadAgreement(deps, merchant.merchantId, agreementId);
    if (current.status !== 'PENDING') throw new ConflictError('agreement_not_confirmable', `The agreement is ${current.status}.`);
    throw new ServiceUnavailableError('channel_error', 'The channel did not answer; the agreement is unchanged, try again.');
  }
  if (result.outcome === 'active') return activate(deps, merchant, agreement, result);
  if (result.outcome === 'declined') return wrongCode(deps, merchant, agreementId, used, result);
  throw new ConflictError('agreement_not_confirmable', `The channel reports the agreement ${result.outcome}.`);
}

/**
 * ACTIVE with the channel's token, brand and last4 and `agreement.activated`. A concurrent confirm that activated it
 * first gets the same answer. An agreement ended meanwhile (the lockout, a terminate) stays ended: its revocation is
 * final at the channel, so the token answered here can never pay.
 */
async function activate(deps: Deps, merchant: Merchant, read: Agreement, result: Active): Promise<Agreement> {
  let current = read;
  for (;;) {
    if (current.status === 'ACTIVE') return current;
    if (current.status !== 'PENDING') throw new ConflictError('agreement_not_confirmable', `The agreement is ${current.status}.`);
    const nowMs = deps.now();
    const activated: Agreement = {
      ...current,
      status: 'ACTIVE',
      channelToken: result.token,
      brand: result.brand,
      last4: result.last4,
      nextAction: null,
      activatedAt: new Date(nowMs).toISOString(),
    };
    const committed = await commitChange(deps, current, activated, nowMs, { type: 'agreement.activated', merchant });
    if (committed) return committed;
    current = await loadAgreement(deps, merchant.merchantId, read.id);
  }
}

/**
 * 402 for a wrong code, counted on the agreement (`otpFailures`, best effort: the counter decides). The one that used
 * the last attempt first gives the signing up.
 */
async function wrongCode(deps: Deps, merchant: Merchant, agreementId: string, used: number, result: Declined): Promise<never> {
  const lastAttempt = result.code === 'authentication_failed' && used >= AGREEMENT_OTP_ATTEMPTS;
  const current = await loadAgreement(deps, merchant.merchantId, agreementId);
  if (current.status === 'PENDING') {
    const counted: Agreement = { ...current, otpFailures: current.otpFailures + 1 };
    if (lastAttempt) await giveUp(deps, merchant, current, counted);
    else await commitChange(deps, current, counted, deps.now());
  }
  const suffix = lastAttempt ? ` That was the last of ${AGREEMENT_OTP_ATTEMPTS} attempts: the agreement is TERMINATED.` : '';
  throw new PaymentDeclinedError(declineCode(result.code), `${result.message}${suffix}`);
}

/** PENDING → TERMINATED by the platform, with the event, and the credential revoked at the channel. */
async function giveUp(deps: Deps, merchant: Merchant, read: Agreement, counted: Agreement): Promise<void> {
  let before = read;
  let after = counted;
  for (;;) {
    const now = new Date(deps.now()).toISOString();
    const ended: Agreement = { ...after, status: 'TERMINATED', nextAction: null, terminatedAt: now, terminatedBy: 'platform', failureCode: 'authentication_failed' };
    if (await endAgreement(deps, before, ended, merchant)) return;
    before = await loadAgreement(deps, merchant.merchantId, read.id);
    if (before.status !== 'PENDING') return;
    after = { ...before, otpFailures: before.otpFailures + 1 };
  }
}
