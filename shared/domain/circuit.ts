import type { ChannelCallOutcome, CircuitState } from '../ports/channel-health.js';

/**
 * A channel's circuit breaker as pure functions over plain records, so the DynamoDB adapter only stores what these
 * decide and every container computes the same transition from the same item (docs/decisions.md, entries 198-200).
 *
 * closed → open: technical failures (timeouts, errors; never declines) reach `failurePercent` of at least `minCalls`
 * calls in the window, or `consecutiveFailures` technical failures come with no answered call between them (faster: a
 * channel that stopped answering opens after a handful of calls instead of waiting for the volume).
 * open → half_open: `openSeconds` after it opened, when the next route asks for the channel and is granted a probe.
 * half_open: one probe at a time; `probes` answered probes in a row close it, any technical failure opens it again.
 */
export interface CircuitPolicy {
  /** The window the rate is measured over, in buckets of `bucketSeconds`. */
  readonly windowSeconds: number;
  readonly bucketSeconds: number;
  readonly minCalls: number;
  readonly failurePercent: number;
  readonly consecutiveFailures: number;
  readonly openSeconds: number;
  readonly probes: number;
  /** A probe whose outcome never came (its container died) frees its slot after this long. */
  readonly probeLeaseSeconds: number;
}

/** Decision 199: smaller than resilience4j's 100 calls, for channels that see tens of payments a minute, not thousands. */
export const DEFAULT_CIRCUIT_POLICY: CircuitPolicy = {
  windowSeconds: 60,
  bucketSeconds: 10,
  minCalls: 20,
  failurePercent: 50,
  consecutiveFailures: 5,
  openSeconds: 30,
  probes: 3,
  probeLeaseSeconds: 30,
};

/** The circuit item of one channel. Times in epoch ms; `version` is what conditional writes compare. */
export interface CircuitRecord {
  readonly state: CircuitState;
  readonly openedAt: number | null;
  /** When the probe in flight was admitted (0: none). */
  readonly probeAt: number;
  readonly probeSuccesses: number;
  /** Technical failures in a row and when the streak started (an answer after that starts a new one). */
  readonly streak: number;
  readonly streakSince: number;
  readonly version: number;
}

export const CLOSED_CIRCUIT: CircuitRecord = { state: 'closed', openedAt: null, probeAt: 0, probeSuccesses: 0, streak: 0, streakSince: 0, version: 0 };

/** Outcome counts of the window (all shards of its buckets added up). */
export interface WindowCounts {
  readonly success: number;
  readonly decline: number;
  readonly timeout: number;
  readonly error: number;
  /** The latest answered (success or decline) call in the window, epoch ms; 0 if none. */
  readonly lastAnsweredAt: number;
}

export const EMPTY_COUNTS: WindowCounts = { success: 0, decline: 0, timeout: 0, error: 0, lastAnsweredAt: 0 };

export const isTechnicalFailure = (outcome: ChannelCallOutcome): boolean => outcome === 'timeout' || outcome === 'error';

export function callsOf(counts: WindowCounts): number {
  return counts.success + counts.decline + counts.timeout + counts.error;
}

/** The state routing sees: an open circuit whose time is up is half-open (a probe may be admitted). */
export function effectiveState(record: CircuitRecord, policy: CircuitPolicy, nowMs: number): CircuitState {
  if (record.state === 'open' && record.openedAt !== null && nowMs >= record.openedAt + policy.openSeconds * 1000) return 'half_open';
  return record.state;
}

/**
 * Whether a route may send a probe now: the circuit is (effectively) half-open and no probe is in flight, or the one
 * in flight is past its lease. Returns the record to write conditionally (its version +1), or null.
 */
export function admitProbe(record: CircuitRecord, policy: CircuitPolicy, nowMs: number): CircuitRecord | null {
  if (effectiveState(record, policy, nowMs) !== 'half_open') return null;
  const probeInFlight = record.state === 'half_open' && record.probeAt > 0 && nowMs < record.probeAt + policy.probeLeaseSeconds * 1000;
  if (probeInFlight) return null;
  const fresh = record.state === 'open';
  return { ...record, state: 'half_open', probeAt: nowMs, probeSuccesses: fresh ? 0 : record.probeSuccesses, version: record.version + 1 };
}

