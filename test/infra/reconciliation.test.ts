import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { reconciliationSettings as settings } from '../../infra/definitions/reconciliation.js';
import { RECONCILIATION_METRICS } from '../../shared/metrics.js';
import { actionsOfRole, resourcesOf, roleOf, statementsOfRole, synthPlatform, templateOf, type Resource } from './synth.js';

/**
 * Reconciliation in AWS (docs/decisions.md, entries 188-192): the reports bucket (private, TLS only, SSE-KMS under a
 * key of its own, versioned, access-logged, kept 7 years), the reconciliation function run daily per configured
 * channel by an EventBridge rule (retried, then dead-lettered and alarmed), its least-privilege grants, the
 * discrepancy and "did not run" alarms; and the ops function's reports environment and grants. cdk-nag runs in the synth.
 */
const BASE_URLS = { wechat_pay: 'https://api.mch.weixin.qq.com', netbank: 'https://bank.example/api' };

let t: Template;
let fnId: string;
let fn: Resource;
let bucketId: string;
let bucket: Resource;
beforeAll(() => {
  const { app, stacks } = synthPlatform({ regions: ['eu-west-1'], channelBaseUrls: BASE_URLS });
  app.synth({ force: true }); // cdk-nag: an unacknowledged finding throws
  t = templateOf(stacks[0]!);
  [fnId, fn] = resourcesOf(t, 'AWS::Lambda::Function').find(([, f]) => String(f.Properties.Description).startsWith('Reconciliation'))!;
  [bucketId, bucket] = resourcesOf(t, 'AWS::S3::Bucket').find(([, b]) => json(b.Properties.BucketEncryption).includes('aws:kms'))!;
});

const json = (value: unknown) => String(JSON.stringify(value));
// The operations API's reconciliation routes run in a function of their own (decisions, 197).
const opsFunction = () => resourcesOf(t, 'AWS::Lambda::Function').find(([, f]) => f.Properties.Description === 'Operations API: reconciliation (IAM-authorized)')!;
const plainOpsFunction = () => resourcesOf(t, 'AWS::Lambda::Function').find(([, f]) => f.Properties.Description === 'Operations API (IAM-authorized)')!;

describe('the reports bucket', () => {
  it('is private, TLS only, versioned, SSE-KMS under a key of its own (rotated, retained), access-logged', () => {
    const p = bucket.Properties;
    expect(p.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const sse = p.BucketEncryption.ServerSideEncryptionConfiguration[0];
    expect(sse).toMatchObject({ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } });
    const keyId = sse.ServerSideEncryptionByDefault.KMSMasterKeyID['Fn::GetAtt'][0] as string;
    const [, key] = resourcesOf(t, 'AWS::KMS::Key').find(([id]) => id === keyId)!;
    expect(key.Properties).toMatchObject({ EnableKeyRotation: true });
    expect(key.DeletionPolicy).toBe('Retain');
    expect(String(key.Properties.Description)).toMatch(/reconciliation reports/);
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(p.LoggingConfiguration.DestinationBucketName).toBeDefined();
    const policy = resourcesOf(t, 'AWS::S3::BucketPolicy').find(([, bp]) => json(bp.Properties.Bucket).includes(`"${bucketId}"`))!;
    expect(json(policy[1].Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
  });

  it('moves reports to infrequent access after 30 days and expires them after the 7-year record-keeping period', () => {
    const [rule] = bucket.Properties.LifecycleConfiguration.Rules;
    expect(rule).toMatchObject({
      Status: 'Enabled',
      ExpirationInDays: settings.retentionDays,
      Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: settings.infrequentAccessAfterDays }],
      NoncurrentVersionExpiration: { NoncurrentDays: settings.noncurrentVersionDays },
    });
    expect(settings.retentionDays).toBeGreaterThanOrEqual(7 * 365);
  });
});

