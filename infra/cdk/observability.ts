import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CALLBACK_METRICS, CHANNEL_METRICS, JANITOR_METRICS, LEDGER_METRICS, PAYMENT_METRICS, PAYOUT_METRICS, RECONCILIATION_METRICS } from '../../shared/metrics.js';
import { ledgerCheckSettings } from '../definitions/ledger-check.js';
import type { KeyCenter } from './key-center.js';

export interface ObservabilityProps {
  readonly api: apigw.RestApi;
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  readonly payWorkflow: sfn.IStateMachine;
  readonly notificationQueue: sqs.IQueue;
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  readonly table: dynamodb.ITableV2;
  readonly keyCenter: KeyCenter;
  /** The channel ids with a widget of their own (payments and refused callbacks by channel). Default none. */
  readonly channels?: readonly string[];
  /** The channels reconciled daily (infra/cdk/reconciliation.ts): each has a "did not run" alarm. Default none. */
  readonly reconciledChannels?: readonly string[];
  /** Who gets the alarms by email (a subscription to confirm). Default none: subscribe the topic to your pager. */
  readonly alarmEmail?: string;
  /** Alarm thresholds; every default is documented in the README ("Alarms"). */
  readonly thresholds?: Partial<AlarmThresholds>;
}

export interface AlarmThresholds {
  /** Percentage of API requests answered 5xx, over 5 minutes. Default 1. */
  readonly api5xxPercent: number;
  /** API p99 latency in ms, 3 of 3 five-minute periods. Default 2000 (a pay includes the channel round trip). */
  readonly apiP99LatencyMs: number;
  /** Errors of any one function in 5 minutes. Default 5. */
  readonly lambdaErrors: number;
  /** Failed pay workflow executions in 5 minutes (each is a payment stuck in PROCESSING or released). Default 1. */
  readonly workflowFailures: number;
  /** Age of the oldest notification waiting, seconds. Default 1800 (scheduled retries wait at most 900 s). */
  readonly oldestNotificationSeconds: number;
  /** Age of a merchant's oldest payment still PROCESSING, seconds (the janitor's sweep). Default 3600. */
  readonly oldestUnresolvedPaymentSeconds: number;
  /** A payout still PROCESSING at the janitor's query this long after its creation (docs/decisions.md, entry 160). */
  readonly unresolvedPayoutSeconds: number;
  /** Channel callbacks refused in 5 minutes. Default 5 (a retried forged callback or a stale key shows at once). */
  readonly callbacksRejected: number;
  /** Late payments (money taken for an order that no longer pays, refunded automatically) in 5 minutes. Default 1. */
  readonly latePayments: number;
  /** A channel's technical failures (timeouts, system errors) as % of its calls over 5 minutes. Default 10. */
  readonly channelTechnicalFailurePercent: number;
  /** The calls in 5 minutes under which a channel's failure rate is not judged (too few to mean anything). Default 20. */
  readonly channelAlarmMinCalls: number;
}

const DEFAULT_THRESHOLDS: AlarmThresholds = {
  api5xxPercent: 1,
  apiP99LatencyMs: 2000,
  lambdaErrors: 5,
  workflowFailures: 1,
  oldestNotificationSeconds: 1800,
  // The janitor's first queries come after a minute, then five, then 25: a payment unresolved for an hour is one the
  // channel keeps not answering, or one the janitor cannot decide (an amount mismatch): an operator must look.
  oldestUnresolvedPaymentSeconds: 3600,
  unresolvedPayoutSeconds: 3600,
  callbacksRejected: 5,
  // Each one is a payer charged for nothing until the automatic refund lands: an operator checks it did.
  latePayments: 1,
  // Below the circuit's own 50 %: the alarm says a channel is degrading before routing gives up on it.
  channelTechnicalFailurePercent: 10,
  channelAlarmMinCalls: 20,
};

const FIVE_MINUTES = Duration.minutes(5);

