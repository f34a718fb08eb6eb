import { randomBytes } from 'node:crypto';
import { GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { ensureTable, localDynamoDbClient } from '../../infra/local/dynamodb-local.js';

/**
 * The ops function as AWS composes it (functions/ops.ts: the KMS key center and EventBridge Scheduler timers), on
 * DynamoDB Local with KMS and Scheduler answered by aws-sdk-client-mock: creating a merchant through the operations API
 * seals its secret with a KMS data key and arms its janitor sweep (decisions 84, 235), and the audit entry names the
 * IAM caller.
 */
const ROLE_ARN = 'arn:aws:sts::123456789012:assumed-role/PaymentsOperator/alice@example.com';
const kms = mockClient(KMSClient);
const scheduler = mockClient(SchedulerClient);
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<{ statusCode: number; body: string }>;

beforeAll(async () => {
  const tableName = `opsaws-${randomBytes(6).toString('hex')}`;
  const admin = localDynamoDbClient(inject('dynamoEndpoint'));
  await ensureTable(admin, tableName);
  admin.destroy();
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
    AWS_REGION: 'eu-west-1',
    KMS_DATA_KEY_ID: 'arn:aws:kms:eu-west-1:123456789012:key/data',
    KMS_FINGERPRINT_KEY_ID: 'arn:aws:kms:eu-west-1:123456789012:key/mac',
    TIMER_SCHEDULE_GROUP: 'timers',
    TIMER_SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/scheduler',
    TIMER_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:123456789012:timers',
    TIMER_DLQ_ARN: 'arn:aws:sqs:eu-west-1:123456789012:timers-dlq',
  });
  delete process.env.LOCAL_MODE;
  kms.on(GenerateDataKeyCommand).resolves({ Plaintext: randomBytes(32), CiphertextBlob: randomBytes(64), KeyId: 'data' });
  scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:eu-west-1:123456789012:schedule/timers/x' });
  ({ handler } = (await import('../../functions/ops.js')) as unknown as { handler: typeof handler });
});
afterAll(() => {
  kms.restore();
  scheduler.restore();
});

function iamEvent(method: string, path: string, body?: unknown): APIGatewayProxyEvent {
  return {
    resource: '/ops/v1/{proxy+}',
    path,
    httpMethod: method,
    headers: { 'Content-Type': 'application/json' },
    queryStringParameters: null,
    body: body === undefined ? null : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { requestId: `req-${randomBytes(4).toString('hex')}`, identity: { userArn: ROLE_ARN, accountId: '123456789012' } },
  } as unknown as APIGatewayProxyEvent;
}

describe('the ops function composed for AWS', () => {
  it('creates a merchant: its secret sealed under the KMS data key, its janitor sweep scheduled, the IAM caller audited', async () => {
    const res = await handler(iamEvent('POST', '/ops/v1/merchants', { name: 'Made in AWS' }), { awsRequestId: 'aws-1' } as Context);
    expect(res.statusCode).toBe(201);
    const created = JSON.parse(res.body);
    expect(created).toMatchObject({ object: 'merchant', name: 'Made in AWS', status: 'active' });

    const dataKeys = kms.commandCalls(GenerateDataKeyCommand);
    expect(dataKeys).toHaveLength(1);
    expect(dataKeys[0]!.args[0].input).toMatchObject({ KeyId: 'arn:aws:kms:eu-west-1:123456789012:key/data', EncryptionContext: { merchantId: created.merchantId } });
    const schedules = scheduler.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input);
    expect(schedules).toHaveLength(1);
    expect(schedules[0]).toMatchObject({ GroupName: 'timers', Name: expect.stringContaining(`janitor.sweep_${created.merchantId}`) });

    const audit = JSON.parse((await handler(iamEvent('GET', '/ops/v1/audit'), { awsRequestId: 'aws-2' } as Context)).body);
    expect(audit.data.find((e: { path: string }) => e.path === '/ops/v1/merchants')).toMatchObject({ principal: ROLE_ARN, method: 'POST', status: 201 });
  });
});