describe('the daily reconciliation', () => {
  const rulesOfFunction = () => resourcesOf(t, 'AWS::Events::Rule').filter(([, r]) => json(r.Properties.Targets).includes(`"${fnId}"`));

  it('runs once a day per configured channel with a bill, naming the channel, retried, then dead-lettered into an encrypted queue', () => {
    const rules = rulesOfFunction();
    const inputs = rules.map(([, r]) => JSON.parse((r.Properties.Targets as { Input: string }[])[0]!.Input) as { channel: string });
    expect(inputs.map((i) => i.channel).sort()).toEqual(['netbank', 'wechat_pay']);
    for (const [, r] of rules) {
      expect(r.Properties).toMatchObject({ ScheduleExpression: `cron(${settings.cron.minute} ${settings.cron.hour} * * ? *)`, State: 'ENABLED' });
      const target = (r.Properties.Targets as { RetryPolicy: unknown; DeadLetterConfig: { Arn: { 'Fn::GetAtt': [string, string] } } }[])[0]!;
      expect(target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: settings.retryAttempts });
      const [, dlq] = resourcesOf(t, 'AWS::SQS::Queue').find(([id]) => id === target.DeadLetterConfig.Arn['Fn::GetAtt'][0])!;
      expect(dlq.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    }
    expect(fn.Properties).toMatchObject({ Timeout: settings.timeoutSeconds });
    const env = fn.Properties.Environment.Variables;
    expect(env.REPORTS_BUCKET).toEqual({ Ref: bucketId });
    expect(env.REPORTS_KMS_KEY_ID).toBeDefined();
    expect(JSON.parse(env.CHANNEL_BASE_URLS)).toEqual(BASE_URLS);
  });

  it('no channel configured, no schedule: a deployment without channels runs nothing', () => {
    const { stacks } = synthPlatform({ regions: ['eu-west-1'] });
    const bare = templateOf(stacks[0]!);
    const [bareFnId] = resourcesOf(bare, 'AWS::Lambda::Function').find(([, f]) => String(f.Properties.Description).startsWith('Reconciliation'))!;
    expect(resourcesOf(bare, 'AWS::Events::Rule').filter(([, r]) => json(r.Properties.Targets).includes(`"${bareFnId}"`))).toEqual([]);
  });

  it('may read the table and put one item, put reports, and open channel credentials only: no update, delete, queue or other key', () => {
    const actions = new Set(actionsOfRole(t, roleOf(fn)));
    expect([...actions]).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem', 's3:PutObject']));
    expect([...actions].filter((a) => /^dynamodb:(UpdateItem|DeleteItem|BatchWriteItem)$/.test(a))).toEqual([]);
    expect([...actions].filter((a) => /^(sqs|scheduler|states|events|sns|secretsmanager):/.test(a))).toEqual([]);
    expect([...actions].filter((a) => /^s3:(GetObject|Delete)/.test(a))).toEqual([]);
    expect([...actions].filter((a) => a === 'kms:Sign' || a === 'kms:GenerateMac')).toEqual([]);
    // The key center's data key: Decrypt for sealed channel credentials only.
    const decrypts = statementsOfRole(t, roleOf(fn)).filter((s) => [s.Action].flat().includes('kms:Decrypt') && json(s.Condition).includes('kms:EncryptionContext:purpose'));
    expect(decrypts.map((s) => json(s.Condition))).toEqual([expect.stringContaining('channel-credentials')]);
  });

  it('alarms on any discrepancy, on a channel with no run in a whole day, on its dead-letter queue and its errors', () => {
    const alarms = resourcesOf(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const discrepancies = alarms.filter((a) => a.MetricName === RECONCILIATION_METRICS.discrepancies && a.Statistic === 'Maximum');
    expect(discrepancies).toHaveLength(1);
    expect(discrepancies[0]).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Period: 86_400 });
    // One per channel: the count of runs (samples of the per-channel discrepancy metric) in each UTC day.
    const notRun = alarms.filter((a) => json(a).includes(RECONCILIATION_METRICS.discrepancies) && json(a).includes('"SampleCount"'));
    const channelOf = (a: Record<string, unknown>) => /"Name":"Channel","Value":"([a-z_]+)"/.exec(json(a))?.[1];
    expect(notRun.map(channelOf).sort()).toEqual(['netbank', 'wechat_pay']);
    for (const a of notRun) {
      expect(a).toMatchObject({ Threshold: 1, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching', EvaluationPeriods: 2, DatapointsToAlarm: 2 });
      expect(json(a)).toContain('"Period":86400');
    }
    const target = (rulesOfFunction()[0]![1].Properties.Targets as { DeadLetterConfig: { Arn: { 'Fn::GetAtt': [string, string] } } }[])[0]!;
    const dlqId = target.DeadLetterConfig.Arn['Fn::GetAtt'][0];
    expect(alarms.some((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible' && json(a.Dimensions).includes(`"${dlqId}"`))).toBe(true);
    expect(alarms.some((a) => a.MetricName === 'Errors' && json(a.Dimensions).includes(`"${fnId}"`))).toBe(true);
    const dashboard = resourcesOf(t, 'AWS::CloudWatch::Dashboard')[0]![1];
    expect(json(dashboard.Properties.DashboardBody)).toContain('Reconciliation: discrepancies');
  });
});

describe('the ops function and the reports', () => {
  it('knows the bucket and its key, may put and read reports, and opens channel credentials (bills, queries) only', () => {
    const [, ops] = opsFunction();
    const env = ops.Properties.Environment.Variables;
    expect(env.REPORTS_BUCKET).toEqual({ Ref: bucketId });
    expect(env.CHANNEL_BASE_URLS).toBeDefined();
    const actions = new Set(actionsOfRole(t, roleOf(ops)));
    expect([...actions]).toEqual(expect.arrayContaining(['s3:PutObject', 's3:GetObject*']));
    expect([...actions].filter((a) => /^s3:Delete/.test(a))).toEqual([]);
    const decrypts = statementsOfRole(t, roleOf(ops)).filter((s) => [s.Action].flat().includes('kms:Decrypt') && json(s.Condition).includes('kms:EncryptionContext:purpose'));
    expect(decrypts.map((s) => json(s.Condition))).toEqual([expect.stringContaining('channel-credentials')]);
  });

  it('leaves the rest of the operations API without the bucket, the reports or the channels', () => {
    const [, ops] = plainOpsFunction();
    const env = ops.Properties.Environment.Variables;
    expect(env.REPORTS_BUCKET).toBeUndefined();
    expect(env.CHANNEL_BASE_URLS).toBeUndefined();
    expect(actionsOfRole(t, roleOf(ops)).filter((a) => a.startsWith('s3:'))).toEqual([]);
    // Its only decrypt is the table's own key: it opens no sealed secret (no purpose-scoped grant).
    const sealedOpens = statementsOfRole(t, roleOf(ops)).filter((s) => [s.Action].flat().includes('kms:Decrypt') && json(s.Condition).includes('kms:EncryptionContext:purpose'));
    expect(sealedOpens).toEqual([]);
  });
});
