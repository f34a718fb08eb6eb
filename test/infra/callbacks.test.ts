import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../infra/definitions/routes.js';
import { resourcesOf, nagCheckedTemplate, type Resource } from './synth.js';

let t: Template;
beforeAll(() => {
  t = nagCheckedTemplate(); // cdk-nag runs in its synth: an unacknowledged finding throws
});

const json = (value: unknown) => JSON.stringify(value);

function callbackFunction(): [string, Resource] {
  const found = resourcesOf(t, 'AWS::Lambda::Function').filter(([, f]) => f.Properties.Description === 'Public pages: callbacks');
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('channel callbacks in AWS', () => {
  it('POST /callbacks/{channel} is public (channel-signed, not merchant-signed) and served by the callbacks function alone', () => {
    const route = routes.find((r) => r.path === '/callbacks/{channel}');
    expect(route).toMatchObject({ method: 'POST', handler: 'callbacks', signed: false });
    const [fnId] = callbackFunction();
    // The same function serves the payout desk's notices (POST /callbacks/payouts/{channel}), public the same way.
    expect(routes.find((r) => r.path === '/callbacks/payouts/{channel}')).toMatchObject({ method: 'POST', handler: 'callbacks', signed: false });
    const methods = resourcesOf(t, 'AWS::ApiGateway::Method').filter(([, m]) => json(m.Properties.Integration).includes(fnId));
    expect(methods).toHaveLength(2);
    for (const [, method] of methods) expect(method.Properties).toMatchObject({ HttpMethod: 'POST', AuthorizationType: 'NONE' });
  });

  it('is throttled on its own, below the stage limit', () => {
    const [, stage] = resourcesOf(t, 'AWS::ApiGateway::Stage')[0]!;
    const settings = stage.Properties.MethodSettings as { ResourcePath: string; HttpMethod: string }[];
    expect(settings.find((s) => s.ResourcePath === '/~1callbacks~1{channel}' && s.HttpMethod === 'POST')).toMatchObject({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 });
  });

  it('may use the key center data key only to decrypt data keys sealed for channel credentials', () => {
    const [, fn] = callbackFunction();
    const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
    const dataKeyId = resourcesOf(t, 'AWS::KMS::Key').find(([, k]) => /merchant secrets/.test(String(k.Properties.Description)))![0];
    const onDataKey = resourcesOf(t, 'AWS::IAM::Policy')
      .filter(([, p]) => json(p.Properties.Roles).includes(roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown; Condition?: unknown }[])
      .filter((s) => json(s.Resource).includes(`"${dataKeyId}"`));
    const onlyChannelCredentials = { StringEquals: { 'kms:EncryptionContext:purpose': 'channel-credentials' } };
    expect(onDataKey).toEqual([expect.objectContaining({ Action: 'kms:Decrypt', Condition: onlyChannelCredentials })]);
  });

  it('raises an alarm on refused callbacks', () => {
    const alarm = resourcesOf(t, 'AWS::CloudWatch::Alarm').find(([, a]) => a.Properties.MetricName === 'CallbacksRejected');
    expect(alarm).toBeDefined();
    expect(alarm![1].Properties).toMatchObject({ Dimensions: [{ Name: 'Service', Value: 'callbacks' }], Threshold: 5 });
  });
});
