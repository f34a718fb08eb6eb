import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  MAX_RATE_LIMIT_TIERS,
  RateLimitTiersExhaustedError,
  renderRateLimitRules,
  type WafRule,
} from '../../shared/domain/rate-limits.js';
import { LocalRateLimiter } from '../../infra/local/rate-limiter.js';

/**
 * The rate limits' one definition (shared/domain/rate-limits.ts): the WAF rule JSON it renders, and the local
 * gateway's evaluator (infra/local/rate-limiter.ts) enforcing that same JSON with a clock the test moves.
 */

const merchantApi = {
  AndStatement: {
    Statements: [
      { ByteMatchStatement: { FieldToMatch: { UriPath: {} }, PositionalConstraint: 'CONTAINS', SearchString: '/v1/', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } },
      { NotStatement: { Statement: { ByteMatchStatement: { FieldToMatch: { UriPath: {} }, PositionalConstraint: 'CONTAINS', SearchString: '/ops/v1/', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } } } },
    ],
  },
};

describe('renderRateLimitRules', () => {
  it('renders one default rule without overrides: 6,000 per 60 s per x-merchant-id, merchant API only, blocking', () => {
    expect(renderRateLimitRules([])).toEqual([
      {
        Name: 'MerchantRateLimit-Default',
        Priority: 0,
        Statement: {
          RateBasedStatement: {
            Limit: DEFAULT_RATE_LIMIT_PER_MINUTE,
            EvaluationWindowSec: 60,
            AggregateKeyType: 'CUSTOM_KEYS',
            CustomKeys: [{ Header: { Name: 'x-merchant-id', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } }],
            ScopeDownStatement: merchantApi,
          },
        },
        Action: { Block: {} },
        VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: 'MerchantRateLimit-Default' },
      },
    ]);
  });

  it('groups overrides into one tier per distinct limit: a labelling Count rule and a rate rule each, the default excluding labelled requests', () => {
    const rules = renderRateLimitRules([
      { merchantId: 'm_b', rateLimitPerMinute: 50 },
      { merchantId: 'm_a', rateLimitPerMinute: 50 },
      { merchantId: 'm_c', rateLimitPerMinute: 20 },
    ]);
    expect(rules.map((r) => [r.Name, r.Priority, Object.keys(r.Action)[0]])).toEqual([
      ['MerchantRateLimit-Tier20-Members', 0, 'Count'],
      ['MerchantRateLimit-Tier20', 1, 'Block'],
      ['MerchantRateLimit-Tier50-Members', 2, 'Count'],
      ['MerchantRateLimit-Tier50', 3, 'Block'],
      ['MerchantRateLimit-Default', 4, 'Block'],
    ]);
    const members = rules[2]!;
    expect(members.RuleLabels).toEqual([{ Name: 'merchant-rate-limit:tier-50' }]);
    expect(members.Statement).toEqual({
      OrStatement: {
        Statements: ['m_a', 'm_b'].map((id) => ({
          ByteMatchStatement: { FieldToMatch: { SingleHeader: { Name: 'x-merchant-id' } }, PositionalConstraint: 'EXACTLY', SearchString: id, TextTransformations: [{ Priority: 0, Type: 'NONE' }] },
        })),
      },
    });
    // A tier of one merchant matches it directly: WAF refuses an OrStatement of fewer than two statements.
    expect(rules[0]!.Statement).toHaveProperty('ByteMatchStatement.SearchString', 'm_c');
    const tier = rules[3]!.Statement as Extract<WafRule['Statement'], { RateBasedStatement: unknown }>;
    expect(tier.RateBasedStatement.Limit).toBe(50);
    expect(tier.RateBasedStatement.ScopeDownStatement).toEqual({
      AndStatement: { Statements: [...merchantApi.AndStatement.Statements, { LabelMatchStatement: { Scope: 'LABEL', Key: 'merchant-rate-limit:tier-50' } }] },
    });
    const fallback = rules[4]!.Statement as typeof tier;
    expect(fallback.RateBasedStatement.ScopeDownStatement).toEqual({
      AndStatement: {
        Statements: [...merchantApi.AndStatement.Statements, { NotStatement: { Statement: { LabelMatchStatement: { Scope: 'NAMESPACE', Key: 'merchant-rate-limit:' } } } }],
      },
    });
  });

  it('renders the same overrides in any order to the same rules, and takes a shorter window for local tests', () => {
    const a = renderRateLimitRules([{ merchantId: 'm_1', rateLimitPerMinute: 10 }, { merchantId: 'm_2', rateLimitPerMinute: 10 }]);
    const b = renderRateLimitRules([{ merchantId: 'm_2', rateLimitPerMinute: 10 }, { merchantId: 'm_1', rateLimitPerMinute: 10 }]);
    expect(a).toEqual(b);
    expect(renderRateLimitRules([], { windowSeconds: 2 })[0]).toHaveProperty('Statement.RateBasedStatement.EvaluationWindowSec', 2);
  });

  it(`refuses more than ${MAX_RATE_LIMIT_TIERS} distinct limits (WAF's 10 rate-based rules per web ACL, one for the default)`, () => {
    const overrides = Array.from({ length: MAX_RATE_LIMIT_TIERS }, (_, i) => ({ merchantId: `m_${i}`, rateLimitPerMinute: 10 + i }));
    expect(renderRateLimitRules(overrides).filter((r) => 'RateBasedStatement' in r.Statement)).toHaveLength(10);
    expect(() => renderRateLimitRules([...overrides, { merchantId: 'm_x', rateLimitPerMinute: 999 }])).toThrow(RateLimitTiersExhaustedError);
    // Many merchants on an existing limit cost no rule.
    const many = Array.from({ length: 500 }, (_, i) => ({ merchantId: `m_more${i}`, rateLimitPerMinute: 10 }));
    expect(renderRateLimitRules([...overrides, ...many])).toHaveLength(2 * MAX_RATE_LIMIT_TIERS + 1);
  });
});

