import { channelCost, type ChannelConfig, type RouteRequest } from './routing.js';

/**
 * Smart routing as one pure function (docs/decisions.md, 207): eligibility first (method, currency, enabled, the
 * per-payment limits, manual capture, today's quota, the circuit), then the cost of this amount, then the measured
 * success rate, then the operator's priority, then the id. It also says why the first channel won, for the attempt.
 */

/** What routing needs of a channel's health: structurally the channel-health port's view (shared/ports/channel-health.ts). */
export interface RankingHealth {
  readonly available: boolean;
  /** Answered / calls in the health window; null under the minimum volume (not judged yet). */
  readonly successRate: number | null;
}

/** Why a channel that takes this method and currency was left out. */
export type RoutingExclusion = 'disabled' | 'amount_limits' | 'manual_capture' | 'daily_limit' | 'circuit_open';

/**
 * Why the first candidate was chosen over the next: the first rule that told them apart. `failover` is written by the
 * charge step when a timed-out channel was given up for the next candidate.
 */
export type RoutingReason = 'only_eligible' | 'cheapest' | 'higher_success_rate' | 'priority' | 'tie_break' | 'none_eligible' | 'failover';

export interface RoutingCandidate {
  readonly channel: string;
  /** What the channel charges the platform for this amount, in minor units. */
  readonly cost: number;
  readonly successRate: number | null;
  readonly excluded?: RoutingExclusion;
}

/** The route step's decision, kept on the attempt (operators see it; merchants do not: decisions, 208). */
export interface RoutingDecision {
  readonly reason: RoutingReason;
  /** Every channel that takes this method and currency: the eligible ones in routing order, then the excluded ones. */
  readonly candidates: readonly RoutingCandidate[];
}

/** What the attempt keeps: the route step's decision, and for an attempt a failover started, the channel given up. */
export interface AttemptRouting extends RoutingDecision {
  readonly failoverFrom?: string;
}

/** The decision for the attempt that replaces one whose channel timed out (the next candidate in the same order). */
export function failoverRouting(decision: RoutingDecision | undefined, from: string): AttemptRouting {
  return { reason: 'failover', candidates: decision?.candidates ?? [], failoverFrom: from };
}

export interface RankingInput {
  /** Health by channel id; a channel missing from it counts as available and not yet judged. */
  readonly health: ReadonlyMap<string, RankingHealth>;
  /** What each channel has been routed today in the request's currency (successful charges), by channel id. */
  readonly usedToday: ReadonlyMap<string, number>;
}

/** The priority of a channel whose operator set none: after any channel given one below it (lower goes first). */
export const DEFAULT_CHANNEL_PRIORITY = 100;

/**
 * Success rates are compared in whole percentage points, so measurement noise (99.1 % against 99.0 %) does not flip
 * traffic between two equally priced channels on every window; a rate not judged yet counts as 100 %, so a channel
 * without volume is given traffic to be measured on (the circuit still protects against one that fails).
 */
function successPoints(rate: number | null): number {
  return Math.floor((rate ?? 1) * 100);
}

/** Today's quota in the request's currency, if the channel has one. */
export function dailyLimitOf(channel: ChannelConfig, currency: string): number | undefined {
  return channel.dailyLimit?.[currency as keyof NonNullable<ChannelConfig['dailyLimit']>];
}

function exclusionOf(channel: ChannelConfig, request: RouteRequest, health: RankingHealth | undefined, usedToday: number): RoutingExclusion | undefined {
  if (!channel.enabled) return 'disabled';
  if (request.amount < channel.minAmount || request.amount > channel.maxAmount) return 'amount_limits';
  if (!request.capture && !channel.supportsManualCapture) return 'manual_capture';
  const limit = dailyLimitOf(channel, request.currency);
  if (limit !== undefined && usedToday + request.amount > limit) return 'daily_limit';
  if (health && !health.available) return 'circuit_open';
  return undefined;
}

interface Ranked {
  readonly channel: ChannelConfig;
  readonly candidate: RoutingCandidate;
}

const rules: ReadonlyArray<{ readonly reason: RoutingReason; readonly compare: (a: Ranked, b: Ranked) => number }> = [
  { reason: 'cheapest', compare: (a, b) => a.candidate.cost - b.candidate.cost },
  { reason: 'higher_success_rate', compare: (a, b) => successPoints(b.candidate.successRate) - successPoints(a.candidate.successRate) },
  { reason: 'priority', compare: (a, b) => (a.channel.priority ?? DEFAULT_CHANNEL_PRIORITY) - (b.channel.priority ?? DEFAULT_CHANNEL_PRIORITY) },
  { reason: 'tie_break', compare: (a, b) => a.channel.id.localeCompare(b.channel.id) },
];

function compareRanked(a: Ranked, b: Ranked): number {
  for (const rule of rules) {
    const order = rule.compare(a, b);
    if (order !== 0) return order;
  }
  return 0;
}

/** The first rule that puts `first` before `second`. */
function reasonBetween(first: Ranked, second: Ranked): RoutingReason {
  return rules.find((rule) => rule.compare(first, second) < 0)?.reason ?? 'tie_break';
}

/** The eligible channels in routing order (the attempt's first choice, then its failovers) and the decision to record. */
export function rankChannels(
  channels: readonly ChannelConfig[],
  request: RouteRequest,
  input: RankingInput,
): { readonly order: readonly string[]; readonly decision: RoutingDecision } {
  const considered = channels
    .filter((channel) => channel.methods.includes(request.method) && channel.currencies.includes(request.currency))
    .map((channel): Ranked => {
      const health = input.health.get(channel.id);
      const excluded = exclusionOf(channel, request, health, input.usedToday.get(channel.id) ?? 0);
      const candidate = { channel: channel.id, cost: channelCost(channel, request.amount), successRate: health?.successRate ?? null };
      return { channel, candidate: excluded ? { ...candidate, excluded } : candidate };
    });
  const eligible = considered.filter((r) => !r.candidate.excluded).sort(compareRanked);
  const excluded = considered.filter((r) => r.candidate.excluded);
  const reason: RoutingReason =
    eligible.length === 0 ? 'none_eligible' : eligible.length === 1 ? 'only_eligible' : reasonBetween(eligible[0]!, eligible[1]!);
  return {
    order: eligible.map((r) => r.channel.id),
    decision: { reason, candidates: [...eligible, ...excluded].map((r) => r.candidate) },
  };
}
