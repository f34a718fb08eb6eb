import { periodIndex, periodLimitsOf, refuseDebit, type AgreementRule } from '../domain/agreement-rules.js';
import type { Agreement } from '../domain/agreement.js';
import { ConflictError, PaymentDeclinedError, ServiceUnavailableError } from '../domain/errors.js';
import { declineCode } from '../domain/error-codes.js';
import { merchantFeesOf, type MerchantFees } from '../domain/fees.js';
import { newId } from '../domain/ids.js';
import { isExpired, type Order, type Payment } from '../domain/order.js';
import type { AttemptOutcome } from '../domain/payment-outcome.js';
import { logger } from '../logger.js';
import { ChannelRejectedError } from '../ports/payment-channel.js';
import type { AgreementPeriodCount, Merchant, NonceGuard } from '../ports/stores.js';
import { loadAgreement } from './agreements.js';
import { screenDebit } from './agreement-screening.js';
import { callbackUrl, outcomeOf } from './channel-outcomes.js';
import { flowOf, type Deps } from './deps.js';
import { paymentQueryKey, schedulePaymentQuery } from './janitor-timers.js';
import { loadOrder } from './orders.js';
import type { PaymentResponse } from './payments.js';
import { claimForDebit, commitAttemptOutcome, recordAttemptChannel } from './state-writer.js';

/**
 * A debit under an agreement (`pay {"method": "agreement"}`): no card, no OTP, no payer present. Refused before any
 * channel call by one function (refuseDebit: ACTIVE, currency, maxAmountPerDebit, the channel's agreementRules);
 * then an attempt like any other, through the one writer: the claim (with the agreement's ACTIVE status checked in
 * the same transaction), the channel recorded, the merchant-initiated charge with the token, and the outcome
 * committed. A direct flow, not the pay workflow: the token lives at one channel, so there is nothing to route or
 * fail over to, and no challenge to ask for (docs/decisions.md, 125). A lost answer leaves the order PROCESSING
 * (202) for the janitor's query, which was set before the claim as for every pay.
 */
export async function payWithAgreement(
  deps: Deps,
  merchant: Merchant,
  orderId: string,
  agreementId: string,
  guard?: NonceGuard,
): Promise<PaymentResponse> {
  const nowMs = deps.now();
  const [order, agreement] = await Promise.all([loadOrder(deps, merchant.merchantId, orderId), loadAgreement(deps, merchant.merchantId, agreementId)]);
  assertPayable(order, nowMs);
  const rules = deps.channelCatalog.find((c) => c.id === agreement.channel)?.agreementRules ?? [];
  const period = periodCount(rules, agreement, order.amount, nowMs);
  const periodUsage = period && period.period >= 0 ? await deps.agreements.periodUsage(agreement.id, period.period) : undefined;
  const refusal = refuseDebit(agreement, { amount: order.amount, currency: order.currency, nowMs, ...(periodUsage ? { periodUsage } : {}) }, rules);
  if (refusal) throw refusal;
  await screenDebit(deps, agreement);
  const channel = deps.channels.get(agreement.channel);
  if (!channel || !agreement.channelToken) throw new ServiceUnavailableError('channel_error', `The agreement's channel ${agreement.channel} is not available.`);

  const payment = debitPayment(newId('pay', nowMs), agreement.id, agreement.channel, nowMs);
  await schedulePaymentQuery(deps, { orderId, paymentId: payment.id }, nowMs);
  const claim = await claimForDebit(deps, { orderId, merchantId: merchant.merchantId, nowMs, guard, payment, agreementId, ...(period ? { period } : {}) });
  if (claim !== 'claimed') {
    await deps.timers.cancel(paymentQueryKey(payment.id));
    if (claim === 'agreement') throw new ConflictError('agreement_not_active', 'The agreement was terminated; it can no longer be debited.');
    if (claim === 'period') throw await periodFilledMeanwhile(deps, agreement, { amount: order.amount, currency: order.currency, nowMs }, rules, period!);
    throw new ConflictError('order_not_payable', 'The order is being paid or was paid by another request.');
  }
  if (!(await recordAttemptChannel(deps, { orderId, paymentId: payment.id, channel: channel.id }))) {
    throw new ConflictError('order_not_payable', 'The order changed while the debit started.');
  }
  // A debit that charged nothing gives its place in the period back, as the wallet counts only successful debits.
  const uncount = async () => (period ? deps.agreements.releasePeriodDebit(agreement.id, period.period, period.amount) : undefined);
  const fees = merchantFeesOf(merchant, deps.settings.defaultFeeBps);
  let outcome: AttemptOutcome;
  try {
    const result = await flowOf(channel, 'createPayment')({
      paymentId: payment.id,
      orderId,
      merchantId: merchant.merchantId,
      amount: order.amount,
      currency: order.currency,
      subject: order.subject,
      expiresAt: order.expiresAt,
      capture: true,
      agreementToken: agreement.channelToken,
      callbackUrl: callbackUrl(deps, channel.id),
    });
    outcome = outcomeOf(channel.id, result);
  } catch (error) {
    return debitFailed(deps, { orderId, paymentId: payment.id, channel: channel.id, fees }, error, uncount);
  }
  const { order: committed } = await commitAttemptOutcome(deps, { orderId, paymentId: payment.id, outcome, fees });
  if (outcome.outcome === 'declined') {
    await uncount();
    throw new PaymentDeclinedError(declineCode(outcome.code), outcome.message, { orderId });
  }
  return { statusCode: 200, order: committed };
}

