import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { settlementSettings } from '../../infra/definitions/settlement.js';
import { actionsOfRole, resourcesOf, roleOf, nagCheckedTemplate, type Resource } from './synth.js';

/**
 * The daily settlement run in AWS (docs/decisions.md, entries 151–153): an EventBridge rule invokes the `settlement`
 * function once a day, retried and then dead-lettered into an encrypted queue that is alarmed on; the function may
 * write the table and nothing else. cdk-nag runs in the synth.
 */
let t: Template;
let fnId: string;
let fn: Resource;
beforeAll(() => {
  t = nagCheckedTemplate(); // cdk-nag runs in its synth: an unacknowledged finding throws
  [fnId, fn] = resourcesOf(t, 'AWS::Lambda::Function').find(([, f]) => String(f.Properties.Description).startsWith('Settlement'))!;
});

const json = (value: unknown) => JSON.stringify(value);

describe('the scheduled settlement', () => {
  it('runs daily at 00:30 UTC from an EventBridge rule, retried, then dead-lettered into an encrypted, TLS-only queue', () => {
    const rules = resourcesOf(t, 'AWS::Events::Rule').filter(([, r]) => json(r.Properties.Targets).includes(`"${fnId}"`));
    expect(rules).toHaveLength(1);
    const rule = rules[0]![1].Properties;
    expect(rule).toMatchObject({ ScheduleExpression: `cron(${settlementSettings.cron.minute} ${settlementSettings.cron.hour} * * ? *)`, State: 'ENABLED' });
    const target = (rule.Targets as { RetryPolicy: unknown; DeadLetterConfig: { Arn: { 'Fn::GetAtt': [string, string] } } }[])[0]!;
    expect(target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: settlementSettings.retryAttempts });
    const dlqId = target.DeadLetterConfig.Arn['Fn::GetAtt'][0];
    const [, dlq] = resourcesOf(t, 'AWS::SQS::Queue').find(([id]) => id === dlqId)!;
    expect(dlq.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    const tlsOnly = resourcesOf(t, 'AWS::SQS::QueuePolicy').filter(([, p]) => json(p.Properties.Queues).includes(`"${dlqId}"`));
    expect(json(tlsOnly.map(([, p]) => p.Properties.PolicyDocument))).toContain('"aws:SecureTransport":"false"');
    expect(fn.Properties).toMatchObject({ Timeout: settlementSettings.timeoutSeconds });
  });

  it('alarms on a message in its dead-letter queue and on the function\'s errors', () => {
    const target = (resourcesOf(t, 'AWS::Events::Rule').find(([, r]) => json(r.Properties.Targets).includes(`"${fnId}"`))![1].Properties.Targets as { DeadLetterConfig: { Arn: { 'Fn::GetAtt': [string, string] } } }[])[0]!;
    const dlqId = target.DeadLetterConfig.Arn['Fn::GetAtt'][0];
    const alarms = resourcesOf(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    expect(alarms.some((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible' && json(a.Dimensions).includes(`"${dlqId}"`) && a.Threshold === 1)).toBe(true);
    expect(alarms.some((a) => a.MetricName === 'Errors' && json(a.Dimensions).includes(`"${fnId}"`))).toBe(true);
  });

  it('may read and write the table and write its logs: no queue, schedule, state machine or key beyond the table\'s', () => {
    const actions = new Set(actionsOfRole(t, roleOf(fn)));
    expect([...actions]).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem']));
    expect([...actions].filter((a) => /^(sqs|scheduler|states|events|sns|secretsmanager):/.test(a))).toEqual([]);
    expect([...actions].filter((a) => a.startsWith('kms:') && !['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'].includes(a))).toEqual([]);
  });
});