describe('LocalRateLimiter', () => {
  function limiter(overrides: { merchantId: string; rateLimitPerMinute: number }[], windowSeconds = 60) {
    const clock = { now: 1_000_000 };
    const gate = new LocalRateLimiter(() => clock.now);
    const ready = gate.apply(async () => renderRateLimitRules(overrides, { windowSeconds }));
    const send = (merchantId: string | undefined, path = '/v1/orders') => gate.check({ path, headers: merchantId ? { 'x-merchant-id': merchantId } : {} });
    return { clock, gate, ready, send };
  }

  it('lets exactly the limit through per window and merchant, then answers with the seconds until one request fits', async () => {
    const { clock, ready, send } = limiter([{ merchantId: 'm_small', rateLimitPerMinute: 10 }]);
    await ready;
    for (let i = 0; i < 10; i += 1) {
      expect(send('m_small').limited).toBe(false);
      clock.now += 1000;
    }
    // 10 requests at t = 0 … 9 s, the 11th (refused, and counted) at 10 s: one more fits once two have left the
    // 60 s window, at 61 s.
    expect(send('m_small')).toEqual({ limited: true, rule: 'MerchantRateLimit-Tier10', retryAfterSeconds: 51 });
    expect(send('m_other').limited).toBe(false); // another merchant has its own count, under the default
    clock.now = 1_000_000 + 60_001 + 10_000; // every request of the burst (blocked ones too) has left the window
    expect(send('m_small').limited).toBe(false);
  });

  it('counts blocked requests too, as WAF does: a client hammering through the limit stays limited', async () => {
    const { clock, ready, send } = limiter([{ merchantId: 'm_small', rateLimitPerMinute: 10 }]);
    await ready;
    for (let i = 0; i < 10; i += 1) send('m_small');
    clock.now += 30_000;
    for (let i = 0; i < 5; i += 1) expect(send('m_small').limited).toBe(true);
    clock.now += 30_001; // the first ten left the window; the five blocked ones at 30 s have not
    expect(send('m_small').limited).toBe(false);
  });

  it('limits the merchant API only: not the operations API, checkout pages, callbacks, nor a request without the header', async () => {
    const { ready, send } = limiter([{ merchantId: 'm_small', rateLimitPerMinute: 10 }]);
    await ready;
    for (let i = 0; i < 10; i += 1) send('m_small');
    expect(send('m_small', '/v1/orders/ord_1').limited).toBe(true);
    expect(send('m_small', '/ops/v1/merchants').limited).toBe(false);
    expect(send('m_small', '/checkout/tok').limited).toBe(false);
    expect(send('m_small', '/callbacks/wechat_pay').limited).toBe(false);
    expect(send(undefined).limited).toBe(false);
  });

  it('applies new rules at once: a merchant taken back to the default is no longer held to its override', async () => {
    const { gate, ready, send } = limiter([{ merchantId: 'm_small', rateLimitPerMinute: 10 }]);
    await ready;
    for (let i = 0; i < 10; i += 1) send('m_small');
    expect(send('m_small').limited).toBe(true);
    await gate.apply(async () => renderRateLimitRules([]));
    expect(send('m_small').limited).toBe(false);
  });

  it('keeps the counts of a rule the new rules did not change (another merchant\'s override changed)', async () => {
    const { gate, ready, send } = limiter([{ merchantId: 'm_small', rateLimitPerMinute: 10 }]);
    await ready;
    for (let i = 0; i < 10; i += 1) send('m_small');
    await gate.apply(async () => renderRateLimitRules([{ merchantId: 'm_small', rateLimitPerMinute: 10 }, { merchantId: 'm_big', rateLimitPerMinute: 20_000 }]));
    expect(send('m_small').limited).toBe(true);
  });

  it('refuses, when applied, a statement it cannot evaluate instead of misreading it', async () => {
    const gate = new LocalRateLimiter();
    const foreign = { ...renderRateLimitRules([])[0]!, Statement: { GeoMatchStatement: { CountryCodes: ['XX'] } } } as unknown as WafRule;
    await expect(gate.apply(async () => [foreign])).rejects.toThrow(/does not evaluate GeoMatchStatement/);
  });
});
