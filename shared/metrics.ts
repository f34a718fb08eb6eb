import { isLogging } from './logger.js';

/**
 * Business metrics as CloudWatch embedded metric format (EMF): one JSON line on stdout per payment outcome, which
 * CloudWatch Logs turns into metrics without a PutMetricData call. Locally the same line goes to the console.
 */
export const PAYMENT_METRICS = {
  namespace: 'PaymentPlatform',
  service: 'payments',
  succeeded: 'PaymentsSucceeded',
  failed: 'PaymentsFailed',
} as const;

export type PaymentMetricOutcome = 'succeeded' | 'failed';

export function emfLine(outcome: PaymentMetricOutcome, properties: Readonly<Record<string, string | null>>, nowMs: number): string {
  const metricName = outcome === 'succeeded' ? PAYMENT_METRICS.succeeded : PAYMENT_METRICS.failed;
  return JSON.stringify({
    _aws: {
      Timestamp: nowMs,
      CloudWatchMetrics: [
        { Namespace: PAYMENT_METRICS.namespace, Dimensions: [['Service']], Metrics: [{ Name: metricName, Unit: 'Count' }] },
      ],
    },
    Service: PAYMENT_METRICS.service,
    [metricName]: 1,
    // Searchable in Logs Insights, not dimensions (high cardinality would multiply the metric cost).
    ...properties,
  });
}

export function recordPaymentOutcome(outcome: PaymentMetricOutcome, properties: Readonly<Record<string, string | null>>, nowMs: number): void {
  if (!isLogging('info')) return;
  process.stdout.write(`${emfLine(outcome, properties, nowMs)}\n`);
}
