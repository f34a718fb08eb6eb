import { getConfig } from './config.js';

/**
 * Business metrics as CloudWatch embedded metric format (EMF): one JSON document per payment outcome or OTP
 * confirmation, written as a line on stdout, which CloudWatch Logs turns into metrics without a PutMetricData call.
 *
 * Metrics are not logs: they are written whatever LOG_LEVEL says, because a quieter log level must not blank the
 * payments dashboard and its alarms. Where they go is a sink: stdout by default, nowhere with METRICS=off (the test
 * run, so that thousands of payments do not print), or a sink a test installs with setMetricSink to read them.
 */
export const PAYMENT_METRICS = {
  namespace: 'PaymentPlatform',
  service: 'payments',
  succeeded: 'PaymentsSucceeded',
  failed: 'PaymentsFailed',
  /** Every POST /pay/confirm that reached the channel step, by Result (see OtpConfirmationResult). */
  otpConfirmations: 'OtpConfirmations',
  /**
   * A channel took the payer's money for an order that no longer pays (CLOSED, or paid by another attempt): booked
   * and refunded automatically (shared/services/late-success.ts), and always worth an operator's look (alarm at 1).
   */
  latePayments: 'LatePayments',
} as const;

export type PaymentMetricOutcome = 'succeeded' | 'failed';

/**
 * What one OTP confirmation came to: the payment succeeded or was declined, the payer may try another code, the
 * channel's answer is unknown (the order stays PROCESSING), or the channel refused the call (nothing changed).
 */
export type OtpConfirmationResult = 'succeeded' | 'declined' | 'retry' | 'unknown' | 'channel_error';

export type MetricDocument = Readonly<Record<string, unknown>>;
export type MetricSink = (document: MetricDocument) => void;

type Properties = Readonly<Record<string, string | null>>;

const stdoutSink: MetricSink = (document) => {
  process.stdout.write(`${JSON.stringify(document)}\n`);
};
const discardSink: MetricSink = () => undefined;

let sink: MetricSink | undefined;

/** Replaces where metrics go (tests capture them); `undefined` goes back to the configured sink. */
export function setMetricSink(value: MetricSink | undefined): void {
  sink = value;
}

function emit(document: MetricDocument): void {
  (sink ??= getConfig().METRICS === 'off' ? discardSink : stdoutSink)(document);
}

/**
 * One EMF document counting `metricName` once. `dimensions` (low cardinality only: channel ids, reasons, never an
 * order or merchant id) are published as their leading subsets, each a metric of its own in CloudWatch: `{Service,
 * Channel, Reason}` gives the service total, the per-channel count (the dashboard's per-channel widgets) and the
 * per-channel-and-reason count. `properties` are searchable in Logs Insights and cost nothing as metrics.
 */
export function emfDocument(
  metricName: string,
  dimensions: Readonly<Record<string, string>>,
  properties: Properties,
  nowMs: number,
): MetricDocument {
  const names = Object.keys(dimensions);
  const sets = names.map((_, i) => names.slice(0, i + 1));
  return {
    _aws: {
      Timestamp: nowMs,
      CloudWatchMetrics: [{ Namespace: PAYMENT_METRICS.namespace, Dimensions: sets, Metrics: [{ Name: metricName, Unit: 'Count' }] }],
    },
    ...properties,
    ...dimensions,
    [metricName]: 1,
  };
}

/**
 * A payment ended: succeeded, or failed (declined, blocked, released). Both the pay workflow and confirm count here.
 * With the `Channel` dimension when a channel decided it (a risk block or a release has none: service total only).
 */
export function recordPaymentOutcome(outcome: PaymentMetricOutcome, properties: Properties & { readonly channel?: string | null }, nowMs: number): void {
  const metricName = outcome === 'succeeded' ? PAYMENT_METRICS.succeeded : PAYMENT_METRICS.failed;
  emit(emfDocument(metricName, { Service: PAYMENT_METRICS.service, ...channelDimension(properties.channel) }, properties, nowMs));
}

/** A late success was recorded (once per attempt: the one writer's commit), by channel. */
export function recordLatePayment(channel: string | null, properties: Properties, nowMs: number): void {
  emit(emfDocument(PAYMENT_METRICS.latePayments, { Service: PAYMENT_METRICS.service, ...channelDimension(channel) }, properties, nowMs));
}

