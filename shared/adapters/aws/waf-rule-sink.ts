import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { signAwsRequest } from '../../crypto/sigv4.js';
import { isRateLimitRule, RATE_LIMIT_PRIORITY_CEILING, type WafRule } from '../../domain/rate-limits.js';
import type { RateLimitRuleSink } from '../../ports/rate-limits.js';

/** One wafv2 JSON API call: the operation (`GetWebACL`) and its input, answering its output. */
export type WafCall = (operation: 'GetWebACL' | 'UpdateWebACL', input: Record<string, unknown>) => Promise<Record<string, any>>;

/** How often an update that lost its LockToken to another writer is tried again (reading and rendering afresh). */
const LOCK_ATTEMPTS = 5;

/** A web ACL's name and id from its ARN: `arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>`. */
export function webAclOf(arn: string): { name: string; id: string; region: string } {
  const match = /^arn:aws[a-z-]*:wafv2:([a-z0-9-]+):\d{12}:regional\/webacl\/([^/]+)\/([^/]+)$/.exec(arn);
  if (!match) throw new Error(`Not a regional web ACL ARN: ${arn}`);
  return { region: match[1]!, name: match[2]!, id: match[3]! };
}

/**
 * The rate limit rules enforced by AWS WAF: GetWebACL for the ACL and its LockToken, the rendering (read from the
 * table after the token, decisions 226), then UpdateWebACL with every setting of the ACL as it was, the rules this
 * definition does not own kept, ours replaced. An update refused with WAFOptimisticLockException (another writer came
 * between) starts over from GetWebACL.
 */
export class WafRuleSink implements RateLimitRuleSink {
  private readonly acl: { name: string; id: string };

  constructor(
    webAclArn: string,
    private readonly call: WafCall,
  ) {
    this.acl = webAclOf(webAclArn);
  }

  async apply(render: () => Promise<readonly WafRule[]>): Promise<readonly WafRule[]> {
    const key = { Name: this.acl.name, Id: this.acl.id, Scope: 'REGIONAL' };
    for (let attempt = 1; ; attempt += 1) {
      const { WebACL: acl, LockToken } = await this.call('GetWebACL', key);
      const ours = await render();
      const theirs = (acl.Rules as WafRule[] | undefined ?? []).filter((rule) => !isRateLimitRule(rule));
      const clash = theirs.find((rule) => rule.Priority < RATE_LIMIT_PRIORITY_CEILING);
      if (clash) throw new Error(`Web ACL rule ${clash.Name} has priority ${clash.Priority}, in the rate limits' range (below ${RATE_LIMIT_PRIORITY_CEILING})`);
      try {
        await this.call('UpdateWebACL', { ...key, ...settingsOf(acl), Rules: [...ours, ...theirs], LockToken });
        return ours;
      } catch (error) {
        if ((error as { name?: string }).name !== 'WAFOptimisticLockException' || attempt >= LOCK_ATTEMPTS) throw error;
      }
    }
  }
}

/** What UpdateWebACL replaces besides the rules: sent back as GetWebACL returned it, so nothing else changes. */
function settingsOf(acl: Record<string, unknown>): Record<string, unknown> {
  const names = ['DefaultAction', 'Description', 'VisibilityConfig', 'CustomResponseBodies', 'CaptchaConfig', 'ChallengeConfig', 'TokenDomains', 'AssociationConfig', 'DataProtectionConfig', 'OnSourceDDoSProtectionConfig', 'ApplicationConfig'];
  return Object.fromEntries(names.filter((name) => acl[name] !== undefined).map((name) => [name, acl[name]]));
}

/**
 * The wafv2 JSON 1.1 API over fetch, signed with SigV4 for `wafv2` in the ACL's region with the function's own
 * credentials (Lambda puts them in the environment). A 4xx/5xx answer throws an error named by its `__type`
 * (`WAFOptimisticLockException`), as the SDK's clients do.
 */
export function wafHttpCall(options: {
  readonly region: string;
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  readonly endpoint?: string;
}): WafCall {
  const url = new URL(options.endpoint ?? `https://wafv2.${options.region}.amazonaws.com/`);
  const credentials = options.credentials ?? fromEnv();
  return async (operation, input) => {
    const body = JSON.stringify(input);
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSWAF_20190729.${operation}` };
    const signed = await signAwsRequest({ url, method: 'POST', headers, body }, { service: 'wafv2', region: options.region, credentials });
    const response = await fetch(signed.url, { method: 'POST', headers: signed.headers, body, signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    const parsed = (text ? JSON.parse(text) : {}) as Record<string, any>;
    if (!response.ok) {
      const error = new Error(`wafv2 ${operation} failed (${response.status}): ${parsed.message ?? parsed.Message ?? text}`);
      error.name = String(parsed.__type ?? 'WAFServiceError').split('#').pop()!;
      throw error;
    }
    return parsed;
  };
}
