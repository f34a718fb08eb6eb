import type { Agreement, AgreementMethod } from '../domain/agreement.js';
import { canTransitionAgreement } from '../domain/agreement.js';
import { issueAgreementPage } from '../checkout/agreement-checkout.js';
import { assertCardUsable } from '../domain/card.js';
import { ConflictError, NotFoundError, PaymentDeclinedError, ServiceUnavailableError, ValidationError } from '../domain/errors.js';
import { declineCode } from '../domain/error-codes.js';
import { newId } from '../domain/ids.js';
import { assertNotifyUrl } from '../domain/notify-url.js';
import { eligible, routeCandidates } from '../domain/routing.js';
import { logger } from '../logger.js';
import type { AgreementChannelResult, ChannelAdapter } from '../ports/channel-flows.js';
import { DuplicateOutAgreementNoError } from '../ports/agreement-store.js';
import type { Merchant } from '../ports/stores.js';
import type { CreateAgreementRequest } from '../schemas/agreement-schemas.js';
import { callbackUrl } from './channel-outcomes.js';
import { flowOf, type Deps } from './deps.js';
import { screenSigning } from './agreement-screening.js';
import { agreementQueryKey, scheduleAgreementQuery, signExpiresAtOf } from './agreement-sign-deadline.js';
import { agreementEvent } from './events.js';
import { assertNoCard, isWalletMethod, nextActionOf } from './wallet-agreements.js';

/**
 * Agreements (contract, "Agreements and recurring debits"): signing with the payer (a card's OTP), activation with
 * the channel's token, termination here and at the channel. Every status change is one conditional write with its
 * outbox event (AgreementStore.commit), checked against the agreement state table.
 */

/** Methods whose signing this release completes; the others answer method_not_supported (docs/decisions.md, 124). */
const SIGNABLE_METHODS: readonly AgreementMethod[] = ['card', 'unionpay', 'wechat_pay', 'alipay'];