const channelDimension = (channel: string | null | undefined): { Channel?: string } => (channel ? { Channel: channel } : {});

export function recordOtpConfirmation(result: OtpConfirmationResult, properties: Properties, nowMs: number): void {
  emit(emfDocument(PAYMENT_METRICS.otpConfirmations, { Service: PAYMENT_METRICS.service, Result: result }, properties, nowMs));
}

/** Timers that fired and were dropped without an effect: a kind nobody handles, or a body nobody wrote. */
export const TIMER_METRICS = { service: 'timers', dropped: 'TimersDropped' } as const;

export type TimerDropReason = 'unknown_kind' | 'malformed';

export function recordTimerDropped(reason: TimerDropReason, properties: Properties, nowMs: number): void {
  emit(emfDocument(TIMER_METRICS.dropped, { Service: TIMER_METRICS.service, Reason: reason }, properties, nowMs));
}

/** Channel callbacks refused (nothing changed): by channel and reason, so a forger or a broken key rotation shows. */
export const CALLBACK_METRICS = { service: 'callbacks', rejected: 'CallbacksRejected' } as const;

export type CallbackRejectReason = 'signature' | 'unknown_key' | 'stale' | 'malformed' | 'unknown_payment' | 'unknown_refund' | 'unknown_agreement' | 'mismatch' | 'unknown_channel';

export function recordCallbackRejected(channel: string, reason: CallbackRejectReason, properties: Properties, nowMs: number): void {
  emit(emfDocument(CALLBACK_METRICS.rejected, { Service: CALLBACK_METRICS.service, Channel: channel, Reason: reason }, properties, nowMs));
}

/**
 * The janitor's safety net: the age of a merchant's oldest payment still PROCESSING, in seconds, from each sweep (0
 * when none is). One value per merchant per sweep with only the Service dimension (a merchant id as a dimension would
 * make a metric per merchant); the alarm watches the Maximum, and the log line names the merchant and the order.
 */
export const JANITOR_METRICS = { service: 'janitor', oldestUnresolved: 'OldestUnresolvedPaymentAgeSeconds' } as const;

export function recordOldestUnresolvedPayment(ageSeconds: number, properties: Properties, nowMs: number): void {
  emitSeconds(JANITOR_METRICS.service, JANITOR_METRICS.oldestUnresolved, ageSeconds, properties, nowMs);
}

/**
 * A payout the janitor's query still finds PROCESSING: its age in seconds, at each query (docs/decisions.md, entry 160).
 * Service dimension only; the log line names the payout. The alarm watches the Maximum.
 */
export const PAYOUT_METRICS = { service: 'payouts', unresolvedAge: 'PayoutUnresolvedAgeSeconds' } as const;

export function recordUnresolvedPayout(ageSeconds: number, properties: Properties, nowMs: number): void {
  emitSeconds(PAYOUT_METRICS.service, PAYOUT_METRICS.unresolvedAge, ageSeconds, properties, nowMs);
}

/** One EMF document with one value in seconds, under the Service dimension alone. */
function emitSeconds(service: string, name: string, seconds: number, properties: Properties, nowMs: number): void {
  emit({
    _aws: {
      Timestamp: nowMs,
      CloudWatchMetrics: [{ Namespace: PAYMENT_METRICS.namespace, Dimensions: [['Service']], Metrics: [{ Name: name, Unit: 'Seconds' }] }],
    },
    ...properties,
    Service: service,
    [name]: seconds,
  });
}

/**
 * The scheduled ledger check's findings (docs/decisions.md, entry 141): one document per run with a value for each,
 * Service dimension only (the log line of the run names the holds and accounts). The alarms watch the Maximum of
 * each over the schedule's period: any expired hold, any guarded account below zero, and books that do not add up.
 */
export const LEDGER_METRICS = {
  service: 'ledger',
  expiredHolds: 'ExpiredHolds',
  negativeGuarded: 'NegativeGuardedAccounts',
  unbalanced: 'LedgerUnbalanced',
  pendingHolds: 'PendingHolds',
} as const;

export interface LedgerCheckFigures {
  readonly expiredHolds: number;
  readonly negativeGuarded: number;
  /** 1 when the books or a kept balance do not add up, else 0. */
  readonly unbalanced: number;
  readonly pendingHolds: number;
}

