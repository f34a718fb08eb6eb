import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The acquirer signs every answer: `Acquirer-Signature: t=<unix seconds>,kid=<key id>,v1=<hex>`, where v1 is
 * HMAC-SHA256 under the key named by `kid` over `<t>.<our Request-Id>.<body>`. The key id lets the acquirer roll its
 * key (we hold a list and accept any listed key); the request id binds an answer to the request it answers; `t`
 * bounds how old an answer may be. Requests are authenticated with the secret key itself, which the acquirer keeps
 * only as a SHA-256 hash.
 */
export interface AcquirerSigningKey {
  readonly keyId: string;
  /** base64, 32 random bytes. */
  readonly secret: string;
}

/** How far an answer's timestamp may be from our clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

function mac(key: AcquirerSigningKey, timestamp: number, requestId: string, body: string): string {
  return createHmac('sha256', Buffer.from(key.secret, 'base64')).update(`${timestamp}.${requestId}.${body}`, 'utf8').digest('hex');
}

export function signAnswer(key: AcquirerSigningKey, requestId: string, body: string, now: Date): string {
  const timestamp = Math.floor(now.getTime() / 1000);
  return `t=${timestamp},kid=${key.keyId},v1=${mac(key, timestamp, requestId, body)}`;
}

export type AnswerVerifyFailure = 'malformed' | 'unknown_key' | 'stale' | 'signature';

/** Null when the header verifies under one of `keys` for this request id and body, within the tolerance. */
export function verifyAnswer(
  header: string | undefined,
  requestId: string,
  body: string,
  keys: readonly AcquirerSigningKey[],
  now: Date,
): AnswerVerifyFailure | null {
  const parts = new Map((header ?? '').split(',').map((part) => part.split('=', 2) as [string, string | undefined]));
  const t = parts.get('t');
  const kid = parts.get('kid');
  const v1 = parts.get('v1');
  if (!t || !/^\d{1,12}$/.test(t) || !kid || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return 'malformed';
  const key = keys.find((k) => k.keyId === kid);
  if (!key) return 'unknown_key';
  if (Math.abs(now.getTime() / 1000 - Number(t)) > SIGNATURE_TOLERANCE_SECONDS) return 'stale';
  const expected = Buffer.from(mac(key, Number(t), requestId, body), 'hex');
  return timingSafeEqual(expected, Buffer.from(v1, 'hex')) ? null : 'signature';
}

/** What the acquirer stores of a secret key. */
export function secretKeyHash(secretKey: string): string {
  return createHash('sha256').update(secretKey, 'utf8').digest('hex');
}

/** True when the `Authorization` header carries a secret key whose hash is one of `hashes` (a list, so keys rotate). */
export function bearerMatches(authorization: string | undefined, hashes: readonly string[]): boolean {
  const match = /^Bearer (\S+)$/.exec(authorization ?? '');
  if (!match) return false;
  const presented = Buffer.from(secretKeyHash(match[1]!), 'hex');
  return hashes.some((hash) => {
    const known = Buffer.from(hash, 'hex');
    return known.length === presented.length && timingSafeEqual(known, presented);
  });
}
