import { newId } from '../domain/ids.js';
import type { CardInput } from '../domain/card.js';
import type { Order } from '../domain/order.js';
import { assertTransition } from '../domain/order-state.js';
import { orderStatusAfter, type AttemptOutcome } from '../domain/payment-outcome.js';
import { blocklistLookups, evaluateRisk, type RiskDecision } from '../domain/risk.js';
import { counterIncrements, counterReads, velocityHits } from '../domain/velocity.js';
import { failoverRouting, rankChannels, type AttemptRouting, type RankingHealth } from '../domain/channel-ranking.js';
import { eligible } from '../domain/routing.js';
import { recordChannelCall } from '../metrics.js';
import type { ChannelCallCount, ChannelCallOutcome, ChannelHealthView } from '../ports/channel-health.js';
import { ChannelRejectedError, ChannelTimeoutError } from '../ports/payment-channel.js';
import type { PayWorkflowResult, PayWorkflowState, RouteState } from '../ports/pay-workflow.js';
import { callbackUrl, outcomeOf } from './channel-outcomes.js';
import { channelOf, flowOf, type Deps } from './deps.js';
import { commitAttemptOutcome, failoverAttempt, recordAttemptChannel } from './state-writer.js';
import type { RoutingDeps } from './routing-deps.js';

/**
 * The steps of the pay workflow. Each is one Task of the state machine (functions/workflow/*), takes the workflow
 * state and returns only its own part, which the definition places under the step's ResultPath; the risk step,
 * first, returns the state with the claimed order and its decision added.
 */
export async function assessRisk(deps: Deps, state: PayWorkflowState): Promise<PayWorkflowState & { order: Order; risk: RiskDecision }> {
  const subjects = {
    payer_id: state.payer.id,
    payer_ip: state.payer.ip,
    card_fingerprint: state.card?.fingerprint,
  };
  const nowMs = deps.now();
  // The merchant's velocity rules come from the container's cache; without any, no counter is read or written.
  const velocityRules = await deps.velocityRuleCache.forMerchant(state.merchantId);
  // One round trip: the order as the pay request claimed it, the blocklist entries and the velocity counters.
  const { order, blocked, counters } = await deps.riskReads.load(
    state.orderId,
    blocklistLookups(deps.riskRules, subjects),
    counterReads(velocityRules, state.merchantId, subjects, nowMs),
  );
  if (!isClaimedFor(order, state.paymentId)) throw new Error(`order ${state.orderId} is not claimed for payment ${state.paymentId}`);
  const payment = { merchantId: state.merchantId, amount: order.amount, currency: order.currency };
  const velocity = velocityHits(velocityRules, payment, subjects, counters ?? new Map(), nowMs);
  const risk = evaluateRisk(deps.riskRules, { amount: order.amount, challengeAmount: state.challengeAmount, subjects, blocked, velocity });
  const velocityCounts = counterIncrements(velocityRules, payment, subjects, nowMs);
  return { ...state, order, risk, ...(velocityCounts.length > 0 ? { velocityCounts } : {}) };
}

/** The order is PROCESSING for this payment: the pay request's claim, not another attempt's. */
function isClaimedFor(order: Order | undefined, paymentId: string): order is Order {
  return order?.status === 'PROCESSING' && order.payment?.id === paymentId;
}

/** The attempt the workflow is on: the pay request's, or the one a failover started. */
function currentPaymentId(state: PayWorkflowState): string {
  return state.route?.paymentId ?? state.paymentId;
}

/** The claimed order, which the risk step put in the state. */
function claimedOrder(state: PayWorkflowState): Order {
  if (!state.order) throw new Error(`the workflow state holds no order (payment ${state.paymentId})`);
  return state.order;
}

/**
 * Picks the channels for this payment (shared/domain/channel-ranking.ts): the records of the channels built here
 * (cached), their health, and today's usage of those with a quota in this currency (one BatchGet, none without
 * quotas). Returns them in routing order with the decision the attempt keeps.
 */