export async function createAgreement(deps: Deps, merchant: Merchant, request: CreateAgreementRequest): Promise<Agreement> {
  const nowMs = deps.now();
  const card = assertSignable(request, nowMs);
  const notifyUrl = request.notifyUrl ? assertNotifyUrl(request.notifyUrl, deps.settings.localMode) : null;
  if ((await deps.agreements.customerMerchant(request.customerId)) !== merchant.merchantId) {
    throw new NotFoundError('customer', 'customerId');
  }
  const existing = await deps.agreements.findIdByOutAgreementNo(merchant.merchantId, request.outAgreementNo);
  if (existing) throw new DuplicateOutAgreementNoError(existing);
  const screened = await screenSigning(deps, request);
  const channel = await signingChannel(deps, request);
  const id = newId('agr', nowMs);
  const result = await atChannel(channel.id, () =>
    flowOf(channel, 'signAgreement')({
      agreementId: id,
      merchantId: merchant.merchantId,
      currency: request.currency,
      card,
      maxAmountPerDebit: request.maxAmountPerDebit,
      customerId: request.customerId,
      callbackUrl: callbackUrl(deps, channel.id),
    }),
  );
  if (result.outcome === 'declined') throw new PaymentDeclinedError(declineCode(result.code), result.message);
  if (result.outcome !== 'requires_action') throw new ServiceUnavailableError('channel_error', 'The channel did not ask for the payer to sign; try again.');
  const now = new Date(nowMs).toISOString();
  // The payer signs on the hosted checkout page (its OTP form, or the wallet's QR code), or the merchant confirms with the payer's code.
  const url = await issueAgreementPage(deps.checkout, { id, merchantId: merchant.merchantId, channel: channel.id, channelAgreementId: result.channelAgreementId }, nowMs, result.action);
  const agreement: Agreement = {
    id,
    merchantId: merchant.merchantId,
    outAgreementNo: request.outAgreementNo,
    customerId: request.customerId,
    method: request.method,
    channel: channel.id,
    status: 'PENDING',
    currency: request.currency,
    maxAmountPerDebit: request.maxAmountPerDebit,
    notifyUrl,
    channelAgreementId: result.channelAgreementId,
    channelToken: null,
    brand: null,
    last4: null,
    nextAction: nextActionOf(result.action, url),
    otpFailures: 0,
    ...screened,
    activatedAt: null,
    terminatedAt: null,
    terminatedBy: null,
    signExpiresAt: signExpiresAtOf(deps, nowMs),
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  // The signing's deadline is set before the write that makes the agreement PENDING, so none is ever stored without it
  // (a crash between the two leaves a timer that finds nothing); a write that definitely lost takes it back (238).
  await scheduleAgreementQuery(deps, agreement, nowMs);
  try {
    await deps.agreements.create(agreement);
  } catch (error) {
    if (error instanceof DuplicateOutAgreementNoError) await deps.timers.cancel(agreementQueryKey(id));
    throw error;
  }
  return agreement;
}

/** The contract's per-method fields: a card for card methods, none for wallets (they sign in the wallet). */
function assertSignable(request: CreateAgreementRequest, nowMs: number) {
  if (!SIGNABLE_METHODS.includes(request.method)) {
    throw new ValidationError('method_not_supported', `Agreements with method ${request.method} are not available yet.`, 'method');
  }
  if (isWalletMethod(request.method)) return assertNoCard(request);
  if (!request.card) throw new ValidationError('parameter_missing', `card is required for method ${request.method}.`, 'card');
  assertCardUsable(request.card, new Date(nowMs));
  return request.card;
}

/**
 * The cheapest healthy channel for the method and currency that can keep a stored credential, by the channel records
 * as operators set them (a disabled channel signs nothing; decisions, 213).
 */
async function signingChannel(deps: Deps, request: CreateAgreementRequest): Promise<ChannelAdapter> {
  const route = { method: request.method, currency: request.currency, amount: request.maxAmountPerDebit, capture: true };
  const signers = (await deps.channelDirectory.current()).filter((record) => typeof deps.channels.get(record.id)?.signAgreement === 'function');
  // The shared health, read only (a signing is no probe): channels with an open circuit are tried last, as before.
  const health = await deps.channelHealth.views(signers.filter((record) => eligible(record, route)).map((record) => record.id));
  const [first] = routeCandidates(signers, route, (id) => health.get(id)?.circuit !== 'open');
  if (!first) throw new PaymentDeclinedError('no_channel_available', `No channel can sign a ${request.method} agreement in ${request.currency}.`);
  return deps.channels.get(first)!;
}

/** A channel call whose failure changed nothing here: a 503 to retry (the channel's calls are idempotent by our id). */
async function atChannel(channelId: string, call: () => Promise<AgreementChannelResult>): Promise<AgreementChannelResult> {
  try {
    return await call();
  } catch (error) {
    logger.warn('agreement call to the channel failed', { channel: channelId, error: error instanceof Error ? error.name : 'non-Error' });
    throw new ServiceUnavailableError('channel_error', 'The channel did not answer; the agreement is unchanged, try again.');
  }
}

export async function loadAgreement(deps: Pick<Deps, 'agreements'>, merchantId: string, agreementId: string): Promise<Agreement> {
  const agreement = await deps.agreements.get(agreementId);
  // Another merchant's agreement is answered exactly like a missing one (contract: 404).
  if (!agreement || agreement.merchantId !== merchantId) throw new NotFoundError('agreement', 'id');
  return agreement;
}

export async function listAgreements(deps: Deps, merchantId: string, customerId: string): Promise<Agreement[]> {
  return deps.agreements.listByCustomer(merchantId, customerId);
}

export function channelFor(deps: Pick<Deps, 'channels'>, agreement: Agreement): ChannelAdapter {
  const channel = deps.channels.get(agreement.channel);
  if (!channel) throw new ServiceUnavailableError('channel_error', `The agreement's channel ${agreement.channel} is not available.`);
  return channel;
}

/**
 * The agreement writer: checks the state table, bumps the version, writes conditionally on the version read, with
 * the event when the status changes. Returns the stored agreement, or undefined when another writer came first.
 */
export async function commitChange(
  deps: Pick<Deps, 'agreements'>,
  before: Agreement,
  after: Agreement,
  nowMs: number,
  event?: { readonly type: 'agreement.activated' | 'agreement.terminated'; readonly merchant: Merchant },
): Promise<Agreement | undefined> {
  if (before.status !== after.status && !canTransitionAgreement(before.status, after.status)) {
    throw new ConflictError('invalid_state_transition', `An agreement cannot go from ${before.status} to ${after.status}.`);
  }
  const next: Agreement = { ...after, version: before.version + 1, updatedAt: new Date(nowMs).toISOString() };
  // The agreement's own notifyUrl, else the merchant's default (contract, "Notifications").
  const outbox = event ? agreementEvent(event.type, next, next.notifyUrl ?? event.merchant.notifyUrl, nowMs) : undefined;
  const committed = await deps.agreements.commit({ after: next, expect: { status: before.status, version: before.version }, event: outbox });
  return committed ? next : undefined;
}
