import { createCipheriv, createDecipheriv, createSign, createVerify, randomBytes } from 'node:crypto';

/**
 * The cryptography of WeChat Pay API v3, both directions, with Node's own `crypto`:
 * - requests: `WECHATPAY2-SHA256-RSA2048`, SHA256withRSA (PKCS#1 v1.5) by the merchant's private key over
 *   `METHOD\nPATH_WITH_QUERY\nTIMESTAMP\nNONCE\nBODY\n`, sent in the Authorization header;
 * - responses and callbacks: SHA256withRSA by the WeChat platform key over `TIMESTAMP\nNONCE\nBODY\n`, sent in the
 *   `Wechatpay-Timestamp/-Nonce/-Signature/-Serial` headers;
 * - a callback's `resource`: AEAD_AES_256_GCM under the merchant's 32-byte APIv3 key, 12-byte nonce, the
 *   `associated_data` as AAD, ciphertext = base64(encrypted ‖ 16-byte tag).
 * The emulator uses the same primitives for the channel's side; the unit tests check them against hand-built messages.
 */

export const AUTH_SCHEMA = 'WECHATPAY2-SHA256-RSA2048';

/** WeChat refuses (and we refuse) a signed message whose timestamp is further than this from our clock. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

export function requestMessage(method: string, pathWithQuery: string, timestamp: string, nonce: string, body: string): string {
  return `${method}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${body}\n`;
}

export function responseMessage(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

export function rsaSign(message: string, privateKeyPem: string): string {
  return createSign('RSA-SHA256').update(message, 'utf8').sign(privateKeyPem, 'base64');
}

/** False for a wrong signature and for a signature that is not even base64 of the right length. */
export function rsaVerify(message: string, signature: string, publicKeyPem: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(message, 'utf8').verify(publicKeyPem, signature, 'base64');
  } catch {
    return false;
  }
}

/** 32 upper-case hex characters, as the SDKs make them. */
export function newNonce(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

export function unixSeconds(now: Date): string {
  return String(Math.floor(now.getTime() / 1000));
}

/** True when `timestamp` (unix seconds, digits only) is within the allowed skew of `now`. */
export function isFresh(timestamp: string, now: Date): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(Number(timestamp) - now.getTime() / 1000) <= MAX_CLOCK_SKEW_SECONDS;
}

export interface AuthorizationParams {
  readonly mchid: string;
  readonly nonce_str: string;
  readonly timestamp: string;
  readonly serial_no: string;
  readonly signature: string;
}

export function formatAuthorization(params: AuthorizationParams): string {
  const { mchid, nonce_str, signature, timestamp, serial_no } = params;
  return `${AUTH_SCHEMA} mchid="${mchid}",nonce_str="${nonce_str}",signature="${signature}",timestamp="${timestamp}",serial_no="${serial_no}"`;
}

/** Undefined unless the header is the schema followed by all five quoted parameters. */
export function parseAuthorization(header: string | undefined): AuthorizationParams | undefined {
  if (!header?.startsWith(`${AUTH_SCHEMA} `)) return undefined;
  const params: Record<string, string> = {};
  for (const match of header.slice(AUTH_SCHEMA.length + 1).matchAll(/(\w+)="([^"]*)"/g)) params[match[1]!] = match[2]!;
  const { mchid, nonce_str, timestamp, serial_no, signature } = params;
  if (!mchid || !nonce_str || !timestamp || !serial_no || !signature) return undefined;
  return { mchid, nonce_str, timestamp, serial_no, signature };
}

export interface EncryptedResource {
  readonly algorithm: 'AEAD_AES_256_GCM';
  readonly ciphertext: string;
  readonly nonce: string;
  readonly associated_data: string;
  readonly original_type: string;
}

const TAG_BYTES = 16;

export function encryptResource(plaintext: string, apiV3Key: string, originalType: string): EncryptedResource {
  // WeChat's nonce is a 12-character alphanumeric string used as the IV bytes.
  const nonce = randomBytes(6).toString('hex');
  const cipher = createCipheriv('aes-256-gcm', apiV3Key32(apiV3Key), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(originalType, 'utf8'));
  const encrypted = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return {
    algorithm: 'AEAD_AES_256_GCM',
    ciphertext: encrypted.toString('base64'),
    nonce,
    associated_data: originalType,
    original_type: originalType,
  };
}

/** Throws when the key, nonce, associated data or ciphertext is wrong (the GCM tag does not authenticate). */
export function decryptResource(resource: { ciphertext: string; nonce: string; associated_data?: string }, apiV3Key: string): string {
  const data = Buffer.from(resource.ciphertext, 'base64');
  if (data.length <= TAG_BYTES) throw new Error('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', apiV3Key32(apiV3Key), Buffer.from(resource.nonce, 'utf8'));
  decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
}

/** The APIv3 key is 32 ASCII characters set in the merchant platform, used as the AES-256 key bytes. */
function apiV3Key32(apiV3Key: string): Buffer {
  const key = Buffer.from(apiV3Key, 'utf8');
  if (key.length !== 32) throw new Error('The APIv3 key must be 32 bytes');
  return key;
}