export async function routePayment(deps: RoutingDeps, state: PayWorkflowState): Promise<RouteState> {
  const order = claimedOrder(state);
  const payment = order.payment!;
  const request = { method: payment.method, currency: order.currency, amount: order.amount, capture: payment.capture };
  const nowMs = Date.now();
  const records = (await deps.channelDirectory.current()).filter((record) => deps.channels.has(record.id));
  const eligibleIds = records.filter((record) => eligible(record, request)).map((record) => record.id);
  const [views, usedToday] = await Promise.all([deps.channelHealth.views(eligibleIds), deps.channelDirectory.usedToday(records, request, nowMs)]);
  const rank = (health: ReadonlyMap<string, RankingHealth>) => rankChannels(records, request, { health, usedToday });
  // A half-open channel takes a payment only as its probe, claimed (a conditional write) for the channel routing would
  // pick first: a probe claimed for a channel that is then not called would hold the one slot until its lease ends.
  const tentative = rank(healthFor(views, (view) => view.available || view.circuit === 'half_open'));
  const first = tentative.order[0];
  const probe = first !== undefined && views.get(first)?.circuit === 'half_open' && (await deps.channelHealth.views([first], { admit: true })).get(first)?.available === true;
  const { order: candidates, decision } = rank(healthFor(views, (view) => view.available || (probe && view.channelId === first)));
  if (candidates[0] !== undefined) await deps.channelDirectory.routed(candidates[0], request, nowMs);
  const paymentIds = [state.paymentId, ...candidates.map(() => newId('pay', nowMs))];
  return {
    candidates,
    attempt: 0,
    channel: candidates[0] ?? null,
    paymentId: state.paymentId,
    paymentIds,
    routing: decision,
    ...(probe ? { probes: [first] } : {}),
  };
}

/** The channels' shared health as routing ranks it; which ones may take this payment is `usable`'s call. */
function healthFor(views: ReadonlyMap<string, ChannelHealthView>, usable: (view: ChannelHealthView) => boolean): ReadonlyMap<string, RankingHealth> {
  return new Map([...views].map(([id, view]) => [id, { available: usable(view), successRate: view.successRate }]));
}

/**
 * Calls the chosen channel. A timeout is rethrown as ChannelTimeoutError for the definition's Catch (failover). The
 * call is counted in the channel's health: a failure or a probe's outcome here, an ordinary answer by the commit.
 */
export async function chargeChannel(deps: Deps, state: PayWorkflowState): Promise<AttemptOutcome & { readonly callLatencyMs?: number }> {
  const channelId = state.route?.channel;
  if (!channelId) throw new Error('chargeChannel called without a routed channel');
  const order = claimedOrder(state);
  // Wallets and banks carry no card: the payer pays at the channel (QR code, bank page) after this answers.
  const card = state.sealedCard
    ? (JSON.parse(await deps.keyCenter.open(state.sealedCard, { paymentId: state.paymentId, merchantId: order.merchantId }, { cache: false })) as CardInput)
    : undefined;
  const paymentId = currentPaymentId(state);
  const channel = channelOf(deps, channelId);
  if (!(await recordAttemptChannel(deps, { orderId: order.id, paymentId, channel: channelId, routing: attemptRouting(state.route!) }))) {
    throw new Error(`order ${order.id} is no longer processing payment ${paymentId}`);
  }
  // The route claimed this channel's probe: its outcome closes or reopens the half-open circuit.
  const probe = state.route?.probes?.includes(channelId) === true;
  const startedAt = Date.now();
  try {
    const result = await flowOf(channel, 'createPayment')({
      paymentId,
      orderId: order.id,
      merchantId: order.merchantId,
      amount: order.amount,
      currency: order.currency,
      subject: order.subject,
      expiresAt: order.expiresAt,
      capture: order.payment!.capture,
      ...(card ? { card, requireOtp: state.risk?.action === 'challenge' } : {}),
      ...(state.bank ? { bank: state.bank } : {}),
      ...(state.payer.ip ? { payerIp: state.payer.ip } : {}),
      callbackUrl: callbackUrl(deps, channelId),
      // The bank's page sends the payer back to the merchant's page; the order's status is the truth, not this redirect.
      ...(order.returnUrl ? { returnUrl: order.returnUrl } : {}),
    });
    const outcome = outcomeOf(channelId, result);
    const answered = outcome.outcome === 'declined' ? 'decline' : 'success';
    const latencyMs = Date.now() - startedAt;
    if (probe) {
      await deps.channelHealth.record(channelId, answered, latencyMs, { probe });
      return outcome;
    }
    // An answered ordinary call cannot move the circuit: the commit counts it in its own transaction (decision 204).
    recordChannelCall(channelId, { answered: true, technicalFailure: false, latencyMs }, Date.now());
    return { ...outcome, callLatencyMs: latencyMs };
  } catch (error) {
    await deps.channelHealth.record(channelId, callOutcomeOf(error), Date.now() - startedAt, { probe });
    throw error;
  }
}

/**
 * What a failed channel call says about the channel: no answer in time is a timeout, the channel's own system error
 * (5xx, SYSTEM_ERROR) or anything unexpected an error; a refusal it answered (ChannelRejectedError: a malformed or
 * refused request, nothing happened there) is the channel working, counted as answered (decision 198).
 */
function callOutcomeOf(error: unknown): ChannelCallOutcome {
  if (error instanceof ChannelTimeoutError) return error.kind === 'system_error' ? 'error' : 'timeout';
  return error instanceof ChannelRejectedError ? 'decline' : 'error';
}

