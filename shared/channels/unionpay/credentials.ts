import { constants, privateDecrypt, publicEncrypt, randomBytes, randomInt } from 'node:crypto';
import * as z from 'zod/mini';
import { parseChannelCredentials } from '../credentials-parser.js';
import { rsaKeyPairPem } from '../sandbox-keys.js';
import type { UnionpayCert, UnionpaySigningCert } from './signature.js';

/**
 * What the platform holds for UnionPay: its merchant id (`merId`), its signing certificate's private key (sealed under
 * the key center at rest), UnionPay's encryption certificate (card data is encrypted to it), and UnionPay's verifying
 * certificates, a list so a roll-over overlaps.
 */
export interface UnionpayCredentials {
  readonly merId: string;
  readonly signingCert: UnionpaySigningCert;
  readonly encryptCert: UnionpayCert;
  readonly verifyCerts: readonly UnionpayCert[];
}

const nonEmpty = z.string().check(z.minLength(1));
const certSchema = z.object({ certId: nonEmpty, publicKeyPem: nonEmpty });

const unionpayCredentialsSchema = z.object({
  merId: z.string().check(z.regex(/^\d{15}$/)),
  signingCert: z.object({ certId: nonEmpty, privateKeyPem: nonEmpty }),
  encryptCert: certSchema,
  verifyCerts: z.array(certSchema).check(z.minLength(1)),
});

/** The credentials as the credential store opens them, checked; the error names fields, never values. */
export function parseUnionpayCredentials(value: unknown): UnionpayCredentials {
  return parseChannelCredentials('UnionPay', unionpayCredentialsSchema, value);
}

/** What the (sandbox) gateway holds: its signing key, its decryption keys, each merchant's certificates. */
export interface UnionpayEmulatorKeys {
  readonly signingCert: UnionpaySigningCert;
  readonly encryptKeys: readonly { readonly certId: string; readonly privateKeyPem: string }[];
  readonly merchants: readonly { readonly merId: string; readonly certs: readonly UnionpayCert[] }[];
  /** Keys the gateway's card fingerprints, so its records hold no card number. */
  readonly fingerprintKey: string;
}

/** UnionPay certificate ids are decimal serial numbers. */
function certId(): string {
  return `${randomInt(1, 10)}${String(randomInt(0, 1e10)).padStart(10, '0')}`;
}

/** A matching pair for local mode: the gateway's side for the emulator, the platform's side for the adapter. */
export function generateSandboxUnionpayKeys(merId = `777${String(randomInt(0, 1e12)).padStart(12, '0')}`): {
  channel: UnionpayEmulatorKeys;
  platform: UnionpayCredentials;
} {
  const gateway = rsaKeyPairPem();
  const encryption = rsaKeyPairPem();
  const merchant = rsaKeyPairPem();
  const ids = { gateway: certId(), encryption: certId(), merchant: certId() };
  return {
    channel: {
      signingCert: { certId: ids.gateway, privateKeyPem: gateway.privateKeyPem },
      encryptKeys: [{ certId: ids.encryption, privateKeyPem: encryption.privateKeyPem }],
      merchants: [{ merId, certs: [{ certId: ids.merchant, publicKeyPem: merchant.publicKeyPem }] }],
      fingerprintKey: randomBytes(32).toString('base64'),
    },
    platform: {
      merId,
      signingCert: { certId: ids.merchant, privateKeyPem: merchant.privateKeyPem },
      encryptCert: { certId: ids.encryption, publicKeyPem: encryption.publicKeyPem },
      verifyCerts: [{ certId: ids.gateway, publicKeyPem: gateway.publicKeyPem }],
    },
  };
}

/**
 * Card data is encrypted to UnionPay's encryption certificate. RSA-OAEP with SHA-256, where the ACP SDKs use PKCS#1
 * v1.5: Node refuses v1.5 decryption (the Marvin timing attack), and OAEP is what a new integration would choose.
 */
export function encryptCardField(value: string, cert: UnionpayCert): string {
  return publicEncrypt({ key: cert.publicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(value, 'utf8')).toString('base64');
}

export function decryptCardField(value: string, privateKeyPem: string): string | undefined {
  try {
    return privateDecrypt({ key: privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(value, 'base64')).toString('utf8');
  } catch {
    return undefined;
  }
}
