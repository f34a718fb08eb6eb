import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { setOpsDeps, type OpsDeps } from '../../functions/ops/compose.js';
import { merchantOpsRoutes } from '../../functions/ops/merchant-routes.js';
import { opsHandler } from '../../functions/ops/ops-handler.js';
import { FileKeyProvider } from '../../shared/adapters/local/file-key-provider.js';
import { EnvelopeKeyCenter } from '../../shared/crypto/envelope-key-center.js';
import type { AuditEntry } from '../../shared/ops/audit.js';
import { iamAuthenticator } from '../../shared/ops/auth.js';
import type { SealedBox } from '../../shared/ports/key-center.js';
import type { Merchant, MerchantStore, SecretRotation } from '../../shared/ports/stores.js';
import type { Deps } from '../../shared/services/deps.js';

/**
 * A merchant-control call as API Gateway delivers it in AWS, through the IAM authorizer (docs/operations.md): the audit
 * entry names the caller by `requestContext.identity.userArn`, keeps the merchant before and after, and never the
 * secret, which only the answer carries.
 */
const ROLE_ARN = 'arn:aws:sts::123456789012:assumed-role/PaymentsOperator/alice@example.com';
const MERCHANT_ID = 'm_01jdq0v6d6x4k3r3w8m1z2y3x4';

/** API Gateway's REST proxy event for an IAM-authorized call (abridged to the fields it always sets). */
function iamEvent(method: string, path: string, body: unknown): APIGatewayProxyEvent {
  return {
    resource: '/ops/v1/{proxy+}',
    path,
    httpMethod: method,
    headers: { Host: 'abc123.execute-api.eu-west-1.amazonaws.com', 'Content-Type': 'application/json', Authorization: 'AWS4-HMAC-SHA256 Credential=ASIA…' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { proxy: path.replace('/ops/v1/', '') },
    stageVariables: null,
    requestContext: {
      resourcePath: '/ops/v1/{proxy+}',
      httpMethod: method,
      path: `/live${path}`,
      stage: 'live',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      identity: {
        accountId: '123456789012',
        caller: 'AROAEXAMPLE:alice@example.com',
        user: 'AROAEXAMPLE:alice@example.com',
        userArn: ROLE_ARN,
        accessKey: 'ASIAEXAMPLE',
        sourceIp: '203.0.113.7',
        userAgent: 'ops-cli',
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        principalOrgId: null,
        apiKey: null,
        apiKeyId: null,
        clientCert: null,
      },
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEvent;
}

describe('merchant controls called through the IAM authorizer', () => {
  it("rotates the secret, records the caller's IAM ARN with the merchant before and after, and keeps the secret out of the trail", async () => {
    const keyCenter = new EnvelopeKeyCenter(new FileKeyProvider(join(mkdtempSync(join(tmpdir(), 'opsm-')), 'master.key')));
    let item: Merchant = {
      merchantId: MERCHANT_ID,
      name: 'Shop',
      status: 'active',
      sealedSecret: await keyCenter.seal('first-secret', { merchantId: MERCHANT_ID }),
      notifyUrl: null,
      riskChallengeAmount: null,
      feeBps: null,
      createdAt: '2026-11-01T00:00:00.000Z',
    };
    const merchants = {
      get: async (id: string) => (id === MERCHANT_ID ? item : undefined),
      rotateSecret: async (_id: string, replaced: SealedBox, rotation: SecretRotation) => {
        if (item.sealedSecret.ct !== replaced.ct) return undefined;
        return (item = { ...item, ...rotation });
      },
    } as unknown as MerchantStore;
    const entries: AuditEntry[] = [];
    const nowMs = Date.parse('2026-11-28T01:00:00.000Z');
    setOpsDeps({
      deps: { merchants, keyCenter, now: () => nowMs } as unknown as Deps,
      audit: { append: async (e: AuditEntry) => void entries.push(e), list: async () => ({ data: [], nextCursor: null }) },
      authenticate: iamAuthenticator,
    } as unknown as OpsDeps);

    const res = await opsHandler(merchantOpsRoutes)(iamEvent('POST', `/ops/v1/merchants/${MERCHANT_ID}/secret/rotate`, { graceSeconds: 3600 }), { awsRequestId: 'aws-1' } as Context);

    expect(res.statusCode).toBe(200);
    const answer = JSON.parse(res.body);
    expect(await keyCenter.open(item.sealedSecret, { merchantId: MERCHANT_ID })).toBe(answer.secret);
    expect(answer).toMatchObject({ previousSecretExpiresAt: '2026-11-28T02:00:00.000Z', secretRotatedAt: '2026-11-28T01:00:00.000Z' });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      id: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      principal: ROLE_ARN,
      method: 'POST',
      path: `/ops/v1/merchants/${MERCHANT_ID}/secret/rotate`,
      status: 200,
      body: { graceSeconds: 3600 },
      before: { object: 'merchant', merchantId: MERCHANT_ID, previousSecretExpiresAt: null },
      after: { object: 'merchant', merchantId: MERCHANT_ID, previousSecretExpiresAt: '2026-11-28T02:00:00.000Z' },
    });
    const trail = JSON.stringify(entries);
    expect(trail).not.toContain(answer.secret);
    expect(trail).not.toContain(item.sealedSecret.ct);
    expect(trail).not.toContain('sealedSecret');
  });
});
