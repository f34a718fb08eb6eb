import { describe, expect, it } from 'vitest';
import {
  admitProbe,
  afterOutcome,
  CLOSED_CIRCUIT,
  DEFAULT_CIRCUIT_POLICY,
  effectiveState,
  EMPTY_COUNTS,
  latencyBucket,
  percentileFromHistogram,
  rates,
  windowBuckets,
  type CircuitPolicy,
  type CircuitRecord,
  type WindowCounts,
} from '../../shared/domain/circuit.js';
import type { ChannelCallOutcome } from '../../shared/ports/channel-health.js';

const policy: CircuitPolicy = { ...DEFAULT_CIRCUIT_POLICY, minCalls: 10, failurePercent: 50, consecutiveFailures: 4, openSeconds: 30, probes: 3, probeLeaseSeconds: 20 };
const T0 = 1_700_000_000_000;
const counts = (over: Partial<WindowCounts>): WindowCounts => ({ ...EMPTY_COUNTS, ...over });

/** Records `outcomes` one after another on a closed circuit, counting each in the window as the adapter does. */
function replay(outcomes: readonly ChannelCallOutcome[], start: WindowCounts = EMPTY_COUNTS): CircuitRecord {
  let record = CLOSED_CIRCUIT;
  let window = start;
  outcomes.forEach((outcome, i) => {
    const now = T0 + i * 100;
    window = {
      ...window,
      [outcome]: window[outcome] + 1,
      lastAnsweredAt: outcome === 'success' || outcome === 'decline' ? now : window.lastAnsweredAt,
    };
    record = afterOutcome(record, { outcome, probe: false }, window, policy, now) ?? record;
  });
  return record;
}

