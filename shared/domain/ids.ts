import { randomBytes } from 'node:crypto';

/**
 * Opaque, prefixed, time-sortable ids: prefix + 10 chars of Crockford base32 milliseconds + 16 random chars
 * (80 bits). Lexicographic order follows creation time, which keeps index keys and cursors naturally ordered.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix = 'ord' | 'pay' | 'rf' | 'evt' | 'm' | 'le' | 'req' | 'att' | 'cus' | 'agr' | 'po' | 'stl' | 'vr';

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < 10; i += 1) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte % 32];
  return out;
}

export function newId(prefix: IdPrefix, nowMs: number = Date.now()): string {
  return `${prefix}_${encodeTime(nowMs)}${encodeRandom(randomBytes(16))}`;
}

const ID_PATTERN = /^[a-z]{1,4}_[0-9a-z]{26}$/;

export function isId(value: string, prefix: IdPrefix): boolean {
  return value.startsWith(`${prefix}_`) && ID_PATTERN.test(value);
}
