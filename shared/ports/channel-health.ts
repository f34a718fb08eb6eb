/**
 * Channel health shared by every function and container (the route step reads it, the charge step records it), so a
 * channel that times out in one Lambda is skipped by the next payment routed in another. The DynamoDB adapter is
 * shared/adapters/dynamodb/channel-health-store.ts; the circuit's rules are the pure shared/domain/circuit.ts.
 */
export type CircuitState = 'closed' | 'open' | 'half_open';

/**
 * Only `timeout` and `error` (5xx, transport, channel system error) are technical failures; a business decline
 * (card_declined, insufficient_funds, a payer abandoning a QR) is the channel working.
 */
export type ChannelCallOutcome = 'success' | 'decline' | 'timeout' | 'error';

/**
 * An answered call of the pay workflow's charge, counted in the commit's own transaction instead of a request of its
 * own (docs/decisions.md, 204): the happy path's health costs no extra DynamoDB request.
 */
export interface ChannelCallCount {
  readonly channelId: string;
  readonly outcome: 'success' | 'decline';
  readonly latencyMs: number;
  readonly nowMs: number;
}

export interface ChannelHealthView {
  readonly channelId: string;
  readonly circuit: CircuitState;
  /** Routing may send a payment there now: closed, or half-open and this caller was granted a probe. */
  readonly available: boolean;
  /** Calls in the current window. */
  readonly calls: number;
  /** Answered (success + decline) / calls; null under the policy's minimum volume (too few calls to judge). */
  readonly successRate: number | null;
  readonly timeoutRate: number;
  readonly errorRate: number;
  /** From a log-scale histogram (bucket upper bound); null without calls in the window. */
  readonly p99LatencyMs?: number | null;
  readonly openedAt?: string | null;
}

export interface ChannelHealth {
  /**
   * `admit`: for half-open channels, claim a probe slot (conditional write), so `available` is true for at most the
   * policy's probes at a time; without it, a read-only view (the operations API, dashboards).
   */
  views(channelIds: readonly string[], options?: { readonly admit?: boolean }): Promise<ReadonlyMap<string, ChannelHealthView>>;
  /**
   * One channel call's outcome and how long it took; moves the circuit when the outcome decides it. `probe`: the call
   * was the probe `views(…, { admit: true })` granted (the route passes it on to the charge step), whose outcome closes
   * or reopens a half-open circuit. Never throws: a lost data point must not fail the payment it measured.
   */
  record(channelId: string, outcome: ChannelCallOutcome, latencyMs: number, options?: { readonly probe?: boolean }): Promise<void>;
}