/**
 * One dashboard per region and the alarms ops are paged by, all to one SNS topic (encrypted with the key center's
 * data key). Payment outcomes come from the embedded-metric-format lines the commit step logs (shared/metrics.ts),
 * per channel too: succeeded, failed, refused callbacks and late payments have a line per channel id.
 */
export class Observability extends Construct {
  readonly alarmTopic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const t = { ...DEFAULT_THRESHOLDS, ...props.thresholds };
    const region = Stack.of(this).region;

    props.keyCenter.allowService('cloudwatch.amazonaws.com');
    this.alarmTopic = new sns.Topic(this, 'Alarms', {
      displayName: `Payment platform alarms (${region})`,
      masterKey: props.keyCenter.dataKey,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    // --- metrics ---
    const api = props.api;
    const requests = api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' });
    const errors4xx = api.metricClientError({ period: FIVE_MINUTES, statistic: 'Sum' });
    const errors5xx = api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    const latencyP50 = api.metricLatency({ period: FIVE_MINUTES, statistic: 'p50' });
    const latencyP99 = api.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' });
    const rate5xx = new cloudwatch.MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { requests, errors: errors5xx },
      period: FIVE_MINUTES,
      label: '5xx %',
    });
    const sm = props.payWorkflow;
    const wfFailed = sm.metricFailed({ period: FIVE_MINUTES, statistic: 'Sum' });
    const wfTimedOut = sm.metricTimedOut({ period: FIVE_MINUTES, statistic: 'Sum' });
    const wfTimeP99 = sm.metricTime({ period: FIVE_MINUTES, statistic: 'p99' });
    const oldest = props.notificationQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' });
    const table = props.table;
    const ddbThrottles = new cloudwatch.MathExpression({
      expression: 'reads + writes',
      usingMetrics: {
        reads: table.metric('ReadThrottleEvents', { period: Duration.minutes(1), statistic: 'Sum' }),
        writes: table.metric('WriteThrottleEvents', { period: Duration.minutes(1), statistic: 'Sum' }),
      },
      period: Duration.minutes(1),
      label: 'DynamoDB throttle events',
    });
    /** A business metric from the EMF documents (shared/metrics.ts): by Service, and by Channel when given. */
    const emf = (service: string, metricName: string, options: { period?: Duration; statistic?: string; channel?: string } = {}) =>
      new cloudwatch.Metric({
        namespace: PAYMENT_METRICS.namespace,
        metricName,
        dimensionsMap: { Service: service, ...(options.channel ? { Channel: options.channel } : {}) },
        period: options.period ?? Duration.minutes(1),
        statistic: options.statistic ?? 'Sum',
        ...(options.channel ? { label: options.channel } : {}),
      });
    const payment = (metricName: string) => emf(PAYMENT_METRICS.service, metricName);
    // One line per channel (the EMF documents carry a Service+Channel dimension set).
    const byChannel = (service: string, metricName: string, period = Duration.minutes(1)) =>
      (props.channels ?? []).map((channel) => emf(service, metricName, { period, channel }));

