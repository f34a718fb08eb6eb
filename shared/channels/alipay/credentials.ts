import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { parseChannelCredentials } from '../credentials-parser.js';

/** A public key Alipay signs with, named by its certificate serial (`alipay_cert_sn` in cert mode). */
export interface AlipayPublicKey {
  readonly certSn: string;
  readonly publicKeyPem: string;
}

/**
 * What the platform holds for one Alipay app. The private key is sealed under the key center at rest. Alipay's
 * verifying keys are a list: during a rotation the old and the new key are both listed, so an answer or a notification
 * signed with either still verifies and no callback is dropped; the old one is removed once Alipay signs with the new.
 */
export interface AlipayCredentials {
  readonly appId: string;
  readonly appPrivateKeyPem: string;
  /** The serial of the app key Alipay holds for us, sent as `app_cert_sn` so Alipay picks the matching public key. */
  readonly appCertSn: string;
  readonly alipayPublicKeys: readonly AlipayPublicKey[];
}

/** The channel's side, for the sandbox emulator: the app's public keys it verifies requests with, and its own key. */
export interface AlipaySandboxChannelKeys {
  readonly appId: string;
  readonly appPublicKeys: readonly { readonly certSn: string; readonly publicKeyPem: string }[];
  readonly alipaySigningKey: { readonly certSn: string; readonly privateKeyPem: string };
}

/** A fresh RSA-2048 pair as PEM text, named by a certificate-serial-shaped id (32 hex characters, like an MD5 sn). */
export function generateAlipayKeyPair(): { certSn: string; publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { certSn: randomBytes(16).toString('hex'), publicKeyPem: publicKey, privateKeyPem: privateKey };
}

/**
 * A matching pair of key sets for local mode: the app key pair (its private half for the adapter, its public half
 * for the emulator) and the sandbox Alipay key pair (its private half for the emulator, its public half for the
 * adapter). App ids look like Alipay's: 16 digits starting 2021.
 */
export function generateSandboxAlipayKeys(): { channel: AlipaySandboxChannelKeys; platform: AlipayCredentials } {
  const appId = `2021${String(BigInt(`0x${randomBytes(8).toString('hex')}`) % 10n ** 12n).padStart(12, '0')}`;
  const app = generateAlipayKeyPair();
  const alipay = generateAlipayKeyPair();
  return {
    channel: {
      appId,
      appPublicKeys: [{ certSn: app.certSn, publicKeyPem: app.publicKeyPem }],
      alipaySigningKey: { certSn: alipay.certSn, privateKeyPem: alipay.privateKeyPem },
    },
    platform: {
      appId,
      appPrivateKeyPem: app.privateKeyPem,
      appCertSn: app.certSn,
      alipayPublicKeys: [{ certSn: alipay.certSn, publicKeyPem: alipay.publicKeyPem }],
    },
  };
}

const nonEmpty = z.string().check(z.minLength(1));
const alipayCredentialsSchema = z.object({
  appId: nonEmpty,
  appPrivateKeyPem: nonEmpty,
  appCertSn: nonEmpty,
  alipayPublicKeys: z.array(z.object({ certSn: nonEmpty, publicKeyPem: nonEmpty })).check(z.minLength(1)),
});

/** Credentials as opened from the channel credential store → typed, or an error naming the bad fields (never values). */
export function parseAlipayCredentials(value: unknown): AlipayCredentials {
  return parseChannelCredentials('Alipay', alipayCredentialsSchema, value);
}
