import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { OPS_TIMEOUT_SECONDS } from '../../infra/cdk/platform-stack.js';
import { routes } from '../../infra/definitions/routes.js';
import { resourcesOf, nagCheckedTemplate, type Resource } from './synth.js';

/**
 * The operations API in AWS (docs/operations.md, decisions 161): `/ops/v1/{proxy+}` on the same REST API, every
 * method IAM-authorized by API Gateway (SigV4) before the ops function runs, the merchant routes without an
 * authorizer (they verify merchant signatures); the ops function appends its audit trail to the table. cdk-nag runs in
 * the synth.
 */
let t: Template;
beforeAll(() => {
  t = nagCheckedTemplate(); // cdk-nag runs in its synth: an unacknowledged finding throws
});

const json = (value: unknown) => JSON.stringify(value);

function pathOf(ref: unknown): string {
  const resources = t.toJSON().Resources as Record<string, { Properties: { PathPart?: string; ParentId?: unknown } }>;
  const id = (ref as { Ref?: string }).Ref;
  if (!id || !resources[id]) return '';
  return `${pathOf(resources[id]!.Properties.ParentId)}/${resources[id]!.Properties.PathPart}`;
}

function opsFunction(): [string, Resource] {
  const found = resourcesOf(t, 'AWS::Lambda::Function').filter(([, f]) => f.Properties.Description === 'Operations API (IAM-authorized)');
  expect(found).toHaveLength(1);
  return found[0]!;
}

function reconciliationFunction(): [string, Resource] {
  const found = resourcesOf(t, 'AWS::Lambda::Function').filter(([, f]) => f.Properties.Description === 'Operations API: reconciliation (IAM-authorized)');
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('the operations API', () => {
  it('is IAM-authorized on every /ops/v1 method, and only there', () => {
    const methods = resourcesOf(t, 'AWS::ApiGateway::Method').filter(([, m]) => m.Properties.HttpMethod !== 'OPTIONS');
    const ops = methods.filter(([, m]) => pathOf(m.Properties.ResourceId).startsWith('/ops/'));
    expect(ops.map(([, m]) => `${m.Properties.HttpMethod} ${pathOf(m.Properties.ResourceId)}`)).toEqual(
      routes.filter((r) => r.iam).map((r) => `${r.method} ${r.path}`),
    );
    for (const [, m] of ops) expect(m.Properties.AuthorizationType).toBe('AWS_IAM');
    for (const [, m] of methods.filter(([, m]) => !pathOf(m.Properties.ResourceId).startsWith('/ops/'))) {
      expect(m.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
    }
  });

  it('sends every ops call to the ops function (reconciliation to its own), which may write its audit entries to the table', () => {
    const [fnId, fn] = opsFunction();
    const [reconciliationFnId] = reconciliationFunction();
    const ops = resourcesOf(t, 'AWS::ApiGateway::Method').filter(([, m]) => pathOf(m.Properties.ResourceId).startsWith('/ops/'));
    for (const [, m] of ops) {
      // Decisions, 197: the reconciliation routes have a function of their own, so the ops function opens no channel
      // credentials and carries no S3 client.
      const expected = pathOf(m.Properties.ResourceId).startsWith('/ops/v1/reconciliations') ? reconciliationFnId : fnId;
      expect(json(m.Properties.Integration)).toContain(expected);
    }
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const actions = resourcesOf(t, 'AWS::IAM::Policy')
      .filter(([, p]) => json(p.Properties.Roles).includes(`"${roleId}"`))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
      .flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:GetItem']));
    // It verifies no merchant signature and signs no webhook: no signing or MAC key.
    expect(actions.filter((a) => a === 'kms:Sign' || a === 'kms:GenerateMac')).toEqual([]);
    // A settlement run (POST /ops/v1/settlements) claims settle items, writes batches and posts ledger entries.
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem']));
  });

  it("may take API Gateway's whole 29 s for a settlement run; the buffered merchant API functions keep their 10 s", () => {
    const [, fn] = opsFunction();
    expect(OPS_TIMEOUT_SECONDS).toBe(29);
    expect(fn.Properties.Timeout).toBe(OPS_TIMEOUT_SECONDS);
    const merchantApi = resourcesOf(t, 'AWS::Lambda::Function').filter(([, f]) => /^Merchant API: (order|pay|refund|query|payouts)$/.test(String(f.Properties.Description)));
    expect(merchantApi).toHaveLength(5);
    for (const [, f] of merchantApi) expect(f.Properties.Timeout).toBe(10);
  });
});
