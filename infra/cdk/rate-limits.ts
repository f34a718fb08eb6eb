import * as iam from 'aws-cdk-lib/aws-iam';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { renderRateLimitRules } from '../../shared/domain/rate-limits.js';

/**
 * Per-merchant rate limits in AWS (contract, "Rate limits"; docs/decisions.md, 222-229): a regional web ACL, owned by
 * the stack and associated with the API's stage by PaymentApi, whose rules are rendered from the one definition in
 * shared/domain/rate-limits.ts. The template deploys them without overrides (every merchant at 6,000 per minute); an
 * operator's override is applied by the ops function, which replaces the ACL's rate limit rules (grantSync). A deploy
 * that changes this resource puts the template's rules back: run `npm run ops -- rate-limits sync` after it (runbook,
 * docs/operations.md).
 */
export class MerchantRateLimits extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      description: 'Merchant API per-merchant rate limits, rules rendered by shared/domain/rate-limits.ts',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: 'MerchantApiWebAcl' },
      rules: [],
    });
    // The rendered rules are WAF's JSON already (PascalCase): set as the template's property, not through the L1's
    // camelCase mapping, so CloudFormation and UpdateWebACL receive the same document.
    this.webAcl.addPropertyOverride('Rules', renderRateLimitRules([]));
  }

  /** The ops function reads the ACL and replaces its rate limit rules (PUT /ops/v1/merchants/{id}/rate-limit). */
  grantSync(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['wafv2:GetWebACL', 'wafv2:UpdateWebACL'], resources: [this.webAcl.attrArn] }),
    );
  }
}
