import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../infra/definitions/routes.js';
import { resourcesOf, nagCheckedTemplate, type Resource } from './synth.js';

let t: Template;
beforeAll(() => {
  t = nagCheckedTemplate(); // cdk-nag runs in its synth: an unacknowledged finding throws
});

const json = (value: unknown) => JSON.stringify(value);
const checkoutRoutes = routes.filter((r) => r.path.startsWith('/checkout/'));

function functionNamed(description: string): [string, Resource] {
  const found = resourcesOf(t, 'AWS::Lambda::Function').filter(([, f]) => f.Properties.Description === description);
  expect(found, description).toHaveLength(1);
  return found[0]!;
}

describe('hosted checkout in AWS', () => {
  it('its three routes are public (no authorizer, no API key) and integrate with the checkout function only', () => {
    expect(checkoutRoutes.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /checkout/{token}',
      'GET /checkout/{token}/status',
      'POST /checkout/{token}/otp',
    ]);
    expect(checkoutRoutes.every((r) => !r.signed)).toBe(true);
    const [checkoutId] = functionNamed('Public pages: checkout');
    const resources = resourcesOf(t, 'AWS::ApiGateway::Resource');
    const tokenResource = resources.find(([, r]) => r.Properties.PathPart === '{token}');
    expect(tokenResource).toBeDefined();
    const methods = resourcesOf(t, 'AWS::ApiGateway::Method').filter(([, m]) => json(m.Properties.Integration).includes(checkoutId));
    expect(methods).toHaveLength(3);
    for (const [, method] of methods) {
      expect(method.Properties.AuthorizationType).toBe('NONE');
      expect(method.Properties.ApiKeyRequired ?? false).toBe(false);
    }
  });

  it('each public route has its own throttle below the stage limit', () => {
    const [, stage] = resourcesOf(t, 'AWS::ApiGateway::Stage')[0]!;
    const settings = stage.Properties.MethodSettings as { ResourcePath: string; HttpMethod: string; ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }[];
    for (const route of checkoutRoutes) {
      const path = `/${route.path.replaceAll('/', '~1')}`;
      const setting = settings.find((s) => s.ResourcePath === path && s.HttpMethod === route.method);
      expect(setting, `${route.method} ${route.path}`).toMatchObject({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200, LoggingLevel: 'ERROR', MetricsEnabled: true });
    }
  });

  it('the checkout function cannot open merchant secrets (it verifies no signature)', () => {
    const [, fn] = functionNamed('Public pages: checkout');
    const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
    const [, dataKey] = resourcesOf(t, 'AWS::KMS::Key').find(([, k]) => /merchant secrets/.test(k.Properties.Description))!;
    const statements = dataKey.Properties.KeyPolicy.Statement as { Principal?: unknown; Action: unknown }[];
    const [, order] = functionNamed('Merchant API: order');
    const orderRoleId = order.Properties.Role['Fn::GetAtt'][0] as string;
    // The comparison: a signed API function is in the key policy for kms:Decrypt, the checkout function is not.
    expect(statements.some((s) => json(s.Principal).includes(orderRoleId))).toBe(true);
    expect(statements.some((s) => json(s.Principal).includes(roleId))).toBe(false);
  });

  it("functions that can leave a payment waiting for the payer know the checkout's public URL: this API's id and stage", () => {
    const apiId = resourcesOf(t, 'AWS::ApiGateway::RestApi')[0]![0];
    for (const description of ['Merchant API: pay', 'Public pages: checkout']) {
      const [, fn] = functionNamed(description);
      const url = json(fn.Properties.Environment.Variables.PUBLIC_BASE_URL);
      expect(url).toContain(`{"Ref":"${apiId}"}`);
      expect(url).toContain('/live');
    }
    const workflowFunctions = resourcesOf(t, 'AWS::Lambda::Function').filter(([, f]) => /workflow/i.test(String(f.Properties.Description)));
    expect(workflowFunctions.length).toBeGreaterThan(0);
    for (const [, fn] of workflowFunctions) expect(fn.Properties.Environment.Variables.PUBLIC_BASE_URL).toBeDefined();
  });
});
