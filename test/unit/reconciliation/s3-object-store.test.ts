import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../shared/adapters/aws/s3-object-store.js';

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/reports';
const store = (kmsKeyId?: string) => new S3ObjectStore(new S3Client({ region: 'eu-west-1' }), 'pay-reports', kmsKeyId);
/** The SDK's streaming body as the adapter reads it (the real one is a stream with this mixin). */
const body = (text: string) => ({ transformToString: async (encoding?: string) => Buffer.from(text, 'utf8').toString((encoding ?? 'utf-8') as BufferEncoding) }) as never;

describe('S3ObjectStore (the reports bucket)', () => {
  it('puts the whole body under the key with its content type, encrypted with the reports key (SSE-KMS, bucket key)', async () => {
    s3.on(PutObjectCommand).resolves({});
    await store(KEY_ARN).put('reconciliation/card_a/2026-11-27/rec_1.json', '{"a":1}\n', 'application/json');
    const calls = s3.commandCalls(PutObjectCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      Bucket: 'pay-reports',
      Key: 'reconciliation/card_a/2026-11-27/rec_1.json',
      Body: '{"a":1}\n',
      ContentType: 'application/json',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: KEY_ARN,
      BucketKeyEnabled: true,
    });
  });

  it("without a key id leaves encryption to the bucket's default (no SSE parameters sent)", async () => {
    s3.on(PutObjectCommand).resolves({});
    await store().put('reconciliation/x.json', '{}', 'application/json');
    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input).not.toHaveProperty('ServerSideEncryption');
    expect(input).not.toHaveProperty('SSEKMSKeyId');
  });

  it('gets the object as text', async () => {
    s3.on(GetObjectCommand, { Bucket: 'pay-reports', Key: 'reconciliation/a.json' }).resolves({ Body: body('{"rows":[]}') });
    expect(await store(KEY_ARN).get('reconciliation/a.json')).toBe('{"rows":[]}');
  });

  it('maps a missing object (NoSuchKey, or a bare 404) to undefined and throws any other error', async () => {
    s3.on(GetObjectCommand, { Key: 'missing.json' }).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
    s3.on(GetObjectCommand, { Key: 'hidden.json' }).rejects(new S3ServiceException({ name: 'NotFound', $fault: 'client', message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    s3.on(GetObjectCommand, { Key: 'denied.json' }).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', message: 'Access Denied', $metadata: { httpStatusCode: 403 } }));
    expect(await store().get('missing.json')).toBeUndefined();
    expect(await store().get('hidden.json')).toBeUndefined();
    await expect(store().get('denied.json')).rejects.toThrow(/Access Denied/);
  });

  it('refuses a key that is not a relative path, as the local store does, without calling S3', async () => {
    await expect(store().put('../escape.json', 'x', 'application/json')).rejects.toThrow(/outside/);
    await expect(store().get('/etc/passwd')).rejects.toThrow(/outside/);
    expect(s3.calls()).toHaveLength(0);
  });
});
