import { afterEach, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../shared/logger.js';
import {
  CALLBACK_METRICS,
  PAYMENT_METRICS,
  recordCallbackRejected,
  recordLatePayment,
  recordOtpConfirmation,
  recordPaymentOutcome,
  setMetricSink,
  type MetricDocument,
} from '../../shared/metrics.js';

const NOW = 1_795_560_000_000;

function capture(): MetricDocument[] {
  const docs: MetricDocument[] = [];
  setMetricSink((d) => docs.push(d));
  return docs;
}

afterEach(() => {
  setMetricSink(undefined);
  setLogLevel('silent');
});

/** CloudWatch drops an EMF document whose dimension or metric names are not top-level members of it. */
function expectValidEmf(doc: MetricDocument): void {
  const directive = (doc._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> })
    .CloudWatchMetrics[0]!;
  expect(directive.Namespace).toBe(PAYMENT_METRICS.namespace);
  for (const set of directive.Dimensions) for (const name of set) expect(typeof doc[name], name).toBe('string');
  for (const metric of directive.Metrics) expect(doc[metric.Name], metric.Name).toBe(1);
}

describe('payment metrics', () => {
  it.each(['warn', 'error', 'silent'] as const)('are emitted at LOG_LEVEL=%s: metrics are not logs', (level) => {
    setLogLevel(level);
    const docs = capture();
    recordPaymentOutcome('succeeded', { orderId: 'ord_1', channel: 'card_a', code: null }, NOW);
    recordPaymentOutcome('failed', { orderId: 'ord_2', channel: 'card_a', code: 'card_declined' }, NOW);
    expect(docs.map((d) => Object.keys(d).filter((k) => k.startsWith('Payments')))).toEqual([
      [PAYMENT_METRICS.succeeded],
      [PAYMENT_METRICS.failed],
    ]);
    docs.forEach(expectValidEmf);
  });

  it('count OTP confirmations by result, on the service dimension and per result', () => {
    const docs = capture();
    recordOtpConfirmation('unknown', { orderId: 'ord_1', channel: 'card_a', code: null }, NOW);
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ Service: 'payments', Result: 'unknown', OtpConfirmations: 1, orderId: 'ord_1' });
    expect((docs[0]!._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> }).CloudWatchMetrics[0]!.Dimensions).toEqual([
      ['Service'],
      ['Service', 'Result'],
    ]);
    expectValidEmf(docs[0]!);
  });
});

const dimensionSets = (doc: MetricDocument) => (doc._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> }).CloudWatchMetrics[0]!.Dimensions;

describe('per-channel metrics (the dashboard widgets by channel)', () => {
  it('count a payment outcome by channel too, when a channel decided it', () => {
    const docs = capture();
    recordPaymentOutcome('succeeded', { orderId: 'ord_1', channel: 'wechat_pay', code: null }, NOW);
    recordPaymentOutcome('failed', { orderId: 'ord_2', channel: null, code: 'risk_blocked' }, NOW);
    expect(docs[0]).toMatchObject({ Service: 'payments', Channel: 'wechat_pay', PaymentsSucceeded: 1 });
    expect(dimensionSets(docs[0]!)).toEqual([['Service'], ['Service', 'Channel']]);
    // No channel (a risk block): the service total only, never an empty Channel.
    expect(docs[1]).not.toHaveProperty('Channel');
    expect(dimensionSets(docs[1]!)).toEqual([['Service']]);
    docs.forEach(expectValidEmf);
  });

  it('count refused callbacks per service, per channel, and per channel and reason', () => {
    const docs = capture();
    recordCallbackRejected('alipay', 'signature', { requestId: 'r1' }, NOW);
    expect(docs[0]).toMatchObject({ Service: CALLBACK_METRICS.service, Channel: 'alipay', Reason: 'signature', CallbacksRejected: 1 });
    expect(dimensionSets(docs[0]!)).toEqual([['Service'], ['Service', 'Channel'], ['Service', 'Channel', 'Reason']]);
    expectValidEmf(docs[0]!);
  });

  it('count a late payment by channel, with the order and attempt as searchable properties', () => {
    const docs = capture();
    recordLatePayment('netbank', { orderId: 'ord_3', paymentId: 'pay_3' }, NOW);
    expect(docs).toEqual([expect.objectContaining({ Service: 'payments', Channel: 'netbank', LatePayments: 1, orderId: 'ord_3', paymentId: 'pay_3' })]);
    expect(dimensionSets(docs[0]!)).toEqual([['Service'], ['Service', 'Channel']]);
    expectValidEmf(docs[0]!);
  });
});
