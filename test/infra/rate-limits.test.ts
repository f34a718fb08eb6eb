import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderRateLimitRules } from '../../shared/domain/rate-limits.js';
import { nagCheckedTemplate, onlyResource, resourcesOf, type Resource } from './synth.js';

/**
 * Per-merchant rate limits in AWS (infra/cdk/rate-limits.ts; docs/decisions.md, 222-229): the stack's regional web
 * ACL carries the rules rendered from the one definition, is associated with the API's stage, a block is answered
 * 429 rate_limited with Retry-After and the request id, and the ops function (only it) may replace the rules. cdk-nag
 * runs in the synth, with no APIG3 acknowledgement left to make (WAF is always attached).
 */
let t: Template;
beforeAll(() => {
  t = nagCheckedTemplate();
});

const json = (value: unknown) => JSON.stringify(value);

function webAcl(): [string, Resource] {
  const acls = resourcesOf(t, 'AWS::WAFv2::WebACL');
  expect(acls).toHaveLength(1);
  return acls[0]!;
}

describe('merchant rate limits', () => {
  it('deploys a regional web ACL that allows by default and carries the rendered rules without overrides', () => {
    const [, acl] = webAcl();
    expect(acl.Properties.Scope).toBe('REGIONAL');
    expect(acl.Properties.DefaultAction).toEqual({ Allow: {} });
    expect(acl.Properties.Rules).toEqual(renderRateLimitRules([]));
    expect(acl.Properties.Rules).toEqual([
      expect.objectContaining({
        Name: 'MerchantRateLimit-Default',
        Action: { Block: {} },
        Statement: { RateBasedStatement: expect.objectContaining({ Limit: 6000, EvaluationWindowSec: 60, AggregateKeyType: 'CUSTOM_KEYS' }) },
      }),
    ]);
  });

  it("associates it with the API's stage", () => {
    const [aclId] = webAcl();
    const association = onlyResource(t, 'AWS::WAFv2::WebACLAssociation');
    expect(association.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    expect(json(association.Properties.ResourceArn)).toContain('/stages/');
  });

  it('answers a blocked request 429 rate_limited in the error shape, with Retry-After and the request id', () => {
    const [, response] = resourcesOf(t, 'AWS::ApiGateway::GatewayResponse').find(([, r]) => r.Properties.ResponseType === 'WAF_FILTERED')!;
    expect(response.Properties.StatusCode).toBe('429');
    expect(response.Properties.ResponseParameters).toEqual({ 'gatewayresponse.header.Retry-After': "'60'" });
    const body = JSON.parse(response.Properties.ResponseTemplates['application/json']);
    expect(body).toEqual({ error: { type: 'rate_limit', code: 'rate_limited', message: expect.any(String), requestId: '$context.requestId' } });
  });

  it('lets the ops function, and no other, read and update that web ACL; the ops function knows its ARN', () => {
    const [aclId] = webAcl();
    const statements = resourcesOf(t, 'AWS::IAM::Policy').flatMap(([, p]) =>
      (p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]).map((s) => ({ roles: json(p.Properties.Roles), ...s })),
    );
    const waf = statements.filter((s) => json(s.Action).includes('wafv2:'));
    expect(waf).toHaveLength(1);
    expect([waf[0]!.Action].flat().sort()).toEqual(['wafv2:GetWebACL', 'wafv2:UpdateWebACL']);
    expect(waf[0]!.Resource).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    const ops = resourcesOf(t, 'AWS::Lambda::Function').find(([, f]) => f.Properties.Description === 'Operations API (IAM-authorized)')![1];
    const opsRole = (ops.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect(waf[0]!.roles).toContain(`"${opsRole}"`);
    expect(ops.Properties.Environment.Variables.RATE_LIMIT_WEB_ACL_ARN).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    const others = resourcesOf(t, 'AWS::Lambda::Function').filter(([, f]) => f.Properties.Environment?.Variables?.RATE_LIMIT_WEB_ACL_ARN !== undefined);
    expect(others).toHaveLength(1);
  });
});
