/**
 * When the janitor next asks a channel about a payment or refund whose outcome is unknown (contract, "Janitor").
 *
 * The first query comes `baseSeconds` (PAY_JANITOR_AFTER_SECONDS, default 60) after the object's last change; each
 * further one waits five times longer than the one before, up to a day, and then daily for as long as the outcome
 * stays unknown: 1 min, 5 min, 25 min, ~2 h, ~10 h, 24 h, 24 h, … (with the default base).
 *
 * Why this shape: most unknown outcomes are a lost answer of a channel that did act, and a query a minute later
 * settles them, as Hyperswitch's first 60 s retry does; a channel that is down needs spacing that grows, as Kill
 * Bill's 5 min → 1 day schedule has, so that an outage does not turn into a storm of queries. Unlike Hyperswitch's
 * schedule (60 s then 300 s × 5, then it gives up), this one never stops: the contract says nothing stays unresolved,
 * so after a day the object keeps being asked daily while the unresolved-age alarm has operators look at it.
 */
export const JANITOR_BACKOFF_FACTOR = 5;
export const JANITOR_MAX_DELAY_SECONDS = 86_400;

/** The wait before query number `attempt` (0 for the first), in seconds. */
export function janitorDelaySeconds(attempt: number, baseSeconds: number): number {
  if (!Number.isSafeInteger(attempt) || attempt < 0) throw new RangeError('attempt must be a non-negative integer');
  if (!Number.isFinite(baseSeconds) || baseSeconds <= 0) throw new RangeError('baseSeconds must be positive');
  // Past 20 steps 5^n has passed any cap long ago; bounding the exponent keeps the arithmetic finite.
  return Math.min(JANITOR_MAX_DELAY_SECONDS, baseSeconds * JANITOR_BACKOFF_FACTOR ** Math.min(attempt, 20));
}

/**
 * When query number `attempt` is due, counted from `fromMs`: the object's last change for the first query, the
 * previous query for the others.
 */
export function janitorQueryDueAtMs(fromMs: number, attempt: number, baseSeconds: number): number {
  return fromMs + Math.round(janitorDelaySeconds(attempt, baseSeconds) * 1000);
}
