import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WafRuleSink, wafHttpCall, webAclOf, type WafCall } from '../../shared/adapters/aws/waf-rule-sink.js';
import { renderRateLimitRules, type WafRule } from '../../shared/domain/rate-limits.js';

/**
 * The rate limits' WAF sink (shared/adapters/aws/waf-rule-sink.ts): GetWebACL, render, UpdateWebACL with the lock
 * token, the ACL's other settings and rules kept; a lost lock starts over and renders again. Against a fake of the
 * two wafv2 operations that keeps an ACL and a lock token as WAF does; the signed HTTP transport against a local server.
 */

const ARN = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/pay-merchant-api/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
const foreignRule = { Name: 'AWS-ManagedRulesCommonRuleSet', Priority: 200, Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } } } as unknown as WafRule;

/** A web ACL as WAF keeps it: every update must carry the token of the version it was computed from. */
function fakeWaf(initialRules: unknown[]) {
  const state = { rules: initialRules, token: 'token-1', version: 1, updates: [] as Record<string, unknown>[], interfere: undefined as (() => void) | undefined };
  const call: WafCall = async (operation, input) => {
    expect(input).toMatchObject({ Name: 'pay-merchant-api', Id: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111', Scope: 'REGIONAL' });
    if (operation === 'GetWebACL') {
      const answer = {
        WebACL: { Name: 'pay-merchant-api', DefaultAction: { Allow: {} }, VisibilityConfig: { MetricName: 'acl' }, CustomResponseBodies: { x: { Content: 'y' } }, Rules: state.rules, Capacity: 60 },
        LockToken: state.token,
      };
      state.interfere?.();
      state.interfere = undefined;
      return answer;
    }
    if (input.LockToken !== state.token) throw Object.assign(new Error('stale'), { name: 'WAFOptimisticLockException' });
    state.updates.push(input);
    state.rules = input.Rules as unknown[];
    state.version += 1;
    state.token = `token-${state.version}`;
    return { NextLockToken: state.token };
  };
  return { state, call };
}

describe('WafRuleSink', () => {
  it('replaces the rate limit rules with the rendering, keeping the other rules and every setting of the ACL', async () => {
    const waf = fakeWaf([...renderRateLimitRules([]), foreignRule]);
    const sink = new WafRuleSink(ARN, waf.call);
    const rendered = renderRateLimitRules([{ merchantId: 'm_a', rateLimitPerMinute: 10 }]);
    await expect(sink.apply(async () => rendered)).resolves.toEqual(rendered);
    expect(waf.state.updates).toHaveLength(1);
    const update = waf.state.updates[0]!;
    expect(update).toEqual({
      Name: 'pay-merchant-api',
      Id: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      VisibilityConfig: { MetricName: 'acl' },
      CustomResponseBodies: { x: { Content: 'y' } },
      Rules: [...rendered, foreignRule],
      LockToken: 'token-1',
    });
  });

  it('starts over when another writer updated the ACL between its read and its update, rendering again', async () => {
    const waf = fakeWaf(renderRateLimitRules([]));
    const sink = new WafRuleSink(ARN, waf.call);
    let renders = 0;
    // Another operator's sync lands right after this one read the ACL: this one's token is stale.
    waf.state.interfere = () => {
      waf.state.token = 'token-other';
    };
    await sink.apply(async () => {
      renders += 1;
      return renderRateLimitRules(renders === 1 ? [] : [{ merchantId: 'm_b', rateLimitPerMinute: 20 }]);
    });
    expect(renders).toBe(2);
    expect(waf.state.updates).toHaveLength(1);
    expect(waf.state.updates[0]!.LockToken).toBe('token-other');
    expect(waf.state.rules).toEqual(renderRateLimitRules([{ merchantId: 'm_b', rateLimitPerMinute: 20 }]));
  });

  it('refuses to write when a rule it does not own sits in the rate limits\' priority range', async () => {
    const waf = fakeWaf([{ ...foreignRule, Priority: 5 }]);
    await expect(new WafRuleSink(ARN, waf.call).apply(async () => renderRateLimitRules([]))).rejects.toThrow(/priority 5/);
    expect(waf.state.updates).toHaveLength(0);
  });

  it('reads the name, id and region of a regional web ACL from its ARN, and nothing else', () => {
    expect(webAclOf(ARN)).toEqual({ region: 'eu-west-1', name: 'pay-merchant-api', id: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111' });
    expect(() => webAclOf('arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/y')).toThrow(/regional/);
  });
});

describe('wafHttpCall', () => {
  let server: Server;
  let endpoint: string;
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        const stale = req.headers['x-amz-target'] === 'AWSWAF_20190729.UpdateWebACL';
        res.writeHead(stale ? 400 : 200, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(stale ? { __type: 'com.amazonaws.wafv2#WAFOptimisticLockException', Message: 'stale token' } : { WebACL: { Rules: [] }, LockToken: 't' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const call = () =>
    wafHttpCall({ region: 'eu-west-1', endpoint, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session' } });

  it('posts the operation as JSON 1.1, signed with SigV4 for wafv2 in the region', async () => {
    await expect(call()('GetWebACL', { Name: 'n', Id: 'i', Scope: 'REGIONAL' })).resolves.toEqual({ WebACL: { Rules: [] }, LockToken: 't' });
    const request = received.at(-1)!;
    expect(request.headers['x-amz-target']).toBe('AWSWAF_20190729.GetWebACL');
    expect(request.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/wafv2\/aws4_request, SignedHeaders=[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/);
    expect(request.headers['x-amz-security-token']).toBe('session');
    expect(JSON.parse(request.body)).toEqual({ Name: 'n', Id: 'i', Scope: 'REGIONAL' });
  });

  it('throws an error named by the answer\'s __type, so the sink recognises a lost lock', async () => {
    await expect(call()('UpdateWebACL', { LockToken: 'old' })).rejects.toMatchObject({ name: 'WAFOptimisticLockException', message: expect.stringContaining('stale token') });
  });
});
