import { earliestWindowSeconds } from '../domain/authorization.js';
import { assertCardUsable, cardBrand, type CardInput } from '../domain/card.js';
import {
  ConflictError,
  PaymentDeclinedError,
  PermissionError,
  ServiceUnavailableError,
  ValidationError,
} from '../domain/errors.js';
import { declineCode } from '../domain/error-codes.js';
import { merchantFeesOf, type MerchantFees } from '../domain/fees.js';
import { newId } from '../domain/ids.js';
import { SUPPORTED_METHODS, isExpired, type Order, type PaymentMethod } from '../domain/order.js';
import { OTP_ATTEMPTS, type AttemptOutcome } from '../domain/payment-outcome.js';
import { logger } from '../logger.js';
import { recordOtpConfirmation, type OtpConfirmationResult } from '../metrics.js';
import type { CreatePaymentResult } from '../ports/channel-flows.js';
import { ChannelRejectedError } from '../ports/payment-channel.js';
import type { PayWorkflowResult } from '../ports/pay-workflow.js';
import type { Merchant, NonceGuard } from '../ports/stores.js';
import type { PayOrderRequest } from '../schemas/requests.js';
import { assertBalancePayable, payFromBalance } from './balance-payments.js';
import { payWithAgreement } from './agreement-debit.js';
import { outcomeOf } from './channel-outcomes.js';
import { channelOf, flowOf, type Deps } from './deps.js';
import { paymentQueryKey, scheduleAuthorizationExpiry, schedulePaymentQuery } from './janitor-timers.js';
import { loadOrder } from './orders.js';
import { claimForPayment, claimWithAttempt, commitAttemptOutcome } from './state-writer.js';

export interface PaymentResponse {
  /** 200 for a settled answer, 202 when the channel's answer is still unknown (order left PROCESSING). */
  readonly statusCode: 200 | 202;
  readonly order: Order;
}

/**
 * Pays an order: validate, claim CREATED → PROCESSING with one conditional write (so of any number of concurrent
 * pays exactly one proceeds), then run the pay workflow, which commits the outcome.
 */
export async function payOrder(
  deps: Deps,
  merchant: Merchant,
  orderId: string,
  request: PayOrderRequest,
  guard?: NonceGuard,
): Promise<PaymentResponse> {
  const nowMs = deps.now();
  const card = assertMethodFields(request, nowMs);
  // A debit under an agreement is its own direct flow (no card, no OTP, the agreement's channel).
  if (request.method === 'agreement') return payWithAgreement(deps, merchant, orderId, request.agreementId!, guard);
  if (request.method === 'balance') await assertBalancePayable(deps, merchant.merchantId, await loadOrder(deps, merchant.merchantId, orderId), request);
  const paymentId = newId('pay', nowMs);
  const sealed = card ? await sealCard(deps, card, { paymentId, merchantId: merchant.merchantId }) : undefined;
  const summary = sealed?.summary ?? null;
  const now = new Date(nowMs).toISOString();
  const claim = {
    orderId,
    merchantId: merchant.merchantId,
    nowMs,
    guard,
    payment: {
      id: paymentId,
      method: request.method,
      capture: request.capture,
      channel: null,
      channelPaymentId: null,
      card: summary,
      payerId: request.payer?.id ?? null,
      nextAction: null,
      fee: 0,
      riskDecision: null,
      otpFailures: 0,
      createdAt: now,
      ...(request.customerId ? { customerId: request.customerId } : {}),
    },
  };
  // The janitor's query is set before the claim, so no crash after the claim can leave the attempt without one; it
  // finds nothing to do once the attempt has its outcome, and is removed again when the claim loses.
  await schedulePaymentQuery(deps, { orderId, paymentId }, nowMs);
  // CREATED → PROCESSING in one conditional write, without reading the order first: of any number of concurrent
  // pays exactly one gets through. Only when it fails is the order read, to say why.
  if (!(await claimForPayment(deps, claim))) {
    await deps.timers.cancel(paymentQueryKey(paymentId));
    const order = await loadOrder(deps, merchant.merchantId, orderId);
    assertPayable(order, nowMs);
    throw new ConflictError('order_not_payable', 'The order is being paid or was paid by another request.');
  }
  if (request.method === 'balance') return payFromBalance(deps, { orderId, paymentId });
  // A pre-authorization's expiry is set once the order is this pay's (a losing concurrent pay must not replace it) and
  // before any channel can authorize: no earlier than the shortest window this card could get, so never after its
  // captureBefore, which the commit fixes; a timer that fires early sets itself again (docs/decisions.md, entry 115).
  if (!request.capture) {
    const window = earliestWindowSeconds(summary?.brand ?? null, deps.authorizationWindowSeconds);
    await scheduleAuthorizationExpiry(deps, { orderId, paymentId }, nowMs + window * 1000);
  }

  const execution = await deps.workflow.run({
    orderId,
    merchantId: merchant.merchantId,
    paymentId,
    ...(sealed ? { sealedCard: sealed.sealedCard } : {}),
    card: summary,
    ...(request.netbank?.bank ? { bank: request.netbank.bank } : {}),
    payer: request.payer ?? {},
    challengeAmount: merchant.riskChallengeAmount ?? deps.settings.defaultChallengeAmount,
    fees: merchantFeesOf(merchant, deps.settings.defaultFeeBps),
  });
  if (execution.status === 'SUCCEEDED') return answer(execution.output);

  // The workflow failed. Either it released the claim (nothing reached a channel) or the outcome at the channel is
  // unknown and the order stays PROCESSING until the channel is queried: never reported as success.
  const current = await loadOrder(deps, merchant.merchantId, orderId);
  if (current.status === 'PROCESSING') return { statusCode: 202, order: current };
  const settled = settledMeanwhile(current, paymentId);
  if (settled) return settled;
  throw new ServiceUnavailableError('payment_processing_error', 'The payment could not be processed; try again.');
}

