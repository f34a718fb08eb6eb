import { recordPaymentOutcome } from '../metrics.js';
import type { CardInput } from '../domain/card.js';
import type { AttemptOutcome } from '../domain/payment-outcome.js';
import { blocklistLookups, evaluateRisk, type RiskDecision } from '../domain/risk.js';
import { routeCandidates } from '../domain/routing.js';
import { ChannelTimeoutError } from '../ports/payment-channel.js';
import type { PayWorkflowResult, PayWorkflowState, RouteState } from '../ports/pay-workflow.js';
import { channelOf, type Deps } from './deps.js';
import { commitOutcome } from './payments.js';
import type { RoutingDeps } from './routing-deps.js';

/**
 * The steps of the pay workflow. Each is one Task of the state machine (functions/workflow/*), takes the workflow
 * state and returns only its own part, which the definition places under the step's ResultPath.
 */
export async function assessRisk(deps: Deps, state: PayWorkflowState): Promise<RiskDecision> {
  const subjects = {
    payer_id: state.payer.id,
    payer_ip: state.payer.ip,
    card_fingerprint: state.card.fingerprint,
  };
  const blocked = await deps.blocklist.blocked(blocklistLookups(deps.riskRules, subjects));
  return evaluateRisk(deps.riskRules, {
    amount: state.order.amount,
    challengeAmount: state.challengeAmount,
    subjects,
    blocked,
  });
}

export async function routePayment(deps: RoutingDeps, state: PayWorkflowState): Promise<RouteState> {
  const payment = state.order.payment!;
  const candidates = routeCandidates(
    deps.channelCatalog,
    { method: payment.method, currency: state.order.currency, amount: state.order.amount, capture: payment.capture },
    (id) => deps.channelHealth.isHealthy(id) && deps.channels.has(id),
  ).filter((id) => deps.channels.has(id));
  return { candidates, attempt: 0, channel: candidates[0] ?? null };
}

/** Calls the chosen channel. A timeout is rethrown as ChannelTimeoutError for the definition's Catch (failover). */
export async function chargeChannel(deps: Deps, state: PayWorkflowState): Promise<AttemptOutcome> {
  const channelId = state.route?.channel;
  if (!channelId) throw new Error('chargeChannel called without a routed channel');
  const order = state.order;
  const card = JSON.parse(
    await deps.keyCenter.open(state.sealedCard, { paymentId: state.paymentId, merchantId: order.merchantId }, { cache: false }),
  ) as CardInput;
  try {
    const result = await channelOf(deps, channelId).charge({
      paymentId: state.paymentId,
      orderId: order.id,
      merchantId: order.merchantId,
      amount: order.amount,
      currency: order.currency,
      capture: order.payment!.capture,
      card,
      requireOtp: state.risk?.action === 'challenge',
    });
    deps.channelHealth.recordSuccess(channelId);
    return { ...result, channel: channelId };
  } catch (error) {
    if (error instanceof ChannelTimeoutError) deps.channelHealth.recordFailure(channelId);
    throw error;
  }
}

/**
 * After a timeout the outcome at that channel is unknown: cancel (reverse) it there first, so that trying the next
 * channel cannot charge the payer twice, then move to the next candidate.
 */
export async function failover(deps: RoutingDeps, state: PayWorkflowState): Promise<RouteState> {
  const route = state.route!;
  if (route.channel) await channelOf(deps, route.channel).cancel(state.paymentId);
  const attempt = route.attempt + 1;
  return { candidates: route.candidates, attempt, channel: route.candidates[attempt] ?? null };
}

/** The last step: one transaction with the order's new state, its ledger entry and its event. */
export async function commitPayment(deps: Deps, state: PayWorkflowState): Promise<PayWorkflowResult> {
  const outcome = decidedOutcome(state);
  const order = await commitOutcome(deps, state.order, outcome, state.feeBps);
  const blocked = state.risk?.action === 'block';
  if (outcome.outcome === 'succeeded' || outcome.outcome === 'declined') {
    recordPaymentOutcome(
      outcome.outcome === 'succeeded' ? 'succeeded' : 'failed',
      { orderId: order.id, channel: outcome.channel, code: outcome.outcome === 'declined' ? outcome.code : null },
      deps.now(),
    );
  }
  return {
    order,
    outcome: blocked ? 'blocked' : outcome.outcome,
    declineCode: outcome.outcome === 'declined' ? outcome.code : null,
    declineMessage: outcome.outcome === 'declined' ? outcome.message : null,
  };
}

function decidedOutcome(state: PayWorkflowState): AttemptOutcome {
  if (state.risk?.action === 'block') {
    return { outcome: 'declined', channel: null, channelPaymentId: null, code: 'risk_blocked', message: 'Blocked by risk controls.' };
  }
  if (state.charge) return state.charge;
  return {
    outcome: 'declined',
    channel: null,
    channelPaymentId: null,
    code: 'no_channel_available',
    message: 'No payment channel could take this payment.',
  };
}

/** A step failed before any channel was called: give the order back (CREATED) with the error, so it can be paid. */
export async function releaseClaim(deps: Deps, state: PayWorkflowState): Promise<PayWorkflowResult> {
  const outcome: AttemptOutcome = {
    outcome: 'declined',
    channel: null,
    channelPaymentId: null,
    code: 'processing_error',
    message: 'The payment could not be processed.',
  };
  const order = await commitOutcome(deps, state.order, outcome, state.feeBps);
  return { order, outcome: 'declined', declineCode: 'processing_error', declineMessage: outcome.message };
}
