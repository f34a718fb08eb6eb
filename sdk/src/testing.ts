import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { PlatformKey } from './webhooks.js';

/**
 * Helpers for a merchant's own tests: a key pair that stands in for the platform's, and webhooks signed with it
 * exactly as the platform signs (ECDSA P-256 SHA-256, DER, base64, over `TIMESTAMP + "." + rawBody`). Give the
 * verifier `key.keys` instead of the platform's keys, and the webhook handler under test sees real signed requests.
 */
export interface TestWebhookKey {
  readonly keyId: string;
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  /** In the shape of `GET /v1/platform/keys`: pass to `verifyWebhook({ keys })` or a `WebhookKeyCache`. */
  readonly keys: { readonly keys: readonly PlatformKey[] };
}

/** A fresh P-256 key pair for signing test webhooks. Never use it outside tests. */
export function createTestWebhookKey(keyId = `test_${randomBytes(6).toString('hex')}`): TestWebhookKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    keyId,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem,
    keys: { keys: [{ keyId, algorithm: 'ECDSA_P256_SHA256', publicKeyPem, status: 'active' }] },
  };
}

export interface TestWebhookInput<T> {
  readonly key: Pick<TestWebhookKey, 'keyId' | 'privateKeyPem'>;
  /** e.g. `order.succeeded`. */
  readonly type: string;
  /** `data.object`: the order or refund as the API returns it. */
  readonly object: T;
  /** Default: a fresh `evt_test_…`. Reuse one to test that your handler deduplicates. */
  readonly id?: string;
  readonly createdAt?: string;
  /** Default: now. An old value tests that your verifier rejects stale deliveries. */
  readonly timestampSeconds?: number;
}

export interface SignedTestWebhook {
  /** Send these bytes unchanged: the signature covers them. */
  readonly rawBody: string;
  readonly headers: {
    readonly 'Content-Type': string;
    readonly 'X-Event-Id': string;
    readonly 'X-Timestamp': string;
    readonly 'X-Key-Id': string;
    readonly 'X-Signature': string;
  };
}

/** A webhook delivery (body and headers) signed with a test key, as the platform would send it. */
export function signTestWebhook<T>(input: TestWebhookInput<T>): SignedTestWebhook {
  const id = input.id ?? `evt_test_${randomBytes(12).toString('hex')}`;
  const timestamp = String(input.timestampSeconds ?? Math.floor(Date.now() / 1000));
  const rawBody = JSON.stringify({ id, type: input.type, createdAt: input.createdAt ?? new Date().toISOString(), data: { object: input.object } });
  const signature = sign('sha256', Buffer.from(`${timestamp}.${rawBody}`, 'utf8'), input.key.privateKeyPem).toString('base64');
  return {
    rawBody,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'X-Event-Id': id,
      'X-Timestamp': timestamp,
      'X-Key-Id': input.key.keyId,
      'X-Signature': signature,
    },
  };
}