/**
 * While the workflow waited on a channel that did not answer, the janitor's query may already have settled this
 * payment from the channel's own records (docs/decisions.md, entry 106): the pay answers with that outcome, as it
 * would have had the channel answered in time, instead of a 503 that invites a second payment of a paid order.
 */
function settledMeanwhile(order: Order, paymentId: string): PaymentResponse | undefined {
  if (order.payment?.id !== paymentId) return undefined;
  if (order.status === 'SUCCEEDED' || order.status === 'AUTHORIZED' || order.status === 'REQUIRES_ACTION') return { statusCode: 200, order };
  const error = order.lastPaymentError;
  // `processing_error` is a released claim or a payment the channel never had: nothing was charged, retry (503).
  if (order.status === 'CREATED' && error?.paymentId === paymentId && error.code !== 'processing_error') {
    throw new PaymentDeclinedError(declineCode(error.code), error.message, { orderId: order.id });
  }
  return undefined;
}

/** Methods whose payer enters a card (sealed at once, never stored or logged in clear). */
const CARD_METHODS: readonly PaymentMethod[] = ['card', 'unionpay'];
/** Pre-authorization exists only where the channel holds funds: cards and UnionPay (contract, Pay). */
const MANUAL_CAPTURE_METHODS: readonly PaymentMethod[] = ['card', 'unionpay'];

/**
 * The contract's per-method rules, before anything is stored: the method is available, `capture: false` only for
 * cards, a card for the card methods and for no other, `netbank` fields only for netbank. Returns the card, if any.
 */
