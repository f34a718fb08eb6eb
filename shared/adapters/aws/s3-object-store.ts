import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ObjectStore } from '../../ports/object-store.js';

/**
 * The object store in AWS: the reports bucket (infra/cdk/reconciliation.ts), private and KMS-encrypted. A put names
 * SSE-KMS with the reports key when one is configured, so an object is encrypted under that key even if the bucket's
 * default were ever changed; without a key id the bucket's default encryption applies. A missing key reads as
 * undefined (NoSuchKey, or a 404 where the caller may not list the bucket); any other error is thrown.
 */
export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly kmsKeyId?: string,
  ) {}

  async put(key: string, body: string, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: checkedKey(key),
        Body: body,
        ContentType: contentType,
        ...(this.kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.kmsKeyId, BucketKeyEnabled: true } : {}),
      }),
    );
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: checkedKey(key) }));
      return out.Body ? await out.Body.transformToString('utf-8') : '';
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw error;
    }
  }
}

/** The same key rule as the local file store: relative, `/`-separated, no `..`, so both stores accept the same keys. */
function checkedKey(key: string): string {
  if (!/^[A-Za-z0-9_.\-][A-Za-z0-9_.\-/]*$/.test(key) || key.includes('..')) throw new Error(`object key outside the store: ${JSON.stringify(key)}`);
  return key;
}
