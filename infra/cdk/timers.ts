import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { timerEntry, timerSettings as settings } from '../definitions/timers.js';
import { PlatformFunction } from './platform-function.js';

export interface TimersProps {
  /** The platform's common function environment (table name, keys, log level). */
  readonly environment: Record<string, string>;
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Per-object timers (shared/ports/timers.ts): a schedule group holding one EventBridge Scheduler one-time schedule per
 * pending timer, created by the functions that set deadlines (grantSchedule); Scheduler sends each due timer, under a
 * role that may do nothing else, to the timer queue; the timer function reads the queue (partial batch failures) and
 * runs the handler of the timer's kind. A timer Scheduler cannot deliver, or whose handler keeps failing, ends in the
 * dead-letter queue, whose depth is alarmed (Observability).
 *
 * Why a queue between Scheduler and the function rather than a Lambda target: the local runtime reads the same queue
 * shape (the durable `timers` queue) with the same handler; a burst of timers due in the same second (every order of a
 * flash sale expiring) waits in the queue under maxConcurrency instead of fanning out into channel queries; and a
 * failing handler is retried by the queue's visibility timeout and parked in the DLQ with the same body Scheduler's own
 * dead letters have, so one DLQ and one replay path cover both.
 */
export class Timers extends Construct {
  readonly group: scheduler.ScheduleGroup;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** The role EventBridge Scheduler assumes to deliver timers: send to the timer queue and its DLQ, nothing else. */
  readonly schedulerRole: iam.Role;
  readonly timerFunction: PlatformFunction;
  /** What a function that schedules timers needs to know (shared/config.ts TIMER_*). */
  readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: TimersProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const queueDefaults = { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true };

    // Retained: the pending timers in it are state (deadlines of live orders), not a cache.
    this.group = new scheduler.ScheduleGroup(this, 'Group', { removalPolicy: RemovalPolicy.RETAIN });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      ...queueDefaults,
      retentionPeriod: Duration.seconds(settings.dlqRetentionSeconds),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the timers: its messages are alarmed on and replayed, not retried.',
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...queueDefaults,
      visibilityTimeout: Duration.seconds(settings.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(settings.queueRetentionSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
    });

    // Only Scheduler, only for schedules of this account's timer group, may assume it (confused-deputy guard).
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnEquals: { 'aws:SourceArn': this.group.scheduleGroupArn },
        },
      }),
      description: 'EventBridge Scheduler: delivers due timers to the timer queue (and undeliverable ones to its DLQ)',
    });
    this.queue.grantSendMessages(this.schedulerRole);
    this.deadLetterQueue.grantSendMessages(this.schedulerRole);

    this.environment = {
      TIMER_SCHEDULE_GROUP: this.group.scheduleGroupName,
      TIMER_SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
      TIMER_QUEUE_ARN: this.queue.queueArn,
      TIMER_DLQ_ARN: this.deadLetterQueue.queueArn,
    };

    this.timerFunction = new PlatformFunction(this, 'Function', {
      entry: timerEntry,
      description: 'Timers: runs the handler of each due timer (janitor queries, expiries)',
      environment: { ...props.environment, ...this.environment },
      timeout: Duration.seconds(settings.timerFunctionTimeoutSeconds),
      logRetention: props.logRetention,
    });
    this.timerFunction.fn.addEventSource(
      new sources.SqsEventSource(this.queue, {
        batchSize: settings.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: settings.maxConcurrency,
      }),
    );
    // A handler's next step is often a new timer for the same object (the janitor's next query).
    this.grantSchedule(this.timerFunction.role);
  }

  /**
   * Lets a function set and cancel timers: create, replace and delete schedules in the timer group only, and pass the
   * scheduler role to Scheduler only (so it cannot aim a schedule at anything the role cannot reach either).
   */
  grantSchedule(role: iam.Role): void {
    const schedules = Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.group.scheduleGroupName}/*` });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
        resources: [schedules],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    // cdk-nag names the finding by the resource as synthesized: pseudo-parameters in <>, the rest literal.
    const stack = Stack.of(this);
    const literal = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
    const finding = `arn:<AWS::Partition>:scheduler:${literal(stack.region, 'Region')}:${literal(stack.account, 'AccountId')}:schedule/${this.group.scheduleGroupName}/*`;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${finding}]`,
      reason: 'One schedule per timer, named from its object, created at run time: the grant covers the timer group only.',
    });
  }
}
