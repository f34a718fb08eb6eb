import { createHash, createHmac, randomBytes } from 'node:crypto';

export interface SignedHeaders {
  readonly 'X-Merchant-Id': string;
  readonly 'X-Timestamp': string;
  readonly 'X-Nonce': string;
  readonly 'X-Signature': string;
}

/** `METHOD\nPATH_WITH_QUERY\nTIMESTAMP\nNONCE\nhex(SHA256(rawBody))`, as the contract defines it. */
export function stringToSign(method: string, pathWithQuery: string, timestamp: string, nonce: string, rawBody: string): string {
  const bodyHash = createHash('sha256').update(rawBody, 'utf8').digest('hex');
  return `${method.toUpperCase()}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${bodyHash}`;
}

/** A fresh nonce: 32 characters of [A-Za-z0-9_-]. */
export function newNonce(): string {
  return randomBytes(24).toString('base64url');
}

/** The four authentication headers for one request; call again for every attempt (fresh time and nonce). */
export function signRequest(
  credentials: { readonly merchantId: string; readonly secret: string },
  request: { readonly method: string; readonly pathWithQuery: string; readonly rawBody: string },
  nowMs: number = Date.now(),
  nonce: string = newNonce(),
): SignedHeaders {
  const timestamp = String(Math.floor(nowMs / 1000));
  const signature = createHmac('sha256', Buffer.from(credentials.secret, 'utf8'))
    .update(stringToSign(request.method, request.pathWithQuery, timestamp, nonce, request.rawBody), 'utf8')
    .digest('hex');
  return {
    'X-Merchant-Id': credentials.merchantId,
    'X-Timestamp': timestamp,
    'X-Nonce': nonce,
    'X-Signature': `v1=${signature}`,
  };
}
