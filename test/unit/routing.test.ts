import { describe, expect, it } from 'vitest';
import { CHANNEL_CATALOG } from '../../shared/channels/catalog.js';
import { channelCost, eligible, routeCandidates, type ChannelConfig, type RouteRequest } from '../../shared/domain/routing.js';

const channel = (id: string, over: Partial<ChannelConfig> = {}): ChannelConfig => ({
  id,
  methods: ['card'],
  currencies: ['CNY', 'USD'],
  minAmount: 1,
  maxAmount: 1_000_000,
  costBps: 30,
  costFixed: 0,
  supportsManualCapture: true,
  enabled: true,
  ...over,
});
const request: RouteRequest = { method: 'card', currency: 'CNY', amount: 10_000, capture: true };
const allHealthy = () => true;

describe('routing (channels as data)', () => {
  it('orders eligible channels cheapest first, by total cost of this amount', () => {
    const channels = [channel('pricey', { costBps: 45 }), channel('cheap', { costBps: 30 }), channel('fixed', { costBps: 0, costFixed: 40 })];
    expect(channels.map((c) => channelCost(c, 10_000))).toEqual([45, 30, 40]);
    expect(routeCandidates(channels, request, allHealthy)).toEqual(['cheap', 'fixed', 'pricey']);
    // For a small amount the fixed fee dominates.
    expect(routeCandidates(channels, { ...request, amount: 100 }, allHealthy)).toEqual(['cheap', 'pricey', 'fixed']);
  });

  it('leaves out channels that do not support the method, currency, amount or manual capture, or are disabled', () => {
    const channels = [
      channel('wallet', { methods: ['alipay'] }),
      channel('usd-only', { currencies: ['USD'] }),
      channel('small', { maxAmount: 5_000 }),
      channel('big', { minAmount: 50_000 }),
      channel('off', { enabled: false }),
      channel('capture-only', { supportsManualCapture: false }),
      channel('ok'),
    ];
    expect(routeCandidates(channels, request, allHealthy)).toEqual(['capture-only', 'ok']);
    expect(routeCandidates(channels, { ...request, capture: false }, allHealthy)).toEqual(['ok']);
    expect(eligible(channel('edge', { maxAmount: 10_000 }), request)).toBe(true);
  });

  it('puts unhealthy channels last rather than dropping them', () => {
    const channels = [channel('cheap', { costBps: 10 }), channel('dear', { costBps: 90 })];
    expect(routeCandidates(channels, request, (id) => id !== 'cheap')).toEqual(['dear', 'cheap']);
  });

  it('routes a CNY card payment to the cheaper sandbox card channel, with the other as failover', () => {
    expect(routeCandidates(CHANNEL_CATALOG, request, allHealthy)).toEqual(['card_a', 'card_b']);
    expect(routeCandidates(CHANNEL_CATALOG, { ...request, method: 'alipay' }, allHealthy)).toEqual(['alipay']);
    expect(routeCandidates(CHANNEL_CATALOG, { ...request, method: 'alipay', currency: 'USD' }, allHealthy)).toEqual([]);
    expect(routeCandidates(CHANNEL_CATALOG, { ...request, method: 'wechat_pay', capture: false }, allHealthy)).toEqual([]);
  });
});
