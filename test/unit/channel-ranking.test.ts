import { describe, expect, it } from 'vitest';
import { rankChannels, type RankingHealth } from '../../shared/domain/channel-ranking.js';
import type { ChannelConfig, RouteRequest } from '../../shared/domain/routing.js';
import { cardAcquirerCatalogRow } from '../../shared/channels/card-acquirer/catalog.js';

// A card acquirer's catalog row (30 bps, every card currency, any amount) with the test's changes.
const channel = (id: string, over: Partial<ChannelConfig> = {}): ChannelConfig => ({ ...cardAcquirerCatalogRow(id, 30), ...over });
const request: RouteRequest = { method: 'card', currency: 'CNY', amount: 10_000, capture: true };
const none = { health: new Map<string, RankingHealth>(), usedToday: new Map<string, number>() };
const health = (entries: Record<string, RankingHealth>) => ({ ...none, health: new Map(Object.entries(entries)) });

describe('rankChannels: eligibility, then cost, then success rate, then priority', () => {
  it('puts the cheapest eligible channel first for this amount and says so, with each candidate and its cost', () => {
    const ranked = rankChannels([channel('b', { costBps: 45 }), channel('a', { costBps: 30 }), channel('fixed', { costBps: 0, costFixed: 40 })], request, none);
    expect(ranked.order).toEqual(['a', 'fixed', 'b']);
    expect(ranked.decision).toEqual({
      reason: 'cheapest',
      candidates: [
        { channel: 'a', cost: 30, successRate: null },
        { channel: 'fixed', cost: 40, successRate: null },
        { channel: 'b', cost: 45, successRate: null },
      ],
    });
    // For a small amount the fixed fee dominates.
    expect(rankChannels([channel('b', { costBps: 45 }), channel('fixed', { costBps: 0, costFixed: 40 })], { ...request, amount: 100 }, none).order).toEqual(['b', 'fixed']);
  });

  it('cost beats success rate: a cheaper channel with a lower measured rate still goes first', () => {
    const ranked = rankChannels([channel('cheap', { costBps: 30 }), channel('dear', { costBps: 45 })], request, health({
      cheap: { available: true, successRate: 0.8 },
      dear: { available: true, successRate: 0.99 },
    }));
    expect(ranked.order).toEqual(['cheap', 'dear']);
    expect(ranked.decision.reason).toBe('cheapest');
  });

  it('between equal costs, the higher success rate goes first (whole points; a rate not judged yet counts as 100 %)', () => {
    const measured = health({ x: { available: true, successRate: 0.9 }, y: { available: true, successRate: 0.97 } });
    const ranked = rankChannels([channel('x'), channel('y')], request, measured);
    expect(ranked.order).toEqual(['y', 'x']);
    expect(ranked.decision.reason).toBe('higher_success_rate');
    expect(ranked.decision.candidates.map((c) => c.successRate)).toEqual([0.97, 0.9]);
    // 99.1 % and 99.4 % are the same point: noise does not flip traffic, the id decides.
    const close = rankChannels([channel('y'), channel('x')], request, health({ x: { available: true, successRate: 0.991 }, y: { available: true, successRate: 0.994 } }));
    expect(close.order).toEqual(['x', 'y']);
    expect(close.decision.reason).toBe('tie_break');
    // An unjudged channel (null) gets traffic to be measured on, ahead of a measured 97 %.
    expect(rankChannels([channel('x'), channel('y')], request, health({ x: { available: true, successRate: null }, y: { available: true, successRate: 0.97 } })).order).toEqual(['x', 'y']);
  });

  it('between equal cost and rate, the lower priority number goes first; then the id', () => {
    const ranked = rankChannels([channel('a', { priority: 20 }), channel('b', { priority: 10 })], request, none);
    expect(ranked.order).toEqual(['b', 'a']);
    expect(ranked.decision.reason).toBe('priority');
    expect(rankChannels([channel('b'), channel('a')], request, none).decision).toMatchObject({ reason: 'tie_break' });
    expect(rankChannels([channel('b'), channel('a')], request, none).order).toEqual(['a', 'b']);
  });

  it('excludes a disabled channel, one outside its per-payment limits, one without manual capture for an authorization, and says why', () => {
    const channels = [
      channel('off', { enabled: false }),
      channel('small', { maxAmount: 5_000 }),
      channel('big', { minAmount: 50_000 }),
      channel('capture-only', { supportsManualCapture: false }),
      channel('ok', { costBps: 90 }),
    ];
    const ranked = rankChannels(channels, { ...request, capture: false }, none);
    expect(ranked.order).toEqual(['ok']);
    expect(ranked.decision.reason).toBe('only_eligible');
    expect(ranked.decision.candidates.map((c) => [c.channel, c.excluded])).toEqual([
      ['ok', undefined],
      ['off', 'disabled'],
      ['small', 'amount_limits'],
      ['big', 'amount_limits'],
      ['capture-only', 'manual_capture'],
    ]);
  });

  it('leaves out channels that do not take the method or currency at all (not candidates)', () => {
    const ranked = rankChannels([channel('wallet', { methods: ['alipay'] }), channel('usd', { currencies: ['USD'] })], request, none);
    expect(ranked).toEqual({ order: [], decision: { reason: 'none_eligible', candidates: [] } });
  });

  it('excludes a channel whose daily quota in this currency this payment would pass; the limit itself still fits', () => {
    const channels = [channel('a', { costBps: 10, dailyLimit: { CNY: 25_000 } }), channel('b', { costBps: 20 })];
    const fits = rankChannels(channels, request, { ...none, usedToday: new Map([['a', 15_000]]) });
    expect(fits.order).toEqual(['a', 'b']);
    const over = rankChannels(channels, request, { ...none, usedToday: new Map([['a', 15_001]]) });
    expect(over.order).toEqual(['b']);
    expect(over.decision).toEqual({ reason: 'only_eligible', candidates: [{ channel: 'b', cost: 20, successRate: null }, { channel: 'a', cost: 10, successRate: null, excluded: 'daily_limit' }] });
    // The quota is per currency: USD has none on this channel.
    expect(rankChannels(channels, { ...request, currency: 'USD' }, { ...none, usedToday: new Map([['a', 1_000_000]]) }).order).toEqual(['a', 'b']);
  });

  it('excludes a channel whose circuit is not available, whatever its cost', () => {
    const ranked = rankChannels([channel('cheap', { costBps: 10 }), channel('dear', { costBps: 90 })], request, health({
      cheap: { available: false, successRate: 0.2 },
      dear: { available: true, successRate: null },
    }));
    expect(ranked.order).toEqual(['dear']);
    expect(ranked.decision.candidates).toEqual([
      { channel: 'dear', cost: 90, successRate: null },
      { channel: 'cheap', cost: 10, successRate: 0.2, excluded: 'circuit_open' },
    ]);
  });
});
