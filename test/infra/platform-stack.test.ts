import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PAY_WORKFLOW_TASKS, payWorkflowDefinition, substituteArns } from '../../infra/definitions/pay-workflow.js';
import { notificationSettings } from '../../infra/definitions/notifications.js';
import { apiFunctionEntries, routes } from '../../infra/definitions/routes.js';
import { tableDefinition } from '../../infra/definitions/table.js';
import { buildPlatform, stackName } from '../../infra/cdk/platform-app.js';
import { PaymentPlatformStack } from '../../infra/cdk/platform-stack.js';
import { localDefinition } from '../../infra/local/local-pay-workflow.js';
import { cdkJsonContext, onlyResource, resourcesOf, synthPlatform, templateOf } from './synth.js';

let stacks: PaymentPlatformStack[];
let app: App;
let t: Template;

beforeAll(() => {
  ({ app, stacks } = synthPlatform());
  t = templateOf(stacks[0]!);
});

/** Logical id of the one resource of a type whose properties match. */
function logicalId(type: string, props: Record<string, unknown> = {}): string {
  const ids = Object.keys(t.findResources(type, { Properties: Match.objectLike(props) }));
  expect(ids, `${type} matching ${JSON.stringify(props)}`).toHaveLength(1);
  return ids[0]!;
}

describe('regions', () => {
  it('synthesizes one stack per region of cdk.json, each pinned to its region with a region-unique name', () => {
    const regions = cdkJsonContext().regions as string[];
    expect(regions.length).toBeGreaterThanOrEqual(2);
    expect(stacks.map((s) => s.stackName)).toEqual(regions.map(stackName));
    expect(stacks.map((s) => s.region)).toEqual(regions);
    expect(new Set(stacks.map((s) => s.stackName)).size).toBe(regions.length);
    for (const stack of stacks) expect(stack.terminationProtection).toBe(true);
  });

  it('follows the regions given on the command line (-c regions=...)', () => {
    const { stacks: three } = synthPlatform({ regions: ['us-east-1', 'eu-central-1', 'ap-northeast-1'], account: '123456789012' });
    expect(three.map((s) => `${s.account}/${s.region}`)).toEqual([
      '123456789012/us-east-1',
      '123456789012/eu-central-1',
      '123456789012/ap-northeast-1',
    ]);
  });

  it('refuses a malformed region list or account instead of deploying somewhere odd', () => {
    const build = (context: Record<string, unknown>) => () => buildPlatform(new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } }));
    expect(build({ regions: [] })).toThrow(/regions/);
    expect(build({ regions: ['eu-west-1', 'eu-west-1'] })).toThrow(/twice/);
    expect(build({ regions: ['europe'] })).toThrow(/regions/);
    expect(build({ regions: ['eu-west-1'], account: '12' })).toThrow(/account/);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding, and every acknowledgement carries a specific reason', () => {
    // Validation plugins run at synth and throw with the report when a rule fails.
    expect(() => app.synth({ force: true })).not.toThrow();
    const acknowledgements = app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((m) => Object.entries(m.data as Record<string, unknown>));
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const [, value] of acknowledgements) {
      const reason = typeof value === 'string' ? value : JSON.stringify(value);
      expect(reason.length).toBeGreaterThan(40);
    }
  });
});