/**
 * The circuit after one recorded call, or null when it does not change. `probe`: the call was a probe the route
 * admitted. Outcomes of ordinary calls while open or half-open (made before it opened) change nothing.
 */
export function afterOutcome(
  record: CircuitRecord,
  call: { readonly outcome: ChannelCallOutcome; readonly probe: boolean },
  counts: WindowCounts,
  policy: CircuitPolicy,
  nowMs: number,
): CircuitRecord | null {
  const failed = isTechnicalFailure(call.outcome);
  const next = (changes: Partial<CircuitRecord>): CircuitRecord => ({ ...record, ...changes, version: record.version + 1 });
  if (record.state === 'half_open') {
    if (!call.probe) return null;
    if (failed) return next({ state: 'open', openedAt: nowMs, probeAt: 0, probeSuccesses: 0, streak: 0, streakSince: 0 });
    const successes = record.probeSuccesses + 1;
    if (successes >= policy.probes) return { ...CLOSED_CIRCUIT, version: record.version + 1 };
    return next({ probeAt: 0, probeSuccesses: successes });
  }
  if (record.state === 'open' || !failed) return null;
  // Closed and a technical failure: the streak goes on unless a call was answered since it started.
  const continues = record.streak > 0 && counts.lastAnsweredAt <= record.streakSince;
  const streak = continues ? record.streak + 1 : 1;
  const streakSince = continues ? record.streakSince : nowMs;
  const calls = callsOf(counts);
  const failureRateReached = calls >= policy.minCalls && (counts.timeout + counts.error) * 100 >= policy.failurePercent * calls;
  if (streak >= policy.consecutiveFailures || failureRateReached) {
    return next({ state: 'open', openedAt: nowMs, probeAt: 0, probeSuccesses: 0, streak: 0, streakSince: 0 });
  }
  return next({ streak, streakSince });
}

/** Log-scale latency buckets (upper bounds, ms): a histogram of ADD counters per time bucket, enough for a p99. */
export const LATENCY_BOUNDS_MS: readonly number[] = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000];

export function latencyBucket(latencyMs: number): number {
  const index = LATENCY_BOUNDS_MS.findIndex((bound) => latencyMs <= bound);
  return index === -1 ? LATENCY_BOUNDS_MS.length : index;
}

/** The p99 as the upper bound of the bucket holding it (the last bucket, above 30 s, reports its lower bound). */
export function percentileFromHistogram(histogram: readonly number[], percentile = 99): number | null {
  const total = histogram.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.ceil((total * percentile) / 100);
  let seen = 0;
  for (let i = 0; i < histogram.length; i += 1) {
    seen += histogram[i] ?? 0;
    if (seen >= rank) return LATENCY_BOUNDS_MS[i] ?? LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]!;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]!;
}

/** The start (epoch seconds) of the time bucket holding `nowMs`, and of every bucket of the window ending there. */
export function windowBuckets(policy: CircuitPolicy, nowMs: number): number[] {
  const current = Math.floor(nowMs / 1000 / policy.bucketSeconds) * policy.bucketSeconds;
  const count = Math.ceil(policy.windowSeconds / policy.bucketSeconds);
  return Array.from({ length: count }, (_, i) => current - i * policy.bucketSeconds);
}

/** Rates of a window: the success rate is null under the policy's minimum volume (too few calls to judge). */
export function rates(counts: WindowCounts, policy: CircuitPolicy): { calls: number; successRate: number | null; timeoutRate: number; errorRate: number } {
  const calls = callsOf(counts);
  const of = (n: number) => (calls === 0 ? 0 : n / calls);
  return {
    calls,
    successRate: calls < policy.minCalls ? null : of(counts.success + counts.decline),
    timeoutRate: of(counts.timeout),
    errorRate: of(counts.error),
  };
}

/** The circuit state as a metric value: closed 0, half-open 0.5, open 1 (the dashboard's line, the alarm's threshold). */
export function circuitMetricValue(state: CircuitState): number {
  return state === 'open' ? 1 : state === 'half_open' ? 0.5 : 0;
}