function assertMethodFields(request: PayOrderRequest, nowMs: number): CardInput | undefined {
  const { method } = request;
  if (!SUPPORTED_METHODS.includes(method)) {
    throw new ValidationError('method_not_supported', `Payment method ${method} is not available yet.`, 'method');
  }
  if (!request.capture && !MANUAL_CAPTURE_METHODS.includes(method)) {
    throw new ValidationError('manual_capture_not_supported', `Pre-authorization (capture: false) is not available for ${method}.`, 'capture');
  }
  if (request.netbank && method !== 'netbank') {
    throw new ValidationError('parameter_invalid', 'netbank is only accepted with method netbank.', 'netbank');
  }
  if (method === 'balance' && !request.customerId) {
    throw new ValidationError('parameter_missing', 'customerId is required for method balance.', 'customerId');
  }
  if (method !== 'balance' && request.customerId) {
    throw new ValidationError('parameter_invalid', 'customerId is only accepted with method balance.', 'customerId');
  }
  if ((method === 'agreement') !== (request.agreementId !== undefined)) {
    const message = method === 'agreement' ? 'agreementId is required for method agreement.' : 'agreementId is only accepted with method agreement.';
    throw new ValidationError(method === 'agreement' ? 'parameter_missing' : 'parameter_invalid', message, 'agreementId');
  }
  if (!CARD_METHODS.includes(method)) {
    if (request.card) throw new ValidationError('parameter_invalid', `card is not accepted with method ${method}.`, 'card');
    return undefined;
  }
  const card = request.card;
  if (!card) throw new ValidationError('parameter_missing', `card is required for method ${method}.`, 'card');
  assertCardUsable(card, new Date(nowMs));
  return card;
}

/** The card sealed for the charge step alone, and the summary the order keeps (brand, last4, expiry, fingerprint). */
async function sealCard(deps: Deps, card: CardInput, context: { paymentId: string; merchantId: string }) {
  const [sealedCard, fingerprint] = await Promise.all([
    deps.keyCenter.seal(JSON.stringify(card satisfies CardInput), context),
    deps.keyCenter.fingerprint(card.number),
  ]);
  const summary = { brand: cardBrand(card.number), last4: card.number.slice(-4), expMonth: card.expMonth, expYear: card.expYear, fingerprint };
  return { sealedCard, summary };
}

function assertPayable(order: Order, nowMs: number): void {
  if (isExpired(order, nowMs)) throw new ConflictError('order_expired', 'The order has expired.');
  if (order.status !== 'CREATED') {
    throw new ConflictError('order_not_payable', `An order in status ${order.status} cannot be paid.`);
  }
}

function answer(result: PayWorkflowResult): PaymentResponse {
  if (result.outcome === 'blocked') {
    throw new PermissionError('risk_blocked', 'The payment was blocked by risk controls.');
  }
  if (result.outcome === 'declined') {
    throw new PaymentDeclinedError(declineCode(result.declineCode), result.declineMessage ?? 'Declined.', {
      orderId: result.order.id,
    });
  }
  return { statusCode: 200, order: result.order };
}

/**
 * Completes a challenged payment with the payer's one-time password. Wrong passwords keep the challenge open until
 * OTP_ATTEMPTS are used, then the attempt is declined and the order can be paid again.
 */
