import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlatformKey, WebhookSigner } from '../../ports/notifications.js';

interface LocalKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
}

/**
 * The local key center's webhook key: an ECDSA P-256 key pair generated on first start under `.data/webhook-keys/`
 * (PKCS#8 PEM, file mode 600), the stand-in for the KMS ECC_NIST_P256 key. Files sort by creation time; the newest
 * signs, older ones are published as `retiring` until their file is removed (how a rotation is run locally).
 */
export class FileWebhookSigner implements WebhookSigner {
  private constructor(private readonly keys: readonly LocalKey[]) {}

  static open(dir: string): FileWebhookSigner {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (keyFiles(dir).length === 0) FileWebhookSigner.rotate(dir);
    const keys = keyFiles(dir)
      .reverse()
      .map((file): LocalKey => {
        const privateKey = createPrivateKey(readFileSync(join(dir, file), 'utf8'));
        return { keyId: file.replace(/\.pem$/, ''), privateKey, publicKeyPem: publicPem(privateKey) };
      });
    return new FileWebhookSigner(keys);
  }

  /** Adds a new key, which becomes the active one the next time the signer is opened. Returns its key id. */
  static rotate(dir: string, nowMs = Date.now()): string {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const fingerprint = createHash('sha256').update(publicPem(privateKey)).digest('hex').slice(0, 12);
    const keyId = `local-${nowMs.toString(36).padStart(9, '0')}-${fingerprint}`;
    const file = join(dir, `${keyId}.pem`);
    writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    chmodSync(file, 0o600);
    return keyId;
  }

  get keyId(): string {
    return this.keys[0]!.keyId;
  }

  async sign(data: Buffer): Promise<Buffer> {
    return sign('sha256', data, { key: this.keys[0]!.privateKey, dsaEncoding: 'der' });
  }

  async publicKeys(): Promise<PlatformKey[]> {
    return this.keys.map((k, i) => ({
      keyId: k.keyId,
      algorithm: 'ECDSA_P256_SHA256',
      publicKeyPem: k.publicKeyPem,
      status: i === 0 ? 'active' : 'retiring',
    }));
  }
}

function keyFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith('local-') && f.endsWith('.pem')).sort();
}

function publicPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
}
