import { basisPoints, type Currency } from './money.js';
import type { AgreementRule } from './agreement-rules.js';
import type { PaymentMethod } from './order.js';

/**
 * Channels are data: what they accept and what they cost. Routing orders the eligible channels cheapest first and
 * puts unhealthy ones (open circuit) last, so a payment still has somewhere to go when every channel is degraded.
 */
export interface ChannelConfig {
  readonly id: string;
  readonly methods: readonly PaymentMethod[];
  readonly currencies: readonly Currency[];
  readonly minAmount: number;
  readonly maxAmount: number;
  /** What the channel charges the platform. */
  readonly costBps: number;
  readonly costFixed: number;
  readonly supportsManualCapture: boolean;
  readonly enabled: boolean;
  /** The operator's tie-breaker between channels equal on cost and success rate: lower goes first (default 100). */
  readonly priority?: number;
  /**
   * The most routed to this channel per UTC day, per currency, in minor units (successful charges counted); a
   * currency without an entry has no quota (shared/domain/channel-ranking.ts).
   */
  readonly dailyLimit?: Readonly<Partial<Record<Currency, number>>>;
  /**
   * The channel's own rules for debits under an agreement (caps, windows, notice periods), checked before the
   * channel is called (shared/domain/agreement-rules.ts). Absent: the contract's checks alone.
   */
  readonly agreementRules?: readonly AgreementRule[];
}

export interface RouteRequest {
  readonly method: PaymentMethod;
  readonly currency: Currency;
  readonly amount: number;
  readonly capture: boolean;
}

export function channelCost(channel: ChannelConfig, amount: number): number {
  return basisPoints(amount, channel.costBps) + channel.costFixed;
}

export function eligible(channel: ChannelConfig, request: RouteRequest): boolean {
  return (
    channel.enabled &&
    channel.methods.includes(request.method) &&
    channel.currencies.includes(request.currency) &&
    request.amount >= channel.minAmount &&
    request.amount <= channel.maxAmount &&
    (request.capture || channel.supportsManualCapture)
  );
}

export function routeCandidates(
  channels: readonly ChannelConfig[],
  request: RouteRequest,
  isHealthy: (channelId: string) => boolean,
): string[] {
  return channels
    .filter((channel) => eligible(channel, request))
    .map((channel) => ({ id: channel.id, cost: channelCost(channel, request.amount), healthy: isHealthy(channel.id) }))
    .sort((a, b) => Number(b.healthy) - Number(a.healthy) || a.cost - b.cost || a.id.localeCompare(b.id))
    .map((c) => c.id);
}
