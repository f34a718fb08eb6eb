import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { setOpsDeps, type OpsDeps } from '../../functions/ops/compose.js';
import { opsHandler } from '../../functions/ops/ops-handler.js';
import { AuthenticationError } from '../../shared/domain/errors.js';
import { redact, type AuditEntry, type AuditTrail } from '../../shared/ops/audit.js';
import { bearerTokenAuthenticator, iamAuthenticator } from '../../shared/ops/auth.js';
import type { Deps } from '../../shared/services/deps.js';

/** The operations API's authentication, redaction and audit rules, without a network (docs/operations.md). */

const TOKEN = 'q5Jw1m0X3c2sJ3pV8nZKp7G6hFvE4yT9uRdLbNoAaQk';

function refusal(fn: () => unknown): AuthenticationError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AuthenticationError);
  return caught as AuthenticationError;
}

describe('bearerTokenAuthenticator (local mode)', () => {
  const authenticate = bearerTokenAuthenticator(TOKEN);

  it('accepts exactly the token, as a Bearer credential, and names the caller local-token', () => {
    expect(authenticate({ authorization: `Bearer ${TOKEN}`, iamPrincipalArn: undefined })).toBe('local-token');
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another token of the same length', `Bearer ${TOKEN.slice(0, -1)}x`],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, 10)}`],
    ['the token and more', `Bearer ${TOKEN}x`],
    ['another scheme', `Basic ${TOKEN}`],
    ['the token without a scheme', TOKEN],
    ['two spaces', `Bearer  ${TOKEN}`],
  ])('refuses %s with 401 invalid_ops_credentials', (_label, authorization) => {
    const error = refusal(() => authenticate({ authorization, iamPrincipalArn: undefined }));
    expect(error).toMatchObject({ statusCode: 401, code: 'invalid_ops_credentials', type: 'authentication' });
  });

  it('does not take an IAM principal in place of the token', () => {
    refusal(() => authenticate({ authorization: undefined, iamPrincipalArn: 'arn:aws:iam::123456789012:user/ops' }));
  });
});

describe('iamAuthenticator (AWS)', () => {
  it("names the caller by the principal ARN API Gateway's IAM authorizer put in the request context", () => {
    const arn = 'arn:aws:sts::123456789012:assumed-role/Operator/alice';
    expect(iamAuthenticator({ authorization: undefined, iamPrincipalArn: arn })).toBe(arn);
  });

  it('refuses a request that carries no principal (it did not pass the authorizer), whatever token it shows', () => {
    refusal(() => iamAuthenticator({ authorization: `Bearer ${TOKEN}`, iamPrincipalArn: undefined }));
    refusal(() => iamAuthenticator({ authorization: undefined, iamPrincipalArn: 'alice' }));
  });
});

describe('redact', () => {
  it('replaces secret-looking fields at any depth and keeps the rest', () => {
    const body = {
      note: 'rotate',
      secret: 's3cr3t',
      destination: { bankCode: 'ICBC', accountNumber: '6222020000000001', accountName: 'Li Lei' },
      cards: [{ number: '4242424242424242', cvc: '123', last4: '4242' }],
      apiKey: 'k',
      amount: 100,
    };
    expect(redact(body)).toEqual({
      note: 'rotate',
      secret: '[redacted]',
      destination: { bankCode: 'ICBC', accountNumber: '[redacted]', accountName: 'Li Lei' },
      cards: [{ number: '[redacted]', cvc: '[redacted]', last4: '4242' }],
      apiKey: '[redacted]',
      amount: 100,
    });
  });
});

describe('opsHandler', () => {
  const context = { awsRequestId: 'aws-req' } as Context;

  function event(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
    return {
      httpMethod: 'POST',
      path: '/ops/v1/things/t1',
      resource: '/ops/v1/{proxy+}',
      headers: {},
      queryStringParameters: null,
      body: JSON.stringify({ name: 'new', token: 'hunter2' }),
      isBase64Encoded: false,
      requestContext: { requestId: 'req-1', identity: { userArn: 'arn:aws:iam::123456789012:user/ops' } },
      ...overrides,
    } as unknown as APIGatewayProxyEvent;
  }

  function install(audit: AuditTrail): void {
    setOpsDeps({ deps: { now: () => Date.parse('2026-11-27T10:00:00.000Z') } as Deps, audit, events: undefined as never, merchants: undefined as never, authenticate: iamAuthenticator } as OpsDeps);
  }

  const handler = opsHandler({
    'POST /ops/v1/things/{id}': async ({ pathParameters, body }) => ({
      statusCode: 200,
      body: { id: pathParameters.id, ...(body as object) },
      audit: { before: { name: 'old' }, after: { name: 'new' } },
    }),
  });

  it('records the IAM principal, the call, its answer and the change before and after, secrets redacted', async () => {
    const entries: AuditEntry[] = [];
    install({ append: async (e) => void entries.push(e), list: async () => ({ data: [], nextCursor: null }) });
    const res = await handler(event(), context);
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({ 'X-Request-Id': 'req-1' });
    expect(entries).toEqual([
      {
        id: 'req-1',
        at: '2026-11-27T10:00:00.000Z',
        principal: 'arn:aws:iam::123456789012:user/ops',
        method: 'POST',
        path: '/ops/v1/things/t1',
        status: 200,
        bodyDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
        body: { name: 'new', token: '[redacted]' },
        before: { name: 'old' },
        after: { name: 'new' },
      },
    ]);
  });

  it('answers 500 with the request id when the audit entry cannot be written: no unrecorded success', async () => {
    install({ append: async () => Promise.reject(new Error('throttled')), list: async () => ({ data: [], nextCursor: null }) });
    const res = await handler(event(), context);
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body)).toMatchObject({ error: { type: 'internal', requestId: 'req-1' } });
  });

  it('records a refused call as anonymous with its 401, and never runs the action', async () => {
    const entries: AuditEntry[] = [];
    install({ append: async (e) => void entries.push(e), list: async () => ({ data: [], nextCursor: null }) });
    const res = await handler(event({ requestContext: { requestId: 'req-2', identity: {} } } as never), context);
    expect(res.statusCode).toBe(401);
    expect(entries).toMatchObject([{ id: 'req-2', principal: 'anonymous', status: 401, after: null }]);
  });
});
