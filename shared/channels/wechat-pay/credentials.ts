import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as z from 'zod/mini';

/** A public key WeChat Pay signs with, and the serial (`Wechatpay-Serial`) that names it. */
export interface WechatPayPublicKey {
  readonly serialNo: string;
  readonly publicKeyPem: string;
}

/**
 * What the platform needs to talk to WeChat Pay as one merchant (商户号). The private key and the APIv3 key are
 * secrets (sealed under the key center at rest, never logged). `platformPublicKeys` is a list: during a rotation WeChat
 * signs with the new key while callbacks signed with the old one may still be in flight, so both stay until the old
 * one is retired.
 */
export interface WechatPayCredentials {
  readonly appId: string;
  readonly mchId: string;
  /** Serial number of the merchant API certificate whose private key signs our requests. */
  readonly merchantSerialNo: string;
  readonly merchantPrivateKeyPem: string;
  /** 32 ASCII characters: decrypts callback resources. */
  readonly apiV3Key: string;
  readonly platformPublicKeys: readonly WechatPayPublicKey[];
}

const publicKeySchema = z.object({ serialNo: z.string().check(z.minLength(1)), publicKeyPem: z.string().check(z.minLength(1)) });

const credentialsSchema = z.object({
  appId: z.string().check(z.minLength(1)),
  mchId: z.string().check(z.regex(/^\d{1,32}$/)),
  merchantSerialNo: z.string().check(z.minLength(1)),
  merchantPrivateKeyPem: z.string().check(z.minLength(1)),
  apiV3Key: z.string().check(z.refine((key) => Buffer.byteLength(key, 'utf8') === 32, { message: 'must be 32 bytes' })),
  platformPublicKeys: z.array(publicKeySchema).check(z.minLength(1)),
});

/**
 * Credentials as opened from the channel credential store (untyped JSON) → typed, or a thrown error naming the field,
 * never the value (it may be a key).
 */
export function parseWechatPayCredentials(value: unknown): WechatPayCredentials {
  const parsed = credentialsSchema.safeParse(value);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new Error(`WeChat Pay credentials are invalid at: ${fields}`);
  }
  return parsed.data;
}

/**
 * The WeChat side of the same merchant, for the sandbox emulator: the merchant public keys it accepts requests from
 * (by certificate serial), the platform key it signs responses and callbacks with, and the shared APIv3 key.
 */
export interface WechatPaySandboxKeys {
  readonly appId: string;
  readonly mchId: string;
  readonly merchantPublicKeys: readonly WechatPayPublicKey[];
  readonly platformSerialNo: string;
  readonly platformPrivateKeyPem: string;
  readonly apiV3Key: string;
}

function rsaPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

/** A WeChat Pay public key id, in the shape WeChat gives them (`PUB_KEY_ID_` and 28 digits). */
function publicKeyId(): string {
  const digits = Array.from(randomBytes(28), (b) => String(b % 10)).join('');
  return `PUB_KEY_ID_${digits}`;
}

/**
 * A matching pair of key sets for local mode: fresh RSA-2048 keys for the merchant and for the WeChat platform, and a
 * random APIv3 key. `channel` configures the emulator, `platform` the adapter (the lead seals it under the key
 * center). A rotation is a new `platformSerialNo`/key on the channel side and one more entry in
 * `platformPublicKeys` on ours: see `rotateSandboxWechatPayPlatformKey`.
 */
export function generateSandboxWechatPayKeys(
  options: { appId?: string; mchId?: string } = {},
): { channel: WechatPaySandboxKeys; platform: WechatPayCredentials } {
  const appId = options.appId ?? `wx${randomBytes(8).toString('hex')}`;
  const mchId = options.mchId ?? String(1_900_000_000 + randomBytes(3).readUIntBE(0, 3));
  const merchant = rsaPair();
  const wechat = rsaPair();
  const merchantSerialNo = randomBytes(20).toString('hex').toUpperCase();
  const platformSerialNo = publicKeyId();
  // Printable characters only: merchants type the APIv3 key into WeChat's console.
  const apiV3Key = randomBytes(16).toString('hex');
  return {
    channel: {
      appId,
      mchId,
      merchantPublicKeys: [{ serialNo: merchantSerialNo, publicKeyPem: merchant.publicKeyPem }],
      platformSerialNo,
      platformPrivateKeyPem: wechat.privateKeyPem,
      apiV3Key,
    },
    platform: {
      appId,
      mchId,
      merchantSerialNo,
      merchantPrivateKeyPem: merchant.privateKeyPem,
      apiV3Key,
      platformPublicKeys: [{ serialNo: platformSerialNo, publicKeyPem: wechat.publicKeyPem }],
    },
  };
}

/**
 * WeChat rotates its platform key: the channel signs with a new key from now on, and the platform adds the new public
 * key to its list while keeping the old one (callbacks signed before the switch are still being retried).
 */
export function rotateSandboxWechatPayPlatformKey(keys: { channel: WechatPaySandboxKeys; platform: WechatPayCredentials }): {
  channel: WechatPaySandboxKeys;
  platform: WechatPayCredentials;
} {
  const wechat = rsaPair();
  const serialNo = publicKeyId();
  return {
    channel: { ...keys.channel, platformSerialNo: serialNo, platformPrivateKeyPem: wechat.privateKeyPem },
    platform: {
      ...keys.platform,
      platformPublicKeys: [...keys.platform.platformPublicKeys, { serialNo, publicKeyPem: wechat.publicKeyPem }],
    },
  };
}
