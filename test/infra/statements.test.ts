import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOfRole, nagCheckedTemplate, resourcesOf, roleOf, type Resource } from './synth.js';

/**
 * GET /v1/statements/{date} in AWS (docs/decisions.md, entry 180): API Gateway streams the function's response
 * (STREAM transfer mode, the response-streaming invocation), the function may run for minutes, and it may read and
 * write the table (its nonce) and open merchant secrets, nothing else. cdk-nag runs in the synth.
 */
let t: Template;
let fnId: string;
let fn: Resource;
beforeAll(() => {
  t = nagCheckedTemplate(); // cdk-nag runs in its synth: an unacknowledged finding throws
  [fnId, fn] = resourcesOf(t, 'AWS::Lambda::Function').find(([, f]) => f.Properties.Description === 'Merchant API: statements')!;
});

const json = (value: unknown) => JSON.stringify(value);

describe('the statements route', () => {
  it('is a GET on /v1/statements/{date} whose integration streams the response of the statements function', () => {
    const [dateId] = resourcesOf(t, 'AWS::ApiGateway::Resource').find(([, r]) => r.Properties.PathPart === '{date}')!;
    const methods = resourcesOf(t, 'AWS::ApiGateway::Method').filter(([, m]) => json(m.Properties.ResourceId).includes(`"${dateId}"`));
    expect(methods.map(([, m]) => m.Properties.HttpMethod)).toEqual(['GET']);
    const integration = methods[0]![1].Properties.Integration;
    expect(integration).toMatchObject({ Type: 'AWS_PROXY', ResponseTransferMode: 'STREAM' });
    expect(json(integration.Uri)).toContain('/response-streaming-invocations');
    expect(json(integration.Uri)).toContain(`"${fnId}"`);
  });

  it('no other route streams: their answers stay buffered', () => {
    const streamed = resourcesOf(t, 'AWS::ApiGateway::Method').filter(([, m]) => m.Properties.Integration?.ResponseTransferMode === 'STREAM');
    expect(streamed).toHaveLength(1);
  });

  it('runs long enough for a large day, with exactly the grants of the read-only query function', () => {
    expect(fn.Properties.Timeout).toBe(300);
    const [, query] = resourcesOf(t, 'AWS::Lambda::Function').find(([, f]) => f.Properties.Description === 'Merchant API: query')!;
    const actions = (of: Resource) => [...new Set(actionsOfRole(t, roleOf(of)))].sort();
    expect(actions(fn)).toEqual(actions(query));
    expect(actions(fn).some((a) => /^(states|sqs|events|scheduler|s3):/.test(a))).toBe(false);
  });
});
