import { createSign, createVerify } from 'node:crypto';

/**
 * Alipay's RSA2 scheme (SHA256withRSA, PKCS#1 v1.5, base64). Both directions sign a canonical text:
 * - requests and async notifications: the non-empty parameters, sorted by name, joined as `k=v&k=v` with the raw
 *   (not URL-encoded) values; requests leave out `sign`, notifications leave out `sign` and `sign_type`;
 * - gateway answers: the exact JSON text of the `<method>_response` object, as it appears on the wire (re-serialising
 *   it would change spacing or escapes and break the signature).
 */

/** The text a parameter set is signed over: sorted non-empty `k=v` pairs without the excluded names. */
export function signContent(params: Readonly<Record<string, string | undefined>>, exclude: readonly string[]): string {
  return Object.keys(params)
    .filter((name) => !exclude.includes(name) && params[name] !== undefined && params[name] !== '')
    .sort()
    .map((name) => `${name}=${params[name]}`)
    .join('&');
}

export function rsa2Sign(content: string, privateKeyPem: string): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(privateKeyPem, 'base64');
}

export function rsa2Verify(content: string, signature: string, publicKeyPem: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(content, 'utf8').verify(publicKeyPem, signature, 'base64');
  } catch {
    // A key that does not parse verifies nothing; the caller reports the answer as unverifiable.
    return false;
  }
}

/** Request parameters are signed without `sign`; notifications without `sign` and `sign_type`. */
export const REQUEST_UNSIGNED = ['sign'] as const;
export const NOTIFY_UNSIGNED = ['sign', 'sign_type'] as const;

/**
 * The raw JSON text of the value of `"<name>":` in a gateway answer, found by scanning the wire text for the balanced
 * object that follows the name (strings and escapes respected). Undefined when the name or a balanced object is absent.
 */
export function rawResponseObject(body: string, name: string): string | undefined {
  const marker = `"${name}"`;
  let index = body.indexOf(marker);
  if (index < 0) return undefined;
  index += marker.length;
  while (index < body.length && /\s/.test(body[index]!)) index++;
  if (body[index] !== ':') return undefined;
  index++;
  while (index < body.length && /\s/.test(body[index]!)) index++;
  if (body[index] !== '{') return undefined;
  const start = index;
  let depth = 0;
  let inString = false;
  for (; index < body.length; index++) {
    const char = body[index];
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{') depth++;
    else if (char === '}' && --depth === 0) return body.slice(start, index + 1);
  }
  return undefined;
}