    // --- alarms ---
    const alarm = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string, evaluationPeriods = 1) => {
      const a = new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(new actions.SnsAction(this.alarmTopic));
      a.addOkAction(new actions.SnsAction(this.alarmTopic));
      this.alarms.push(a);
      return a;
    };
    alarm('Api5xxRate', rate5xx, t.api5xxPercent, `API 5xx >= ${t.api5xxPercent}% of requests over 5 minutes`);
    alarm('ApiP99Latency', latencyP99, t.apiP99LatencyMs, `API p99 latency >= ${t.apiP99LatencyMs} ms for 15 minutes`, 3);
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}Errors`, fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), t.lambdaErrors, `${name}: >= ${t.lambdaErrors} errors in 5 minutes`);
      alarm(`${name}Throttles`, fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }), 1, `${name}: throttled`);
    }
    alarm('PayWorkflowFailures', wfFailed, t.workflowFailures, 'Pay workflow executions failed: payments released or stuck in PROCESSING');
    alarm('PayWorkflowTimeouts', wfTimedOut, 1, 'Pay workflow executions timed out: payments stuck in PROCESSING');
    for (const [name, dlq] of Object.entries(props.deadLetterQueues)) {
      alarm(`${name}Depth`, dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }), 1, `${name}: messages are waiting in a dead-letter queue`);
    }
    alarm('NotificationAge', oldest, t.oldestNotificationSeconds, `Oldest notification waited >= ${t.oldestNotificationSeconds} s: the notifier is not keeping up`);
    alarm('DynamoDbThrottles', ddbThrottles, 1, 'DynamoDB throttled requests on the payment table');
    // One sweep per merchant per 15 minutes.
    const oldestUnresolved = emf(JANITOR_METRICS.service, JANITOR_METRICS.oldestUnresolved, { period: Duration.minutes(15), statistic: 'Maximum' });
    alarm(
      'OldestUnresolvedPayment',
      oldestUnresolved,
      t.oldestUnresolvedPaymentSeconds,
      `A payment has been PROCESSING for >= ${t.oldestUnresolvedPaymentSeconds} s: the janitor cannot resolve it (see the sweep's log line for the merchant and order)`,
    );
    const unresolvedPayout = emf(PAYOUT_METRICS.service, PAYOUT_METRICS.unresolvedAge, { period: Duration.minutes(15), statistic: 'Maximum' });
    alarm(
      'PayoutUnresolvedAge',
      unresolvedPayout,
      t.unresolvedPayoutSeconds,
      `A payout has been PROCESSING for >= ${t.unresolvedPayoutSeconds} s: the bank has not resolved it (the payout.query log line names it); never send it elsewhere`,
    );
    const callbacksRejected = emf(CALLBACK_METRICS.service, CALLBACK_METRICS.rejected, { period: FIVE_MINUTES });
    alarm(
      'CallbacksRejected',
      callbacksRejected,
      t.callbacksRejected,
      `>= ${t.callbacksRejected} channel callbacks refused in 5 minutes (forged, or a channel key rotation not stored): see the Channel and Reason dimensions`,
    );

    const latePayments = emf(PAYMENT_METRICS.service, PAYMENT_METRICS.latePayments, { period: FIVE_MINUTES });
    alarm(
      'LatePayments',
      latePayments,
      t.latePayments,
      `>= ${t.latePayments} late payment(s) in 5 minutes: a channel took money for a CLOSED order; check its automatic refund (the log line names the order, the Channel dimension the channel)`,
    );

    // Channel health (decision 202): an open circuit pages at once (routing already sends the channel's payments
    // elsewhere; someone must find out why), a failure rate under the circuit's threshold warns before it opens.
    const channelMetric = (channel: string, metricName: string, statistic: string, period = FIVE_MINUTES) =>
      emf(CHANNEL_METRICS.service, metricName, { channel, statistic, period });
    for (const channel of props.channels ?? []) {
      alarm(
        `ChannelCircuitOpen-${channel}`,
        channelMetric(channel, CHANNEL_METRICS.circuitState, 'Maximum', Duration.minutes(1)),
        1,
        `The circuit of ${channel} is open: its timeouts or system errors crossed the threshold and routing skips it until probes succeed (GET /ops/v1/channels shows its health)`,
      );
      const failureRate = new cloudwatch.MathExpression({
        expression: `IF(calls >= ${t.channelAlarmMinCalls}, 100 * failures / calls, 0)`,
        usingMetrics: {
          calls: channelMetric(channel, CHANNEL_METRICS.calls, 'Sum'),
          failures: channelMetric(channel, CHANNEL_METRICS.technicalFailures, 'Sum'),
        },
        period: FIVE_MINUTES,
        label: `${channel} technical failure %`,
      });
      alarm(
        `ChannelTechnicalFailures-${channel}`,
        failureRate,
        t.channelTechnicalFailurePercent,
        `${channel}: >= ${t.channelTechnicalFailurePercent}% of its calls timed out or failed with a system error over 5 minutes (declines do not count)`,
      );
    }

    // The scheduled ledger check (entries 140-143): each run publishes its figures once. Over two runs' worth of time
    // so that every period holds a run whatever the schedule's jitter; any finding is one too many.
    const ledgerPeriod = Duration.minutes(2 * ledgerCheckSettings.everyMinutes);
    const ledger = (metricName: string, statistic = 'Maximum') => emf(LEDGER_METRICS.service, metricName, { period: ledgerPeriod, statistic });
    alarm('LedgerExpiredHolds', ledger(LEDGER_METRICS.expiredHolds), 1, 'The ledger check found holds still PENDING past their expiry and its grace: an authorization expiry or a top-up refund did not end them (the run\'s log line names them)');
    alarm('LedgerNegativeGuardedAccounts', ledger(LEDGER_METRICS.negativeGuarded), 1, 'The ledger check found a guarded account (a customer balance) below zero (the run\'s log line names it)');
    alarm('LedgerUnbalanced', ledger(LEDGER_METRICS.unbalanced), 1, 'The ledger check found books that do not add up: an unbalanced entry or currency, a kept balance that is not the sum of its postings, or a hold account that does not hold what its hold says');
    // A check that stopped running proves nothing: no run in three periods is an alarm of its own.
    const ledgerRuns = ledger(LEDGER_METRICS.unbalanced, 'SampleCount');
    const notRunning = new cloudwatch.Alarm(this, 'LedgerCheckNotRunning', {
      metric: ledgerRuns,
      threshold: 1,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmDescription: 'The scheduled ledger check has not reported for three periods: its schedule or function is broken',
    });
    notRunning.addAlarmAction(new actions.SnsAction(this.alarmTopic));
    notRunning.addOkAction(new actions.SnsAction(this.alarmTopic));
    this.alarms.push(notRunning);

    // Reconciliation (entries 188-192): each run publishes its discrepancy count once, per channel. Any discrepancy in
    // a day is an operator's work; a channel with no run in a whole UTC day (two daily periods, so the day still
    // running before its 03:00 run does not count) means its schedule or function is broken.
    const reconciliation = (statistic: string, channel?: string) =>
      emf(RECONCILIATION_METRICS.service, RECONCILIATION_METRICS.discrepancies, { period: Duration.days(1), statistic, ...(channel ? { channel } : {}) });
    alarm('ReconciliationDiscrepancies', reconciliation('Maximum'), 1, 'A reconciliation run found discrepancies (channel_only, platform_only, amount, status or fee mismatches): GET /ops/v1/reconciliations names the run, its report the rows');
    for (const channel of props.reconciledChannels ?? []) {
      const notRun = new cloudwatch.Alarm(this, `ReconciliationNotRun-${channel}`, {
        metric: reconciliation('SampleCount', channel),
        threshold: 1,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        alarmDescription: `No reconciliation of ${channel} finished in a whole UTC day: its schedule, its function or the channel's bill is broken (see the ReconciliationDlq and the function's errors)`,
      });
      notRun.addAlarmAction(new actions.SnsAction(this.alarmTopic));
      notRun.addOkAction(new actions.SnsAction(this.alarmTopic));
      this.alarms.push(notRun);
    }

    // --- dashboard ---
    const fnMetrics = (pick: (fn: lambda.IFunction) => cloudwatch.IMetric) => Object.values(props.functions).map(pick);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `payment-platform-${region}`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Payments per minute', left: [payment(PAYMENT_METRICS.succeeded), payment(PAYMENT_METRICS.failed)], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'API requests and errors', left: [requests, errors4xx, errors5xx], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'API latency (ms)', left: [latencyP50, latencyP99], width: 8 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Payments succeeded by channel', left: byChannel(PAYMENT_METRICS.service, PAYMENT_METRICS.succeeded), width: 6 }),
      new cloudwatch.GraphWidget({ title: 'Payments failed by channel', left: byChannel(PAYMENT_METRICS.service, PAYMENT_METRICS.failed), width: 6 }),
      new cloudwatch.GraphWidget({ title: 'Callbacks refused by channel', left: byChannel(CALLBACK_METRICS.service, CALLBACK_METRICS.rejected, FIVE_MINUTES), width: 6 }),
      new cloudwatch.GraphWidget({
        title: 'Late payments by channel; oldest unresolved payment (s)',
        left: byChannel(PAYMENT_METRICS.service, PAYMENT_METRICS.latePayments, FIVE_MINUTES),
        right: [oldestUnresolved],
        width: 6,
      }),
    );
    // Channel health, a line per channel: volume, success rate (answered calls: successes and declines), p99 latency
    // and the circuit (0 closed, 0.5 half-open, 1 open).
    const channels = props.channels ?? [];
    const successRate = (channel: string, i: number) =>
      new cloudwatch.MathExpression({
        expression: `IF(calls${i} > 0, 100 * answered${i} / calls${i}, 100)`,
        usingMetrics: {
          [`calls${i}`]: channelMetric(channel, CHANNEL_METRICS.calls, 'Sum', Duration.minutes(1)),
          [`answered${i}`]: channelMetric(channel, CHANNEL_METRICS.answered, 'Sum', Duration.minutes(1)),
        },
        period: Duration.minutes(1),
        label: channel,
      });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Channel calls per minute', left: channels.map((c) => channelMetric(c, CHANNEL_METRICS.calls, 'Sum', Duration.minutes(1))), width: 6 }),
      new cloudwatch.GraphWidget({ title: 'Channel success rate % (declines are answers)', left: channels.map(successRate), leftYAxis: { min: 0, max: 100 }, width: 6 }),
      new cloudwatch.GraphWidget({ title: 'Channel latency p99 (ms)', left: channels.map((c) => channelMetric(c, CHANNEL_METRICS.latency, 'p99', Duration.minutes(1))), width: 6 }),
      new cloudwatch.GraphWidget({
        title: 'Channel circuit (0 closed, 0.5 half-open, 1 open)',
        left: channels.map((c) => channelMetric(c, CHANNEL_METRICS.circuitState, 'Maximum', Duration.minutes(1))),
        leftYAxis: { min: 0, max: 1 },
        width: 6,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Lambda errors', left: fnMetrics((fn) => fn.metricErrors({ period: FIVE_MINUTES })), width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Lambda throttles', left: fnMetrics((fn) => fn.metricThrottles({ period: FIVE_MINUTES })), width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Lambda duration p99 (ms)', left: fnMetrics((fn) => fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' })), width: 8 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Pay workflow failures', left: [wfFailed, wfTimedOut], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Pay workflow duration p99 (ms)', left: [wfTimeP99], width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Notifications: oldest message (s) and dead letters',
        left: [oldest],
        right: Object.values(props.deadLetterQueues).map((q) => q.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' })),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Ledger check: expired holds, negative guarded accounts, unbalanced (alarm at 1); open holds',
        left: [ledger(LEDGER_METRICS.expiredHolds), ledger(LEDGER_METRICS.negativeGuarded), ledger(LEDGER_METRICS.unbalanced)],
        right: [ledger(LEDGER_METRICS.pendingHolds)],
        width: 24,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Reconciliation: discrepancies per run by channel (alarm at 1); runs per day',
        left: (props.reconciledChannels ?? []).map((channel) => reconciliation('Maximum', channel)),
        right: (props.reconciledChannels ?? []).map((channel) => reconciliation('SampleCount', channel)),
        width: 24,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'DynamoDB throttles', left: [ddbThrottles], width: 12 }),
      new cloudwatch.GraphWidget({
        title: 'DynamoDB consumed capacity',
        left: [table.metricConsumedReadCapacityUnits({ period: Duration.minutes(1) }), table.metricConsumedWriteCapacityUnits({ period: Duration.minutes(1) })],
        width: 12,
      }),
    );
  }
}
