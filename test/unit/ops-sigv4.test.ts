import { execFile } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regionOf, signRequest } from '../../infra/local/ops-sigv4.js';

/**
 * The ops CLI's SigV4 signing for the IAM-authorized operations API in AWS (infra/local/ops-sigv4.ts; docs/operations.md):
 * what a local server receives carries the execute-api credential scope, X-Amz-Date and, with session credentials,
 * X-Amz-Security-Token, and its signature verifies with an independent SigV4 computation (below, from the AWS
 * documentation's algorithm) over the request as received, so nothing changed between signing and sending.
 */

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token-example' };

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

let server: Server;
let base: string;
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Request-Id': 'req-1' }).end('{"object":"list","data":[],"nextCursor":null}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** SigV4 as API Gateway checks it, written from the algorithm's description: true when the request's signature is right. */
function verifies(request: Received, secretAccessKey: string, region: string): boolean {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(String(request.headers.authorization));
  if (!auth) return false;
  const [, , day, scopeRegion, service, signedHeaders, signature] = auth as unknown as string[];
  const amzDate = String(request.headers['x-amz-date']);
  const url = new URL(request.url, 'http://placeholder');
  // Non-S3 services: each path segment URI-encoded twice.
  const canonicalUri = url.pathname.split('/').map((segment) => rfc3986(rfc3986(decodeURIComponent(segment)))).join('/');
  const canonicalQuery = [...url.searchParams].map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).sort().join('&');
  const names = signedHeaders!.split(';');
  const canonicalHeaders = names.map((name) => `${name}:${String(request.headers[name]).trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = [request.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders, sha256(request.body)].join('\n');
  const scope = `${day}/${scopeRegion}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day!), region), service!), 'aws4_request');
  return scopeRegion === region && createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex') === signature;
}

describe('signRequest', () => {
  it('signs for execute-api in the region with the session token; the request as received verifies', async () => {
    received.length = 0;
    const body = JSON.stringify({ merchantId: 'm_01jf8q9m2v3w4x5y6z7a8b9c0d', currency: 'CNY' });
    const signed = await signRequest(
      { url: new URL(`${base}/live/ops/v1/settlements?limit=5&cursor=a%2Bb`), method: 'POST', headers: { 'Content-Type': 'application/json; charset=utf-8' }, body },
      { region: 'eu-west-1', credentials: CREDENTIALS },
    );
    const res = await fetch(signed.url, { method: signed.method, headers: signed.headers, body: signed.body });
    expect(res.status).toBe(200);
    const [got] = received;
    expect(got!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
    expect(got!.headers.authorization).toContain('x-amz-date');
    expect(got!.headers.authorization).toContain('x-amz-security-token');
    expect(got!.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(got!.headers['x-amz-security-token']).toBe('session-token-example');
    expect(got!.url).toBe('/live/ops/v1/settlements?limit=5&cursor=a%2Bb');
    expect(got!.body).toBe(body);
    expect(verifies(got!, CREDENTIALS.secretAccessKey, 'eu-west-1')).toBe(true);
    // The verifier is not a rubber stamp: another secret, another region or a changed body fail it.
    expect(verifies(got!, 'another-secret', 'eu-west-1')).toBe(false);
    expect(verifies(got!, CREDENTIALS.secretAccessKey, 'us-east-1')).toBe(false);
    expect(verifies({ ...got!, body: body.replace('CNY', 'USD') }, CREDENTIALS.secretAccessKey, 'eu-west-1')).toBe(false);
  });

  it('sends no security token with long-term credentials', async () => {
    received.length = 0;
    const { sessionToken: _none, ...longTerm } = CREDENTIALS;
    const signed = await signRequest({ url: new URL(`${base}/live/ops/v1/audit`), method: 'GET', headers: {} }, { region: 'eu-west-1', credentials: longTerm });
    await fetch(signed.url, { method: signed.method, headers: signed.headers });
    expect(received[0]!.headers['x-amz-security-token']).toBeUndefined();
    expect(verifies(received[0]!, CREDENTIALS.secretAccessKey, 'eu-west-1')).toBe(true);
  });
});

describe('regionOf', () => {
  it('takes AWS_REGION, else AWS_DEFAULT_REGION, else the execute-api host name; a custom domain has none', () => {
    const api = new URL('https://abc123defg.execute-api.ap-southeast-1.amazonaws.com/live/ops/v1');
    expect(regionOf(api, {})).toBe('ap-southeast-1');
    expect(regionOf(api, { AWS_DEFAULT_REGION: 'eu-central-1' })).toBe('eu-central-1');
    expect(regionOf(api, { AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'eu-central-1' })).toBe('us-east-2');
    expect(regionOf(new URL('https://pay.example.com/ops/v1'), {})).toBeUndefined();
  });
});

describe('npm run ops -- --aws', () => {
  function cli(args: readonly string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'infra/local/ops-cli.ts', ...args],
        // No profile files: the credentials come from the environment, the default chain's first source.
        { env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent/config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', ...env } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it('signs the verb\'s request with the environment\'s credentials, to the stage URL given with /ops/v1', async () => {
    received.length = 0;
    const run = await cli(['payouts', 'list', '--merchant', 'm_01jf8q9m2v3w4x5y6z7a8b9c0d', '--status', 'FAILED', '--aws', '--url', `${base}/live/ops/v1`], {
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: CREDENTIALS.sessionToken,
      AWS_REGION: 'eu-west-1',
    });
    expect(run.stderr).toBe('HTTP 200  X-Request-Id: req-1\n');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ object: 'list', data: [], nextCursor: null });
    const [got] = received;
    expect(got).toMatchObject({ method: 'GET', url: '/live/ops/v1/payouts?merchantId=m_01jf8q9m2v3w4x5y6z7a8b9c0d&status=FAILED' });
    expect(got!.headers.authorization).toMatch(/Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request/);
    expect(got!.headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken);
    expect(verifies(got!, CREDENTIALS.secretAccessKey, 'eu-west-1')).toBe(true);
  });

  it('exits 2 without a URL, or without a region for a custom domain', async () => {
    const creds = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x' };
    const noUrl = await cli(['trial-balance', '--aws'], creds);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/^ops: --aws needs the API URL/);
    const noRegion = await cli(['trial-balance', '--aws', '--url', 'https://pay.example.com/ops/v1'], creds);
    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr).toMatch(/^ops: no region in pay\.example\.com: set AWS_REGION/);
  });
});
