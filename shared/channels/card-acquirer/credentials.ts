import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { parseChannelCredentials } from '../credentials-parser.js';
import { secretKeyHash, type AcquirerSigningKey } from './signature.js';

/**
 * What the platform holds for a card acquirer: the secret API key (sealed under the key center at rest, sent as a
 * bearer token) and the acquirer's answer-signing keys by id, a list so a rotation overlaps.
 */
export interface CardAcquirerCredentials {
  readonly secretKey: string;
  readonly answerKeys: readonly AcquirerSigningKey[];
}

const nonEmpty = z.string().check(z.minLength(1));
const signingKeySchema = z.object({ keyId: nonEmpty, secret: z.string().check(z.minLength(40)) });

const credentialsSchema = z.object({
  secretKey: z.string().check(z.regex(/^sk_[A-Za-z0-9_-]{20,}$/)),
  answerKeys: z.array(signingKeySchema).check(z.minLength(1)),
});

/** The credentials as the credential store opens them, checked; the error names fields, never values. */
export function parseCardAcquirerCredentials(value: unknown): CardAcquirerCredentials {
  return parseChannelCredentials('Card acquirer', credentialsSchema, value);
}

/** What the (sandbox) acquirer holds: hashes of the secret keys it accepts, its answer-signing key, a card key. */
export interface CardAcquirerEmulatorKeys {
  readonly secretKeyHashes: readonly string[];
  readonly signingKey: AcquirerSigningKey;
  /** Keys the acquirer's card fingerprints and request hashes, so its records hold no card number. */
  readonly fingerprintKey: string;
}

/** A matching pair for local mode: the acquirer's side for the emulator, the platform's side for the adapter. */
export function generateSandboxCardAcquirerKeys(): { channel: CardAcquirerEmulatorKeys; platform: CardAcquirerCredentials } {
  const secretKey = `sk_sbox_${randomBytes(24).toString('base64url')}`;
  const signingKey = { keyId: `ak_${randomBytes(8).toString('hex')}`, secret: randomBytes(32).toString('base64') };
  return {
    channel: { secretKeyHashes: [secretKeyHash(secretKey)], signingKey, fingerprintKey: randomBytes(32).toString('base64') },
    platform: { secretKey, answerKeys: [signingKey] },
  };
}