describe('circuit breaker (pure state machine)', () => {
  it('opens after N consecutive technical failures, without waiting for the minimum volume', () => {
    expect(replay(['timeout', 'timeout', 'timeout']).state).toBe('closed');
    const opened = replay(['timeout', 'error', 'timeout', 'timeout']);
    expect(opened).toMatchObject({ state: 'open', openedAt: T0 + 300 });
  });

  it('an answered call breaks the streak', () => {
    expect(replay(['timeout', 'timeout', 'timeout', 'success', 'timeout', 'timeout', 'timeout']).state).toBe('closed');
    expect(replay(['timeout', 'timeout', 'timeout', 'decline', 'timeout', 'timeout', 'timeout']).state).toBe('closed');
  });

  it('opens when technical failures reach the threshold over at least the minimum calls', () => {
    // 5 successes and 4 failures interleaved: 9 calls, under the minimum; the 10th call (a failure) makes 5/10 = 50 %.
    const mixed: ChannelCallOutcome[] = ['success', 'timeout', 'success', 'error', 'success', 'timeout', 'success', 'error', 'success'];
    expect(replay(mixed).state).toBe('closed');
    expect(replay([...mixed, 'timeout']).state).toBe('open');
    // 4 of 10 is under 50 %: closed.
    expect(replay(['success', 'success', 'timeout', 'success', 'error', 'success', 'timeout', 'success', 'success', 'error']).state).toBe('closed');
  });

  it('business declines never open it, however many', () => {
    expect(replay(Array.from({ length: 200 }, () => 'decline' as const)).state).toBe('closed');
    // Declines count as answered calls: 30 declines and 10 scattered timeouts stay under the rate and never streak.
    const outcomes = Array.from({ length: 40 }, (_, i) => (i % 4 === 3 ? 'timeout' : 'decline') as ChannelCallOutcome);
    expect(replay(outcomes).state).toBe('closed');
  });

  it('is half-open once openSeconds have passed, and admits one probe at a time', () => {
    const open = replay(['timeout', 'timeout', 'timeout', 'timeout']);
    const openedAt = open.openedAt!;
    expect(effectiveState(open, policy, openedAt + 29_999)).toBe('open');
    expect(admitProbe(open, policy, openedAt + 29_999)).toBeNull();
    const now = openedAt + 30_000;
    expect(effectiveState(open, policy, now)).toBe('half_open');
    const probing = admitProbe(open, policy, now)!;
    expect(probing).toMatchObject({ state: 'half_open', probeAt: now, version: open.version + 1 });
    // A second route while the probe is in flight gets nothing; after the lease the slot is free again.
    expect(admitProbe(probing, policy, now + 1_000)).toBeNull();
    expect(admitProbe(probing, policy, now + 20_000)).toMatchObject({ probeAt: now + 20_000 });
  });

  it('closes after `probes` answered probes in a row; a technical failure of a probe opens it again', () => {
    let record = admitProbe(replay(['timeout', 'timeout', 'timeout', 'timeout']), policy, T0 + 60_000)!;
    for (let i = 1; i < policy.probes; i += 1) {
      record = afterOutcome(record, { outcome: i === 1 ? 'decline' : 'success', probe: true }, EMPTY_COUNTS, policy, T0 + 60_000 + i)!;
      expect(record).toMatchObject({ state: 'half_open', probeSuccesses: i, probeAt: 0 });
      record = admitProbe(record, policy, T0 + 60_000 + i)!;
    }
    const closed = afterOutcome(record, { outcome: 'success', probe: true }, EMPTY_COUNTS, policy, T0 + 61_000)!;
    expect(closed).toMatchObject({ state: 'closed', streak: 0, openedAt: null });

    const probing = admitProbe(replay(['timeout', 'timeout', 'timeout', 'timeout']), policy, T0 + 60_000)!;
    const reopened = afterOutcome(probing, { outcome: 'timeout', probe: true }, EMPTY_COUNTS, policy, T0 + 61_000)!;
    expect(reopened).toMatchObject({ state: 'open', openedAt: T0 + 61_000 });
  });

  it('ignores outcomes of ordinary calls while open or half-open (calls made before it opened)', () => {
    const open = replay(['timeout', 'timeout', 'timeout', 'timeout']);
    expect(afterOutcome(open, { outcome: 'timeout', probe: false }, EMPTY_COUNTS, policy, T0 + 1_000)).toBeNull();
    const probing = admitProbe(open, policy, T0 + 60_000)!;
    expect(afterOutcome(probing, { outcome: 'success', probe: false }, EMPTY_COUNTS, policy, T0 + 60_001)).toBeNull();
  });

  it('successes on a closed circuit change nothing (no write on the happy path)', () => {
    expect(afterOutcome(CLOSED_CIRCUIT, { outcome: 'success', probe: false }, counts({ success: 5 }), policy, T0)).toBeNull();
    expect(afterOutcome(CLOSED_CIRCUIT, { outcome: 'decline', probe: false }, counts({ decline: 5 }), policy, T0)).toBeNull();
  });

  it('measures rates and p99 latency from the window', () => {
    expect(rates(counts({ success: 6, decline: 2, timeout: 1, error: 1 }), policy)).toEqual({ calls: 10, successRate: 0.8, timeoutRate: 0.1, errorRate: 0.1 });
    expect(rates(counts({ success: 3 }), policy).successRate).toBeNull();
    const histogram = Array.from({ length: 12 }, () => 0);
    histogram[latencyBucket(40)] = 99;
    expect(percentileFromHistogram(histogram)).toBe(50);
    histogram[latencyBucket(4_000)] = 2;
    expect(percentileFromHistogram(histogram)).toBe(5_000);
    expect(percentileFromHistogram(Array.from({ length: 12 }, () => 0))).toBeNull();
    expect(latencyBucket(60_000)).toBe(11);
  });

  it('names the window by its bucket starts, newest first', () => {
    expect(windowBuckets(policy, 1_000_015_000)).toEqual([1_000_010, 1_000_000, 999_990, 999_980, 999_970, 999_960]);
  });
});