describe('cdk-nag is live', () => {
  it('fails the synth on a new, unacknowledged finding', () => {
    const { app: probe, stacks: [stack] } = synthPlatform({ regions: ['eu-west-1'] });
    new sqs.Queue(stack!, 'Unencrypted', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(() => probe.synth()).toThrow(/AwsSolutions-SQS/);
  });
});

describe('table', () => {
  it('is the shared definition: keys, GSIs, stream and TTL', () => {
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: tableDefinition.globalSecondaryIndexes.map((gsi) =>
        Match.objectLike({
          IndexName: gsi.indexName,
          KeySchema: [
            { AttributeName: gsi.partitionKey, KeyType: 'HASH' },
            { AttributeName: gsi.sortKey, KeyType: 'RANGE' },
          ],
        }),
      ),
      StreamSpecification: { StreamViewType: tableDefinition.streamViewType },
      TimeToLiveSpecification: { AttributeName: tableDefinition.ttlAttribute, Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('is encrypted with a retained, rotating key of its own (not the key center data key), has PITR and deletion protection, and is retained', () => {
    const dataKey = logicalId('AWS::KMS::Key', { Description: Match.stringLikeRegexp('merchant secrets') });
    const tableKey = logicalId('AWS::KMS::Key', { Description: Match.stringLikeRegexp('table encryption'), EnableKeyRotation: true });
    expect(tableKey).not.toBe(dataKey);
    const table = onlyResource(t, 'AWS::DynamoDB::GlobalTable');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
    const replica = table.Properties.Replicas[0];
    expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(replica.DeletionProtectionEnabled).toBe(true);
    expect(replica.SSESpecification).toEqual({ KMSMasterKeyId: { 'Fn::GetAtt': [tableKey, 'Arn'] } });
  });

  it('has no replica in another region unless asked, and then needs a key per replica region', () => {
    const table = onlyResource(t, 'AWS::DynamoDB::GlobalTable');
    expect(table.Properties.Replicas).toHaveLength(1);

    const replicated = (replicaKeyArns?: Record<string, string>) =>
      new PaymentPlatformStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Replicated', {
        env: { region: 'eu-west-1', account: '123456789012' },
        replicaRegions: ['eu-central-1'],
        replicaKeyArns,
      });
    expect(() => replicated()).toThrow(/replicaKeyArns.*eu-central-1/);
    const keyArn = 'arn:aws:kms:eu-central-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    const replicas = Template.fromStack(replicated({ 'eu-central-1': keyArn })).toJSON().Resources;
    const global = Object.values(replicas as Record<string, { Type: string; Properties: Record<string, any> }>).find((r) => r.Type === 'AWS::DynamoDB::GlobalTable')!;
    expect(global.Properties.Replicas.map((r: { Region: string }) => r.Region).sort()).toEqual(['eu-central-1', 'eu-west-1']);
    const remote = global.Properties.Replicas.find((r: { Region: string }) => r.Region === 'eu-central-1');
    expect(remote.SSESpecification).toEqual({ KMSMasterKeyId: keyArn });
    expect(remote.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });
});

describe('key center', () => {
  it('has a rotating symmetric data key, an HMAC fingerprint key and an ECC P-256 signing key, all retained', () => {
    t.hasResourceProperties('AWS::KMS::Key', { Description: Match.stringLikeRegexp('merchant secrets'), EnableKeyRotation: true });
    t.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    t.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    for (const [, key] of resourcesOf(t, 'AWS::KMS::Key')) expect(key.DeletionPolicy).toBe('Retain');
  });

  it("names in the signing key's policy only the notifier, for Sign", () => {
    const signingKey = logicalId('AWS::KMS::Key', { KeySpec: 'ECC_NIST_P256' });
    const statements = (t.toJSON().Resources[signingKey].Properties.KeyPolicy.Statement as Record<string, any>[]).filter(
      (s) => JSON.stringify(s.Action).includes('kms:Sign'),
    );
    expect(statements).toHaveLength(1);
    expect(JSON.stringify(statements[0]!.Principal)).toMatch(/NotificationsNotifierRole/);
  });
});

describe('least privilege', () => {
  // Timers: schedules in the timer group, and passing the one scheduler role to Scheduler (test/infra/timers.test.ts).
  const DATA_SERVICES = /^(dynamodb|kms|sqs|sns|events|states|lambda|logs|scheduler|s3|wafv2):|^iam:PassRole$/;

  it('grants no wildcard action on data resources, and `*` resources only where AWS allows nothing narrower', () => {
    const policies = resourcesOf(t, 'AWS::IAM::Policy');
    expect(policies.length).toBeGreaterThan(10);
    for (const [id, policy] of policies) {
      for (const statement of (policy.Properties!.PolicyDocument as { Statement: Record<string, any>[] }).Statement) {
        const actions: string[] = [statement.Action].flat();
        for (const action of actions) {
          expect(action, `${id}: ${action}`).not.toBe('*');
          expect(action, `${id}: ${action}`).not.toMatch(/:\*$/);
        }
        if ([statement.Resource].flat().includes('*')) {
          for (const action of actions) expect(action, `${id} has * resource for ${action}`).toMatch(/^(xray:|logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups))/);
        } else {
          expect(actions.some((a) => DATA_SERVICES.test(a)) || actions.some((a) => a.startsWith('xray:'))).toBe(true);
        }
      }
    }
  });

  it('lets only the pay API function start the pay workflow', () => {
    const starters = resourcesOf(t, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties).includes('states:StartSyncExecution'));
    expect(starters.map(([id]) => id)).toEqual([expect.stringMatching(/^Apipay/)]);
  });

  it('gives the read-only workflow step no write action on the table', () => {
    const risk = resourcesOf(t, 'AWS::IAM::Policy').find(([id]) => id.startsWith('PayWorkflowAssessRisk'))!;
    const text = JSON.stringify(risk[1].Properties);
    expect(text).toContain('dynamodb:Query');
    expect(text).not.toMatch(/dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)/);
  });
});

