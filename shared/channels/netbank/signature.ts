import { createSign, createVerify, randomBytes } from 'node:crypto';

/**
 * The sandbox bank's message signature (docs/decisions.md, entry 68). Every message in either direction carries
 * four headers: the signer's key id, a Unix timestamp in seconds, a random nonce and an RSA-SHA256 (PKCS#1 v1.5)
 * signature, base64, over one line per part, each ended by `\n`:
 *   requests:             METHOD, path, timestamp, nonce, body
 *   responses, notifies:  timestamp, nonce, body
 * The method and path are signed on requests so a signed query cannot be replayed as a close. Keys are named by id,
 * and the verifier holds a LIST of public keys, so the bank can roll its key without a notify being refused.
 */
export const NETBANK_HEADERS = {
  merchant: 'netbank-merchant-no',
  keyId: 'netbank-key-id',
  timestamp: 'netbank-timestamp',
  nonce: 'netbank-nonce',
  signature: 'netbank-signature',
} as const;

/** How far a signed message's timestamp may be from the receiver's clock. */
export const NETBANK_SIGNATURE_TOLERANCE_SECONDS = 300;

export interface NetbankPublicKey {
  readonly keyId: string;
  readonly publicKeyPem: string;
}

export interface SignedHeaders {
  readonly keyId: string;
  readonly timestamp: string;
  readonly nonce: string;
  readonly signature: string;
}

export function netbankSigningString(parts: readonly string[]): string {
  return parts.map((part) => `${part}\n`).join('');
}

/** Signs `body` (plus method and path for a request) and returns the four signature headers' values. */
export function signNetbankMessage(
  key: { readonly keyId: string; readonly privateKeyPem: string },
  body: string,
  now: Date,
  request?: { readonly method: string; readonly path: string },
): SignedHeaders {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const prefix = request ? [request.method.toUpperCase(), request.path] : [];
  const signer = createSign('RSA-SHA256');
  signer.update(netbankSigningString([...prefix, timestamp, nonce, body]));
  return { keyId: key.keyId, timestamp, nonce, signature: signer.sign(key.privateKeyPem, 'base64') };
}

export function netbankHeaderRecord(signed: SignedHeaders): Record<string, string> {
  return {
    [NETBANK_HEADERS.keyId]: signed.keyId,
    [NETBANK_HEADERS.timestamp]: signed.timestamp,
    [NETBANK_HEADERS.nonce]: signed.nonce,
    [NETBANK_HEADERS.signature]: signed.signature,
  };
}

export type NetbankVerifyFailure = 'malformed' | 'unknown_key' | 'stale' | 'signature';

/**
 * Checks a signed message; returns null when it is good, else why not. Header names are matched without regard to
 * case (Node lower-cases them, fetch's Headers too, a test's record may not).
 */
export function verifyNetbankMessage(
  keys: readonly NetbankPublicKey[],
  headers: Readonly<Record<string, string | undefined>>,
  body: string,
  now: Date,
  request?: { readonly method: string; readonly path: string },
): NetbankVerifyFailure | null {
  const get = headerReader(headers);
  const keyId = get(NETBANK_HEADERS.keyId);
  const timestamp = get(NETBANK_HEADERS.timestamp);
  const nonce = get(NETBANK_HEADERS.nonce);
  const signature = get(NETBANK_HEADERS.signature);
  if (!keyId || !timestamp || !nonce || !signature || !/^\d{1,12}$/.test(timestamp)) return 'malformed';
  const key = keys.find((k) => k.keyId === keyId);
  if (!key) return 'unknown_key';
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > NETBANK_SIGNATURE_TOLERANCE_SECONDS) return 'stale';
  const prefix = request ? [request.method.toUpperCase(), request.path] : [];
  const verifier = createVerify('RSA-SHA256');
  verifier.update(netbankSigningString([...prefix, timestamp, nonce, body]));
  try {
    return verifier.verify(key.publicKeyPem, signature, 'base64') ? null : 'signature';
  } catch {
    // A key that does not parse cannot have signed anything.
    return 'signature';
  }
}

export function headerReader(headers: Readonly<Record<string, string | string[] | undefined>>): (name: string) => string | undefined {
  const lower = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) lower.set(name.toLowerCase(), Array.isArray(value) ? value.join(',') : value);
  }
  return (name) => lower.get(name.toLowerCase());
}