export function recordLedgerCheck(figures: LedgerCheckFigures, properties: Properties, nowMs: number): void {
  const values = {
    [LEDGER_METRICS.expiredHolds]: figures.expiredHolds,
    [LEDGER_METRICS.negativeGuarded]: figures.negativeGuarded,
    [LEDGER_METRICS.unbalanced]: figures.unbalanced,
    [LEDGER_METRICS.pendingHolds]: figures.pendingHolds,
  };
  emit({
    _aws: {
      Timestamp: nowMs,
      CloudWatchMetrics: [
        { Namespace: PAYMENT_METRICS.namespace, Dimensions: [['Service']], Metrics: Object.keys(values).map((Name) => ({ Name, Unit: 'Count' })) },
      ],
    },
    ...properties,
    Service: LEDGER_METRICS.service,
    ...values,
  });
}

/**
 * A reconciliation run's discrepancies (docs/decisions.md, 170): one document per run, by channel, whose value is the
 * count of rows needing an operator (0 on a clean day, so the alarm's period always has data). The report's id and
 * day are properties, for the log line that leads from the alarm to the report.
 */
export const RECONCILIATION_METRICS = { service: 'reconciliation', discrepancies: 'ReconciliationDiscrepancies' } as const;

export function recordReconciliation(channel: string, discrepancies: number, properties: Properties, nowMs: number): void {
  const name = RECONCILIATION_METRICS.discrepancies;
  emit({
    _aws: {
      Timestamp: nowMs,
      CloudWatchMetrics: [{ Namespace: PAYMENT_METRICS.namespace, Dimensions: [['Service'], ['Service', 'Channel']], Metrics: [{ Name: name, Unit: 'Count' }] }],
    },
    ...properties,
    Service: RECONCILIATION_METRICS.service,
    Channel: channel,
    [name]: discrepancies,
  });
}

/**
 * Channel health (shared/adapters/dynamodb/channel-health-store.ts): one document per channel call with its outcome
 * as 0/1 values (so the Average of ChannelTechnicalFailures is the technical failure rate and of ChannelAnswered the
 * success rate) and its latency (the dashboard's p99); and the circuit state (closed 0, half-open 0.5, open 1) when a
 * container reads it fresh or moves it, which the open-circuit alarm watches. Service and Channel dimensions.
 */
export const CHANNEL_METRICS = {
  service: 'channels',
  calls: 'ChannelCalls',
  answered: 'ChannelAnswered',
  technicalFailures: 'ChannelTechnicalFailures',
  latency: 'ChannelLatency',
  circuitState: 'ChannelCircuitState',
} as const;

export function recordChannelCall(channel: string, call: { readonly answered: boolean; readonly technicalFailure: boolean; readonly latencyMs: number }, nowMs: number): void {
  emit({
    _aws: {
      Timestamp: nowMs,
      CloudWatchMetrics: [
        {
          Namespace: PAYMENT_METRICS.namespace,
          Dimensions: [['Service', 'Channel']],
          Metrics: [
            { Name: CHANNEL_METRICS.calls, Unit: 'Count' },
            { Name: CHANNEL_METRICS.answered, Unit: 'Count' },
            { Name: CHANNEL_METRICS.technicalFailures, Unit: 'Count' },
            { Name: CHANNEL_METRICS.latency, Unit: 'Milliseconds' },
          ],
        },
      ],
    },
    Service: CHANNEL_METRICS.service,
    Channel: channel,
    [CHANNEL_METRICS.calls]: 1,
    [CHANNEL_METRICS.answered]: call.answered ? 1 : 0,
    [CHANNEL_METRICS.technicalFailures]: call.technicalFailure ? 1 : 0,
    [CHANNEL_METRICS.latency]: Math.max(0, Math.round(call.latencyMs)),
  });
}

export function recordCircuitState(channel: string, value: number, properties: Properties, nowMs: number): void {
  emit({
    _aws: {
      Timestamp: nowMs,
      CloudWatchMetrics: [{ Namespace: PAYMENT_METRICS.namespace, Dimensions: [['Service', 'Channel']], Metrics: [{ Name: CHANNEL_METRICS.circuitState, Unit: 'None' }] }],
    },
    ...properties,
    Service: CHANNEL_METRICS.service,
    Channel: channel,
    [CHANNEL_METRICS.circuitState]: value,
  });
}
