import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { aad } from '../../crypto/envelope-key-center.js';
import type { DataKeyProvider, EncryptionContext } from '../../ports/key-center.js';

/**
 * The local key center's master key: 32 random bytes generated on first start in a file of mode 600. Data keys are
 * wrapped with AES-256-GCM under it, with the encryption context as additional data, as KMS does.
 */
export class FileKeyProvider implements DataKeyProvider {
  readonly keyId: string;
  private readonly master: Buffer;
  private readonly macKey: Buffer;

  constructor(path: string) {
    this.master = loadOrCreateKey(path);
    this.keyId = `local:${createHmac('sha256', this.master).update('key-id').digest('hex').slice(0, 16)}`;
    this.macKey = Buffer.from(hkdfSync('sha256', this.master, Buffer.alloc(0), 'card-fingerprint', 32));
  }

  async generateDataKey(context: EncryptionContext): Promise<{ plaintext: Buffer; encrypted: Buffer }> {
    const plaintext = randomBytes(32);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.master, iv);
    cipher.setAAD(aad(context));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { plaintext, encrypted: Buffer.concat([iv, cipher.getAuthTag(), ct]) };
  }

  async decryptDataKey(encrypted: Buffer, context: EncryptionContext): Promise<Buffer> {
    const decipher = createDecipheriv('aes-256-gcm', this.master, encrypted.subarray(0, 12));
    decipher.setAAD(aad(context));
    decipher.setAuthTag(encrypted.subarray(12, 28));
    return Buffer.concat([decipher.update(encrypted.subarray(28)), decipher.final()]);
  }

  async mac(value: string): Promise<Buffer> {
    return createHmac('sha256', this.macKey).update(value, 'utf8').digest();
  }
}

function loadOrCreateKey(path: string): Buffer {
  if (existsSync(path)) {
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte base64 key`);
    return key;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return key;
}