describe('functions', () => {
  it('run on the newest Node.js runtime, on ARM64, traced, with JSON logs to a retained log group of their own', () => {
    const functions = resourcesOf(t, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(Object.keys(apiFunctionEntries).length + Object.keys(PAY_WORKFLOW_TASKS).length + 6); // + relay, notifier, timers, ledger check, settlement, reconciliation
    for (const [id, fn] of functions) {
      expect(fn.Properties, id).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
        Handler: 'index.handler',
      });
      const env = (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env.TABLE_NAME, id).toBeDefined();
      expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
    }
    for (const [, group] of resourcesOf(t, 'AWS::Logs::LogGroup')) {
      expect(group.Properties!.RetentionInDays).toBeGreaterThanOrEqual(30);
      expect(group.DeletionPolicy).toBe('Retain');
    }
  });

  it('caps the notifier, whose runaway would hammer merchants', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('webhooks'),
      ReservedConcurrentExecutions: notificationSettings.notifierMaxConcurrency,
    });
  });
});

describe('API', () => {
  it('is a regional REST API whose methods are exactly the contract routes, proxied to the right function', () => {
    t.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    const methods = resourcesOf(t, 'AWS::ApiGateway::Method').filter(([, m]) => m.Properties!.HttpMethod !== 'OPTIONS');
    expect(methods).toHaveLength(routes.length);
    const resources = t.toJSON().Resources as Record<string, { Properties: { PathPart?: string; ParentId?: unknown } }>;
    const pathOf = (ref: unknown): string => {
      const id = (ref as { Ref?: string }).Ref;
      if (!id || !resources[id]) return '';
      return `${pathOf(resources[id]!.Properties.ParentId)}/${resources[id]!.Properties.PathPart}`;
    };
    const exposed = methods.map(([, m]) => `${m.Properties!.HttpMethod} ${pathOf(m.Properties!.ResourceId)}`).sort();
    expect(exposed).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    for (const [, m] of methods) {
      expect(m.Properties!.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
      const route = routes.find((r) => `${r.method} ${r.path}` === `${m.Properties!.HttpMethod} ${pathOf(m.Properties!.ResourceId)}`)!;
      expect(JSON.stringify(m.Properties!.Integration)).toContain(`Api${route.handler}`);
    }
  });

  it('throttles the stage, traces, and writes JSON access logs', () => {
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'live',
      TracingEnabled: true,
      AccessLogSetting: { Format: Match.stringLikeRegexp('^\\{"requestId":') },
      // The stage-wide setting; the public checkout routes add their own (test/infra/checkout.test.ts).
      MethodSettings: Match.arrayWith([
        Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000, LoggingLevel: 'ERROR' }),
      ]),
    });
  });

  it("answers unknown routes and throttling in the contract's error shape", () => {
    t.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
      StatusCode: '404',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('route_not_found') },
    });
    t.hasResourceProperties('AWS::ApiGateway::GatewayResponse', { ResponseType: 'THROTTLED', StatusCode: '429' });
  });
});

describe('pay workflow', () => {
  it('is an Express state machine, logging ALL and traced', () => {
    t.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'EXPRESS',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
  });

  it('renders the very definition the local runtime runs, state for state', () => {
    const machine = onlyResource(t, 'AWS::StepFunctions::StateMachine');
    const rendered = JSON.parse(machine.Properties.DefinitionString as string) as Record<string, unknown>;
    expect(rendered).toEqual(payWorkflowDefinition());

    // Every placeholder is substituted by the function deployed for that state.
    const substitutions = machine.Properties.DefinitionSubstitutions as Record<string, { 'Fn::GetAtt': [string, string] }>;
    expect(Object.keys(substitutions).sort()).toEqual(Object.values(PAY_WORKFLOW_TASKS).map((x) => x.placeholder).sort());
    const functions = t.toJSON().Resources as Record<string, { Properties: { Description?: string } }>;
    for (const [state, { placeholder }] of Object.entries(PAY_WORKFLOW_TASKS)) {
      const [fnId] = substitutions[placeholder]!['Fn::GetAtt'];
      expect(functions[fnId]!.Properties.Description).toBe(`Pay workflow step ${state}`);
    }

    // With the same ARNs in place, AWS's definition and the local one are identical, state for state.
    const local = localDefinition() as { States: Record<string, unknown> };
    const localArns = Object.fromEntries(
      Object.values(PAY_WORKFLOW_TASKS).map((x) => [x.placeholder, `arn:aws:lambda:local:000000000000:function:${x.placeholder}`]),
    );
    const aws = substituteArns(rendered, localArns) as { States: Record<string, unknown> };
    expect(Object.keys(aws.States)).toEqual(Object.keys(local.States));
    for (const name of Object.keys(local.States)) expect(aws.States[name], name).toEqual(local.States[name]);
  });
});

