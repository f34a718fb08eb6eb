import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { timerEntry, timerSettings } from '../../infra/definitions/timers.js';
import { JANITOR_METRICS, PAYMENT_METRICS } from '../../shared/metrics.js';
import { resourcesOf, nagCheckedTemplate, type Resource } from './synth.js';

let t: Template;
beforeAll(() => {
  t = nagCheckedTemplate(); // cdk-nag runs in its synth: an unacknowledged finding throws
});

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const json = (value: unknown) => JSON.stringify(value);

/** Logical id of the one resource of a type whose properties match. */
function logicalId(type: string, props: Record<string, unknown>): string {
  const ids = Object.keys(t.findResources(type, { Properties: Match.objectLike(props) }));
  expect(ids, `${type} matching ${json(props)}`).toHaveLength(1);
  return ids[0]!;
}

/** Every statement of the policies attached to a role. */
function statementsOf(roleId: string): Statement[] {
  return resourcesOf(t, 'AWS::IAM::Policy')
    .filter(([, p]) => json(p.Properties.Roles).includes(`"${roleId}"`))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const roleIdOf = (description: RegExp) => {
  const roles = resourcesOf(t, 'AWS::IAM::Role').filter(([, r]) => description.test(String(r.Properties.Description ?? '')));
  expect(roles).toHaveLength(1);
  return roles[0]![0];
};

describe('timers (EventBridge Scheduler → timer queue → timer function)', () => {
  it('has one schedule group, retained with its pending timers', () => {
    const groups = resourcesOf(t, 'AWS::Scheduler::ScheduleGroup');
    expect(groups).toHaveLength(1);
    expect(groups[0]![1].DeletionPolicy).toBe('Retain');
  });

  it('feeds the timer function from an encrypted queue with a dead-letter queue, reporting partial batch failures', () => {
    const [queueId, queue] = resourcesOf(t, 'AWS::SQS::Queue').find(([id]) => /^TimersQueue/.test(id))!;
    expect(queue.Properties).toMatchObject({ VisibilityTimeout: timerSettings.visibilityTimeoutSeconds, MessageRetentionPeriod: timerSettings.queueRetentionSeconds });
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBe(timerSettings.maxReceiveCount);
    const dlqId = queue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string;
    expect((t.toJSON().Resources[dlqId] as Resource).DeletionPolicy).toBe('Retain');

    const fnId = logicalId('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Timers:') });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: fnId },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: timerSettings.batchSize,
      ScalingConfig: { MaximumConcurrency: timerSettings.maxConcurrency },
    });
    expect(timerEntry).toBe('functions/timers.ts');
  });

  it("gives Scheduler a role only it may assume, for this account's timer group, that can only send to the timer queues", () => {
    const roleId = roleIdOf(/^EventBridge Scheduler/);
    const role = t.toJSON().Resources[roleId] as Resource;
    const [trust] = role.Properties.AssumeRolePolicyDocument.Statement as Statement[];
    expect(trust).toMatchObject({ Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole' });
    const groupId = resourcesOf(t, 'AWS::Scheduler::ScheduleGroup')[0]![0];
    expect(trust!.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [groupId, 'Arn'] } },
    });
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();

    const statements = statementsOf(roleId);
    expect([...new Set(statements.flatMap(actionsOf))].sort()).toEqual(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
    const targets = json(statements.map((s) => s.Resource));
    const queueIds = resourcesOf(t, 'AWS::SQS::Queue').map(([id]) => id).filter((id) => targets.includes(`"${id}"`));
    expect(queueIds.sort()).toEqual([expect.stringMatching(/^TimersDeadLetters/), expect.stringMatching(/^TimersQueue/)]);
    expect(targets).not.toMatch(/"\*"/);
  });

  it('lets the timer function set timers in its group only, and pass the scheduler role to Scheduler only', () => {
    const fnRoleId = roleIdOf(/^Timers: .*Lambda execution role/);
    const schedulerRoleId = roleIdOf(/^EventBridge Scheduler/);
    const statements = statementsOf(fnRoleId);
    const schedule = statements.find((s) => actionsOf(s).includes('scheduler:CreateSchedule'))!;
    expect(actionsOf(schedule).sort()).toEqual(['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:UpdateSchedule']);
    const groupName = resourcesOf(t, 'AWS::Scheduler::ScheduleGroup')[0]![1].Properties.Name as string;
    expect(json(schedule.Resource)).toMatch(new RegExp(`:scheduler:eu-west-1:.*:schedule/${groupName}/\\*"\\]\\]\\}$`));

    const passRole = statements.find((s) => actionsOf(s).includes('iam:PassRole'))!;
    expect(actionsOf(passRole)).toEqual(['iam:PassRole']);
    expect(passRole.Resource).toEqual({ 'Fn::GetAtt': [schedulerRoleId, 'Arn'] });
    expect(passRole.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    // No scheduler:* or iam:* wildcards anywhere in the stack.
    for (const [, policy] of resourcesOf(t, 'AWS::IAM::Policy')) {
      for (const s of policy.Properties.PolicyDocument.Statement as Statement[]) {
        for (const action of actionsOf(s)) expect(action).not.toMatch(/^(scheduler|iam):\*$|^\*$/);
      }
    }
  });

  it('tells the timer function where timers go, through the TIMER_* settings', () => {
    const fn = t.findResources('AWS::Lambda::Function', { Properties: Match.objectLike({ Description: Match.stringLikeRegexp('^Timers:') }) });
    const variables = (Object.values(fn)[0] as Resource).Properties.Environment.Variables as Record<string, unknown>;
    expect(Object.keys(variables)).toEqual(expect.arrayContaining(['TIMER_SCHEDULE_GROUP', 'TIMER_SCHEDULER_ROLE_ARN', 'TIMER_QUEUE_ARN', 'TIMER_DLQ_ARN', 'TABLE_NAME']));
  });

  const SCHEDULERS = ['Merchant API: agreements', 'Merchant API: order', 'Merchant API: pay', 'Merchant API: payouts', 'Merchant API: refund', 'Operations API', 'Public pages: callbacks', 'Public pages: checkout', 'Timers'];
  /** A function or its role by its description: `Merchant API: pay`, or `Timers` for the timer function. */
  const owner = (description: string) => (description.startsWith('Timers:') ? 'Timers' : description.split(' (')[0]!);

  it('gives the schedule grant and the TIMER_* settings to exactly the functions that set deadlines: agreements, order, pay, payouts, refund, ops (a new merchant\'s sweep), callbacks, checkout, timers', () => {
    const schedulerRoleId = roleIdOf(/^EventBridge Scheduler/);
    const withGrant = resourcesOf(t, 'AWS::IAM::Role')
      .filter(([id]) => statementsOf(id).some((s) => actionsOf(s).includes('scheduler:CreateSchedule')))
      .map(([, role]) => owner(String(role.Properties.Description)));
    expect(withGrant.sort()).toEqual(SCHEDULERS);
    const passers = resourcesOf(t, 'AWS::IAM::Role').filter(([id]) =>
      statementsOf(id).some((s) => actionsOf(s).includes('iam:PassRole') && json(s.Resource).includes(schedulerRoleId)),
    );
    expect(passers).toHaveLength(SCHEDULERS.length);

    const withSettings = resourcesOf(t, 'AWS::Lambda::Function')
      .filter(([, fn]) => 'TIMER_SCHEDULE_GROUP' in ((fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>))
      .map(([, fn]) => owner(String(fn.Properties.Description)));
    expect(withSettings.sort()).toEqual(SCHEDULERS);
  });

  it("alarms when a payment stays PROCESSING for an hour: the Maximum of the janitor sweep's oldest-age metric", () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: PAYMENT_METRICS.namespace,
      MetricName: JANITOR_METRICS.oldestUnresolved,
      Dimensions: [{ Name: 'Service', Value: JANITOR_METRICS.service }],
      Statistic: 'Maximum',
      Period: 900,
      Threshold: 3600,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: Match.anyValue(),
    });
  });

  it('alarms on the timer dead-letter queue and on the timer function’s errors and throttles', () => {
    const dlqId = resourcesOf(t, 'AWS::SQS::Queue').find(([id]) => /^TimersDeadLetters/.test(id))![0];
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 1,
      AlarmActions: Match.anyValue(),
    });
    const fnId = logicalId('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Timers:') });
    for (const metric of ['Errors', 'Throttles']) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: metric, Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }] });
    }
  });
});