/** The attempt of a debit: its method, the agreement it names and its channel, known before the claim. */
function debitPayment(id: string, agreementId: string, channel: string, nowMs: number): Payment {
  return {
    id,
    method: 'agreement',
    capture: true,
    channel,
    channelPaymentId: null,
    card: null,
    payerId: null,
    nextAction: null,
    fee: 0,
    riskDecision: null,
    otpFailures: 0,
    createdAt: new Date(nowMs).toISOString(),
    agreementId,
  };
}

/** The count a debit adds to its period under the channel's period rule, or undefined when the channel has none. */
function periodCount(rules: readonly AgreementRule[], agreement: Agreement, amount: number, nowMs: number): AgreementPeriodCount | undefined {
  const rule = periodLimitsOf(rules);
  if (!rule) return undefined;
  return { agreementId: agreement.id, period: periodIndex(rule, agreement, nowMs), amount, maxDebits: rule.maxDebits, maxAmount: rule.maxAmount };
}

/**
 * The claim's condition found the period full: concurrent debits took what the read before it saw free. The
 * refusal is refuseDebit's own on the counter as it is now; should a release have freed it meanwhile, still a
 * refusal of this request (its claim did not commit), which the merchant may retry.
 */
async function periodFilledMeanwhile(
  deps: Deps,
  agreement: Agreement,
  debit: { amount: number; currency: Order['currency']; nowMs: number },
  rules: readonly AgreementRule[],
  period: AgreementPeriodCount,
): Promise<Error> {
  const periodUsage = await deps.agreements.periodUsage(agreement.id, period.period);
  return (
    refuseDebit(agreement, { ...debit, periodUsage }, rules) ??
    new PaymentDeclinedError('agreement_rule_refused', `The ${agreement.channel} channel does not allow this debit: its period's limits were reached by concurrent debits.`)
  );
}

function assertPayable(order: Order, nowMs: number): void {
  if (isExpired(order, nowMs)) throw new ConflictError('order_expired', 'The order has expired.');
  if (order.status !== 'CREATED') throw new ConflictError('order_not_payable', `An order in status ${order.status} cannot be paid.`);
}

/**
 * The channel's charge failed. A definite refusal changed nothing there: the claim is released (CREATED with
 * lastPaymentError) and the merchant gets a 503 to retry. Anything else may have charged: the order stays
 * PROCESSING (202) until the janitor's query settles it, never reported as success.
 */
async function debitFailed(
  deps: Deps,
  ids: { orderId: string; paymentId: string; channel: string; fees: MerchantFees },
  error: unknown,
  uncount: () => Promise<void>,
): Promise<PaymentResponse> {
  const reason = error instanceof Error ? error.name : 'non-Error';
  if (error instanceof ChannelRejectedError) {
    const released: AttemptOutcome = { outcome: 'declined', channel: ids.channel, channelPaymentId: null, code: 'processing_error', message: 'The channel refused the debit.' };
    await commitAttemptOutcome(deps, { orderId: ids.orderId, paymentId: ids.paymentId, outcome: released, fees: ids.fees });
    await uncount();
    logger.warn('agreement debit refused by the channel', { ...ids, error: reason });
    throw new ServiceUnavailableError('payment_processing_error', 'The channel refused the debit; the order is unchanged, try again.');
  }
  logger.error('agreement debit outcome unknown; the order stays PROCESSING until the channel is queried', { ...ids, error: reason });
  return { statusCode: 202, order: (await deps.orders.getOrder(ids.orderId))! };
}