describe('notifications', () => {
  it('feeds the notification queue from the event bus, with a DLQ after maxReceiveCount receives', () => {
    const [dlq] = Object.keys(t.findResources('AWS::SQS::Queue')).filter((id) => id.startsWith('NotificationsDeadLetters'));
    expect(t.toJSON().Resources[dlq!].Properties.MessageRetentionPeriod).toBe(notificationSettings.dlqRetentionSeconds);
    t.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: notificationSettings.visibilityTimeoutSeconds,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: notificationSettings.maxReceiveCount },
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: [notificationSettings.eventSource], detail: { notify: [true] } },
      Targets: [Match.objectLike({ DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } } })],
    });
  });

  it('has the notifier report partial batch failures, and the relay read only Event inserts from the stream', () => {
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: notificationSettings.notifierBatchSize,
      ScalingConfig: { MaximumConcurrency: notificationSettings.notifierMaxConcurrency },
    });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      FilterCriteria: { Filters: [{ Pattern: Match.stringLikeRegexp('"entity":\\{"S":\\["Event"\\]\\}') }] },
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('encrypts every queue and refuses plain HTTP', () => {
    for (const [, queue] of resourcesOf(t, 'AWS::SQS::Queue')) expect(queue.Properties!.SqsManagedSseEnabled).toBe(true);
    expect(resourcesOf(t, 'AWS::SQS::QueuePolicy').length).toBe(resourcesOf(t, 'AWS::SQS::Queue').length);
  });
});

describe('observability', () => {
  const alarms = () => resourcesOf(t, 'AWS::CloudWatch::Alarm');
  const alarmNamed = (prefix: string) => {
    const found = alarms().filter(([id]) => id.startsWith(`Observability${prefix}`));
    expect(found, prefix).toHaveLength(1);
    return found[0]![1].Properties as Record<string, any>;
  };

  it('sends every alarm, and its recovery, to the encrypted alarm topic', () => {
    const topic = logicalId('AWS::SNS::Topic');
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    expect(alarms().length).toBeGreaterThan(20);
    for (const [id, alarm] of alarms()) {
      expect(alarm.Properties!.AlarmActions, id).toEqual([{ Ref: topic }]);
      expect(alarm.Properties!.OKActions, id).toEqual([{ Ref: topic }]);
    }
  });

  it('alarms on the intended metrics with the intended thresholds', () => {
    const api5xx = alarmNamed('Api5xxRate');
    expect(api5xx.Threshold).toBe(1);
    expect(JSON.stringify(api5xx.Metrics)).toMatch(/5XXError/);
    expect(JSON.stringify(api5xx.Metrics)).toMatch(/100 \* errors \/ requests/);

    const latency = alarmNamed('ApiP99Latency');
    expect(latency).toMatchObject({ MetricName: 'Latency', ExtendedStatistic: 'p99', Threshold: 2000, EvaluationPeriods: 3 });

    const dlq = alarmNamed('NotificationDlqDepth');
    expect(dlq).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });

    expect(alarmNamed('NotificationAge')).toMatchObject({ MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 1800 });
    expect(alarmNamed('PayWorkflowFailures')).toMatchObject({ MetricName: 'ExecutionsFailed', Namespace: 'AWS/States', Threshold: 1 });
    expect(JSON.stringify(alarmNamed('DynamoDbThrottles').Metrics)).toMatch(/WriteThrottleEvents/);

    // Every function: errors and throttles.
    const fnCount = resourcesOf(t, 'AWS::Lambda::Function').length;
    expect(alarms().filter(([, a]) => a.Properties!.MetricName === 'Errors' && a.Properties!.Namespace === 'AWS/Lambda')).toHaveLength(fnCount);
    expect(alarms().filter(([, a]) => a.Properties!.MetricName === 'Throttles')).toHaveLength(fnCount);
  });

  it('has one dashboard per region, with payments from the embedded metric format', () => {
    const dashboard = onlyResource(t, 'AWS::CloudWatch::Dashboard');
    expect(dashboard.Properties.DashboardName).toBe(`payment-platform-${stacks[0]!.region}`);
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const needle of ['PaymentsSucceeded', 'PaymentsFailed', '5XXError', 'p99', 'Throttles', 'ExecutionsFailed', 'ApproximateAgeOfOldestMessage', 'ApproximateNumberOfMessagesVisible', 'ConsumedWriteCapacityUnits', 'WriteThrottleEvents']) {
      expect(body, needle).toContain(needle);
    }
  });
});
