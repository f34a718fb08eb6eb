import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { parseChannelCredentials } from '../credentials-parser.js';
import { rsaKeyPairPem } from '../sandbox-keys.js';
import type { NetbankPublicKey } from './signature.js';

/**
 * What the platform holds for the bank: its merchant number, its own signing key (sealed under the key center at
 * rest) and the bank's verifying keys, a list so a rotation overlaps. Only the base URL and these differ between the
 * sandbox bank and a real one.
 */
export interface NetbankCredentials {
  readonly merchantNo: string;
  readonly signingKey: { readonly keyId: string; readonly privateKeyPem: string };
  readonly bankPublicKeys: readonly NetbankPublicKey[];
}

const nonEmpty = z.string().check(z.minLength(1));

const netbankCredentialsSchema = z.object({
  merchantNo: nonEmpty,
  signingKey: z.object({ keyId: nonEmpty, privateKeyPem: nonEmpty }),
  bankPublicKeys: z.array(z.object({ keyId: nonEmpty, publicKeyPem: nonEmpty })).check(z.minLength(1)),
});

/** The credentials as the credential store opens them, checked; the error names fields, never values. */
export function parseNetbankCredentials(value: unknown): NetbankCredentials {
  return parseChannelCredentials('Netbank', netbankCredentialsSchema, value);
}

/** What the (sandbox) bank holds: its own signing key and each merchant's verifying keys. */
export interface NetbankEmulatorKeys {
  readonly signingKey: { readonly keyId: string; readonly privateKeyPem: string };
  readonly merchants: readonly { readonly merchantNo: string; readonly publicKeys: readonly NetbankPublicKey[] }[];
}

/** A matching pair for local mode: the bank's side for the emulator, the platform's side for the adapter. */
export function generateSandboxNetbankKeys(merchantNo = `NB${randomBytes(5).toString('hex').toUpperCase()}`): {
  channel: NetbankEmulatorKeys;
  platform: NetbankCredentials;
} {
  const bank = rsaKeyPairPem();
  const merchant = rsaKeyPairPem();
  const bankKeyId = `bank-${randomBytes(4).toString('hex')}`;
  const merchantKeyId = `mch-${randomBytes(4).toString('hex')}`;
  return {
    channel: {
      signingKey: { keyId: bankKeyId, privateKeyPem: bank.privateKeyPem },
      merchants: [{ merchantNo, publicKeys: [{ keyId: merchantKeyId, publicKeyPem: merchant.publicKeyPem }] }],
    },
    platform: {
      merchantNo,
      signingKey: { keyId: merchantKeyId, privateKeyPem: merchant.privateKeyPem },
      bankPublicKeys: [{ keyId: bankKeyId, publicKeyPem: bank.publicKeyPem }],
    },
  };
}