/** Why this attempt went to its channel: the route step's decision, or the failover from the channel before it. */
function attemptRouting(route: RouteState): AttemptRouting | undefined {
  if (route.attempt === 0) return route.routing;
  const from = route.candidates[route.attempt - 1];
  return from ? failoverRouting(route.routing, from) : route.routing;
}

/**
 * After a timeout the outcome at that channel is unknown: cancel (reverse) it there first, so that trying the next
 * channel cannot charge the payer twice. The cancelled attempt is kept (CANCELLED) and a new attempt, with its own
 * id, becomes the order's current one for the next candidate (or for the decline when none is left).
 */
export async function failover(deps: Deps, state: PayWorkflowState): Promise<RouteState> {
  const route = state.route!;
  const from = currentPaymentId(state);
  const attempt = route.attempt + 1;
  const to = route.paymentIds?.[attempt] ?? newId('pay', deps.now());
  if (route.channel) {
    const voided = await flowOf(channelOf(deps, route.channel), 'void')({ paymentId: from, channelPaymentId: null });
    if (voided.status === 'succeeded' || voided.status === 'authorized') {
      // The timed-out attempt went through after all and cannot be reversed: trying another channel would charge the
      // payer twice. The workflow ends with the outcome unknown; the janitor's query commits this attempt's success.
      throw new Error(`Channel ${route.channel} could not void payment ${from}: it is ${voided.status}`);
    }
    await failoverAttempt(deps, { orderId: state.orderId, fromPaymentId: from, toPaymentId: to, channel: route.channel, routing: failoverRouting(route.routing, route.channel) });
  }
  return { ...route, attempt, channel: route.candidates[attempt] ?? null, paymentId: route.channel ? to : from };
}

/** The last step: one transaction with the order's new state, its ledger entry and its event. */
export async function commitPayment(deps: Deps, state: PayWorkflowState): Promise<PayWorkflowResult> {
  const outcome = decidedOutcome(state);
  // The workflow's own state must be coherent before anything is read: the order the risk step saw claimed can take
  // this outcome (a state that says otherwise is a bug, refused as the state table's 409 without I/O).
  assertTransition(claimedOrder(state).status, orderStatusAfter(outcome.outcome));
  const { order } = await commitAttemptOutcome(deps, {
    orderId: state.orderId,
    paymentId: currentPaymentId(state),
    outcome,
    // A workflow started before fee schedules (its input has feeBps, no fees) reads the merchant's schedule at commit.
    fees: state.fees,
    // The attempt keeps its risk decision, and is counted for velocity in this same transaction (decisions, 217-218).
    ...(state.risk ? { risk: state.risk } : {}),
    ...(state.velocityCounts ? { velocity: state.velocityCounts } : {}),
    // No channel was called: the attempt says why none was eligible (decisions, 208).
    ...(!state.charge && state.route?.routing ? { routing: state.route.routing } : {}),
    ...channelCallOf(state, deps.now()),
  });
  const blocked = state.risk?.action === 'block';
  // The outcome is counted (PaymentsSucceeded/Failed) by the one writer, as every other path's is.
  return {
    order,
    outcome: blocked ? 'blocked' : outcome.outcome,
    declineCode: outcome.outcome === 'declined' ? outcome.code : null,
    declineMessage: outcome.outcome === 'declined' ? outcome.message : null,
  };
}

/** The charge's answered call, for the commit to count in its channel's health (none for a probe or a risk block). */
function channelCallOf(state: PayWorkflowState, nowMs: number): { channelCall?: ChannelCallCount } {
  const charge = state.charge;
  if (!charge?.channel || charge.callLatencyMs === undefined || state.risk?.action === 'block') return {};
  const outcome = charge.outcome === 'declined' ? 'decline' : 'success';
  return { channelCall: { channelId: charge.channel, outcome, latencyMs: charge.callLatencyMs, nowMs } };
}

function decidedOutcome(state: PayWorkflowState): AttemptOutcome {
  if (state.risk?.action === 'block') {
    return { outcome: 'declined', channel: null, channelPaymentId: null, code: 'risk_blocked', message: 'Blocked by risk controls.' };
  }
  if (state.charge) {
    // The call's latency is for the channel's health, not part of the outcome the attempt keeps.
    const { callLatencyMs: _latency, ...charge } = state.charge;
    return charge;
  }
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
  // The risk step may have failed before it put the order in the state: read it (this failure path only).
  const claimed = state.order ?? (await deps.orders.getOrder(state.orderId));
  if (!isClaimedFor(claimed, state.paymentId)) {
    throw new Error(`order ${state.orderId} is not claimed for payment ${state.paymentId}: nothing to release`);
  }
  const { order } = await commitAttemptOutcome(deps, { orderId: claimed.id, paymentId: state.paymentId, outcome, fees: state.fees });
  return { order, outcome: 'declined', declineCode: 'processing_error', declineMessage: outcome.message };
}
