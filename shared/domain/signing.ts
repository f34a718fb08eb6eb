import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Merchant request signing (contract, "Authentication"). Pure functions, shared by the server, the SDK and tests.
 */
export const SIGNATURE_WINDOW_SECONDS = 300;
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

export interface SignatureInput {
  readonly method: string;
  readonly pathWithQuery: string;
  readonly timestamp: string;
  readonly nonce: string;
  readonly rawBody: string;
}

export function stringToSign(input: SignatureInput): string {
  const bodyHash = createHash('sha256').update(input.rawBody, 'utf8').digest('hex');
  return [input.method.toUpperCase(), input.pathWithQuery, input.timestamp, input.nonce, bodyHash].join('\n');
}

export function sign(secret: string, input: SignatureInput): string {
  return `v1=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(stringToSign(input), 'utf8').digest('hex')}`;
}

/** Constant-time comparison; false for any malformed value. */
export function verify(secret: string, input: SignatureInput, signature: string): boolean {
  const expected = Buffer.from(sign(secret, input), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function timestampWithinWindow(timestamp: string, nowMs: number): boolean {
  const seconds = Number(timestamp);
  return Math.abs(nowMs / 1000 - seconds) <= SIGNATURE_WINDOW_SECONDS;
}
