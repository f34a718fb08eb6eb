import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../shared/adapters/aws/s3-object-store.js';

/**
 * The reports bucket's adapter (shared/adapters/aws/s3-object-store.ts): S3's REST PutObject and GetObject, signed
 * with SigV4, against a local server that answers as S3 does (200, a 404 NoSuchKey XML error, a 403 AccessDenied) and
 * keeps what it was sent, so each request's method, path, headers and signature scope are checked on the wire.
 */

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/reports';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token' };

interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const objects = new Map<string, string>();
const received: Received[] = [];
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const path = req.url ?? '';
      received.push({ method: req.method ?? '', path, headers: req.headers, body });
      if (path.endsWith('/denied.json')) {
        res.writeHead(403, { 'content-type': 'application/xml' }).end('<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
      } else if (req.method === 'PUT') {
        objects.set(path, body);
        res.writeHead(200).end();
      } else if (objects.has(path)) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(objects.get(path));
      } else {
        res.writeHead(404, { 'content-type': 'application/xml' }).end('<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  objects.clear();
  received.length = 0;
});

const store = (kmsKeyId?: string) => new S3ObjectStore({ bucket: 'pay-reports', region: 'eu-west-1', kmsKeyId, credentials, endpoint });

describe('S3ObjectStore (the reports bucket)', () => {
  it('puts the whole body under the key with its content type, encrypted with the reports key (SSE-KMS, bucket key), signed for s3', async () => {
    await store(KEY_ARN).put('reconciliation/card_a/2026-11-27/rec_1.json', '{"a":1}\n', 'application/json');
    expect(received).toHaveLength(1);
    const put = received[0]!;
    expect(put).toMatchObject({ method: 'PUT', path: '/pay-reports/reconciliation/card_a/2026-11-27/rec_1.json', body: '{"a":1}\n' });
    expect(put.headers).toMatchObject({
      'content-type': 'application/json',
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': KEY_ARN,
      'x-amz-server-side-encryption-bucket-key-enabled': 'true',
      'x-amz-security-token': 'session-token',
      // S3 refuses a request whose payload hash is not the body's.
      'x-amz-content-sha256': createHash('sha256').update('{"a":1}\n').digest('hex'),
    });
    const authorization = String(put.headers.authorization);
    expect(authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/);
    // Every x-amz-* header S3 reads (the encryption ones) is signed, so nobody on the way can drop or change it.
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)![1]!.split(';');
    expect(signedHeaders).toEqual(expect.arrayContaining(['host', 'content-type', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-server-side-encryption', 'x-amz-server-side-encryption-aws-kms-key-id']));
    expect(authorization).not.toContain(credentials.secretAccessKey);
  });

  it("without a key id leaves encryption to the bucket's default (no SSE headers sent)", async () => {
    await store().put('reconciliation/x.json', '{}', 'application/json');
    expect(received[0]!.headers).not.toHaveProperty('x-amz-server-side-encryption');
    expect(received[0]!.headers).not.toHaveProperty('x-amz-server-side-encryption-aws-kms-key-id');
  });

  it('gets the object as text, what was put', async () => {
    await store(KEY_ARN).put('reconciliation/a.json', '{"rows":["支付"]}', 'application/json');
    expect(await store(KEY_ARN).get('reconciliation/a.json')).toBe('{"rows":["支付"]}');
    expect(received[1]).toMatchObject({ method: 'GET', path: '/pay-reports/reconciliation/a.json', body: '' });
  });

  it('maps a missing object (404 NoSuchKey) to undefined and throws any other error, named by its S3 code', async () => {
    expect(await store().get('missing.json')).toBeUndefined();
    await expect(store().get('denied.json')).rejects.toThrow(expect.objectContaining({ name: 'AccessDenied', message: expect.stringMatching(/403 AccessDenied.*Access Denied/) }));
    await expect(store().put('denied.json', 'x', 'application/json')).rejects.toThrow(/PutObject failed \(403 AccessDenied\)/);
  });

  it('refuses a key that is not a relative path, as the local store does, without calling S3', async () => {
    await expect(store().put('../escape.json', 'x', 'application/json')).rejects.toThrow(/outside/);
    await expect(store().get('/etc/passwd')).rejects.toThrow(/outside/);
    expect(received).toHaveLength(0);
  });
});
