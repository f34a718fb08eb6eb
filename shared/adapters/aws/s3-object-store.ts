import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { signAwsRequest } from '../../crypto/sigv4.js';
import type { ObjectStore } from '../../ports/object-store.js';

/**
 * The object store in AWS: the reports bucket (infra/cdk/reconciliation.ts), private and KMS-encrypted. S3's REST API
 * (PutObject, GetObject) over fetch, signed with SigV4 by @smithy/signature-v4 (shared/crypto/sigv4.ts), instead of
 * the SDK's S3 client, whose ~100 KB put both reconciling functions over the 600 KB bundle budget (docs/decisions.md,
 * 238). A put names SSE-KMS with the reports key when one is configured, so an object is encrypted under that key even
 * if the bucket's default were ever changed; without a key id the bucket's default encryption applies. A missing key
 * reads as undefined (404: NoSuchKey, or a bare 404 where the caller may not list the bucket); any other answer throws.
 */
export class S3ObjectStore implements ObjectStore {
  private readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;

  constructor(
    private readonly options: {
      readonly bucket: string;
      readonly region: string;
      readonly kmsKeyId?: string | undefined;
      /** The Lambda's role credentials from its environment unless given. */
      readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
      /** Path-style base URL instead of the bucket's virtual-hosted one (tests: a local server). */
      readonly endpoint?: string;
    },
  ) {
    this.credentials = options.credentials ?? fromEnv();
  }

  async put(key: string, body: string, contentType: string): Promise<void> {
    const sse: Record<string, string> = this.options.kmsKeyId
      ? {
          'x-amz-server-side-encryption': 'aws:kms',
          'x-amz-server-side-encryption-aws-kms-key-id': this.options.kmsKeyId,
          'x-amz-server-side-encryption-bucket-key-enabled': 'true',
        }
      : {};
    const answer = await this.send('PUT', key, { 'content-type': contentType, ...sse }, body);
    if (answer.status !== 200) throw s3Error('PutObject', answer);
  }

  async get(key: string): Promise<string | undefined> {
    const answer = await this.send('GET', key, {});
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw s3Error('GetObject', answer);
    return answer.body;
  }

  private async send(method: 'GET' | 'PUT', key: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
    const { bucket, region, endpoint } = this.options;
    // checkedKey allows only [A-Za-z0-9_.-/]: nothing in the path needs escaping, so S3's single encoding is moot.
    const url = new URL(endpoint ? `${endpoint.replace(/\/$/, '')}/${bucket}/${checkedKey(key)}` : `https://${bucket}.s3.${region}.amazonaws.com/${checkedKey(key)}`);
    const signed = await signAwsRequest({ url, method, headers, body }, { service: 's3', region, credentials: this.credentials });
    const response = await fetch(signed.url, { method, headers: signed.headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(30_000) });
    return { status: response.status, body: await response.text() };
  }
}

/** S3's XML error (`<Code>AccessDenied</Code><Message>Access Denied</Message>`) as an Error named by its code. */
function s3Error(operation: string, answer: { status: number; body: string }): Error {
  const code = /<Code>([^<]*)<\/Code>/.exec(answer.body)?.[1] ?? `Http${answer.status}`;
  const message = /<Message>([^<]*)<\/Message>/.exec(answer.body)?.[1] ?? '';
  const error = new Error(`S3 ${operation} failed (${answer.status} ${code}): ${message}`);
  error.name = code;
  return error;
}

/** The same key rule as the local file store: relative, `/`-separated, no `..`, so both stores accept the same keys. */
function checkedKey(key: string): string {
  if (!/^[A-Za-z0-9_.\-][A-Za-z0-9_.\-/]*$/.test(key) || key.includes('..')) throw new Error(`object key outside the store: ${JSON.stringify(key)}`);
  return key;
}