export async function confirmPayment(deps: Deps, merchant: Merchant, orderId: string, otp: string): Promise<PaymentResponse> {
  const order = await loadOrder(deps, merchant.merchantId, orderId);
  const nowMs = deps.now();
  if (isExpired(order, nowMs)) throw new ConflictError('order_expired', 'The order has expired.');
  const payment = order.payment;
  if (order.status !== 'REQUIRES_ACTION' || !payment?.channel || !payment.channelPaymentId || payment.nextAction?.type !== 'otp') {
    throw new ConflictError('order_not_confirmable', `An order in status ${order.status} has no challenge to confirm.`);
  }
  // Resolved before the claim: a missing adapter is a deployment bug that must leave the order as it was.
  const channel = channelOf(deps, payment.channel);
  const claimed: Order = { ...order, status: 'PROCESSING', version: order.version + 1, updatedAt: new Date(nowMs).toISOString() };
  if (!(await claimWithAttempt(deps, order, claimed))) {
    throw new ConflictError('order_not_confirmable', 'The order is being confirmed or closed by another request.');
  }
  // Claimed PROCESSING: if the confirm's answer is lost (or this process dies), the janitor asks the channel.
  await schedulePaymentQuery(deps, { orderId, paymentId: payment.id }, nowMs);
  const fees = merchantFeesOf(merchant, deps.settings.defaultFeeBps);
  const facts = { orderId, paymentId: payment.id, channel: channel.id };
  let result: CreatePaymentResult;
  try {
    result = await flowOf(channel, 'confirmPayment')({ paymentId: payment.id, channelPaymentId: payment.channelPaymentId, capture: payment.capture, otp });
  } catch (error) {
    return confirmFailed(deps, claimed, fees, error, { ...facts, otp });
  }
  const failures = result.outcome === 'declined' ? payment.otpFailures + 1 : payment.otpFailures;
  const retry = result.outcome === 'declined' && result.code === 'authentication_failed' && failures < OTP_ATTEMPTS;
  const outcome: AttemptOutcome = retry
    ? { outcome: 'requires_action', channel: channel.id, channelPaymentId: payment.channelPaymentId, nextAction: payment.nextAction }
    : outcomeOf(channel.id, result);
  const { order: committed } = await commitAttemptOutcome(deps, { orderId, paymentId: payment.id, outcome, fees, otpFailures: failures });
  const counted = { ...facts, code: result.outcome === 'declined' ? result.code : null };
  const confirmation = retry ? 'retry' : result.outcome === 'declined' ? 'declined' : 'succeeded';
  logger.info('OTP confirmation', { ...counted, result: confirmation });
  countConfirmation(deps, confirmation, counted);
  if (result.outcome === 'declined') {
    throw new PaymentDeclinedError(declineCode(result.code), result.message, { orderId });
  }
  return { statusCode: 200, order: committed };
}

/**
 * The channel's confirm call failed. A definite refusal (ChannelRejectedError) changed nothing at the channel: the
 * challenge stays open, the order goes back to REQUIRES_ACTION and the merchant gets a 503 to retry. Anything else
 * (a timeout, a dropped connection) may have captured: the outcome is unknown, the order stays PROCESSING (202)
 * until the channel is queried, as in the pay workflow. Either way it is logged (never the OTP) and counted.
 */
async function confirmFailed(
  deps: Deps,
  claimed: Order,
  fees: MerchantFees,
  error: unknown,
  facts: { orderId: string; paymentId: string; channel: string; otp: string },
): Promise<PaymentResponse> {
  const { otp, ...ids } = facts;
  const failure = describeFailure(error, otp);
  if (error instanceof ChannelRejectedError) {
    const payment = claimed.payment!;
    const reopened: AttemptOutcome = {
      outcome: 'requires_action',
      channel: ids.channel,
      channelPaymentId: payment.channelPaymentId!,
      nextAction: payment.nextAction!,
    };
    await commitAttemptOutcome(deps, { orderId: claimed.id, paymentId: payment.id, outcome: reopened, fees, otpFailures: payment.otpFailures });
    logger.warn('OTP confirmation refused by the channel; the challenge stays open', { ...ids, ...failure });
    countConfirmation(deps, 'channel_error', { ...ids, code: failure.error });
    throw new ServiceUnavailableError('channel_error', 'The payment channel refused the confirmation; the order is unchanged, try again.');
  }
  logger.error('OTP confirmation outcome unknown; the order stays PROCESSING until the channel is queried', { ...ids, ...failure });
  countConfirmation(deps, 'unknown', { ...ids, code: failure.error });
  return { statusCode: 202, order: claimed };
}

/** An error for the log: its name and message, with the OTP cut out in case an adapter echoed the request. */
function describeFailure(error: unknown, otp: string): { error: string; errorMessage: string } {
  const name = error instanceof Error ? error.name : 'non-Error';
  const message = error instanceof Error ? error.message : String(error);
  return { error: name, errorMessage: otp ? message.split(otp).join('[redacted]') : message };
}

/** Every confirmation is counted; one that ends the payment is counted as the payment's outcome by the one writer. */
function countConfirmation(
  deps: Deps,
  result: OtpConfirmationResult,
  facts: { orderId: string; paymentId: string; channel: string; code: string | null },
): void {
  recordOtpConfirmation(result, facts, deps.now());
}
