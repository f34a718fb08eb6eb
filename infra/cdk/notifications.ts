import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { notificationEntries, notificationSettings as settings } from '../definitions/notifications.js';
import type { KeyCenter } from './key-center.js';
import { PlatformFunction } from './platform-function.js';
import type { PaymentTable } from './table.js';

export interface NotificationsProps {
  readonly table: PaymentTable;
  readonly keyCenter: KeyCenter;
  readonly environment: Record<string, string>;
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Merchant notifications that are never lost: the outbox relay reads Event items from the table's stream and puts
 * them on the domain event bus; a rule feeds the notification queue; the notifier signs (KMS) and POSTs each webhook,
 * reports partial batch failures, and schedules retries as new delayed messages; dead letters wait in the DLQ.
 */
export class Notifications extends Construct {
  readonly bus: events.EventBus;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** Stream batches the relay could not publish after all retries (their sequence numbers, to replay). */
  readonly relayFailures: sqs.Queue;
  readonly relay: PlatformFunction;
  readonly notifier: PlatformFunction;
  /** What a function that notifies needs to know (queue URLs, bus name, signing key). */
  readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const queueDefaults = { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true };

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      ...queueDefaults,
      retentionPeriod: Duration.seconds(settings.dlqRetentionSeconds),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...queueDefaults,
      visibilityTimeout: Duration.seconds(settings.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(settings.queueRetentionSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
    });
    this.relayFailures = new sqs.Queue(this, 'RelayFailures', {
      ...queueDefaults,
      retentionPeriod: Duration.seconds(settings.dlqRetentionSeconds),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const dlq of [this.deadLetterQueue, this.relayFailures]) {
      Validations.of(dlq).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'This queue is itself a dead-letter queue: its messages are alarmed on and replayed, not retried.' });
    }

    this.bus = new events.EventBus(this, 'Bus', { description: 'Payment platform domain events' });
    new events.Rule(this, 'ToNotifications', {
      eventBus: this.bus,
      description: 'Every merchant-visible domain event is delivered as a webhook',
      // Events of orders without a notifyUrl stay on the bus for other consumers; nothing to deliver.
      eventPattern: { source: [settings.eventSource], detail: { notify: [true] } },
      targets: [
        new targets.SqsQueue(this.queue, {
          message: events.RuleTargetInput.fromEventPath('$.detail'),
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    this.environment = {
      EVENT_BUS_NAME: this.bus.eventBusName,
      NOTIFY_QUEUE_URL: this.queue.queueUrl,
      NOTIFY_DLQ_URL: this.deadLetterQueue.queueUrl,
      WEBHOOK_SIGNING_KEY_ID: props.keyCenter.signingKey.keyId,
    };
    const environment = { ...props.environment, ...this.environment };

    this.relay = new PlatformFunction(this, 'Relay', {
      entry: notificationEntries.relay,
      description: 'Outbox relay: table stream Event items to the domain event bus',
      environment,
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
    });
    this.bus.grantPutEventsTo(this.relay.fn);
    this.relay.fn.addEventSource(
      new sources.DynamoEventSource(props.table.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: 20,
        reportBatchItemFailures: true,
        onFailure: new sources.SqsDlq(this.relayFailures),
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('INSERT'),
            dynamodb: { NewImage: { entity: { S: lambda.FilterRule.isEqual('Event') } } },
          }),
        ],
      }),
    );

    this.notifier = new PlatformFunction(this, 'Notifier', {
      entry: notificationEntries.notifier,
      description: 'Signs and delivers merchant webhooks; schedules retries',
      environment,
      timeout: Duration.seconds(settings.notifierTimeoutSeconds),
      reservedConcurrentExecutions: settings.notifierMaxConcurrency,
      logRetention: props.logRetention,
    });
    this.notifier.fn.addEventSource(
      new sources.SqsEventSource(this.queue, {
        batchSize: settings.notifierBatchSize,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        maxConcurrency: settings.notifierMaxConcurrency,
      }),
    );
    this.queue.grantSendMessages(this.notifier.fn); // scheduled retries are new delayed messages
    this.deadLetterQueue.grantSendMessages(this.notifier.fn); // after the last scheduled attempt
    props.table.grantReadWriteData(this.notifier.role); // cross-check with the order, record attempts
    props.keyCenter.grantSign(this.notifier.fn);
  }

  /** For the events API: redeliver puts a message on the queue. */
  grantRedeliver(grantee: lambda.IFunction): void {
    this.queue.grantSendMessages(grantee);
  }
}
