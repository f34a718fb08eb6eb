import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { DataKeyProvider, EncryptionContext, KeyCenter, OpenOptions, SealedBox } from '../ports/key-center.js';

/**
 * AES-256-GCM envelope encryption over any DataKeyProvider. Two caches keep the key center off the hot path:
 * opened values (merchant secrets) for `openTtlMs`, and the plaintext of recently unwrapped data keys. Neither cache
 * is ever logged or serialised. The encryption context is the GCM additional data, so a box only opens for its owner.
 */
export interface EnvelopeKeyCenterOptions {
  readonly openTtlMs?: number;
  readonly now?: () => number;
}

export class EnvelopeKeyCenter implements KeyCenter {
  private readonly opened = new Map<string, { value: string; expiresAt: number }>();
  private readonly openTtlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly provider: DataKeyProvider,
    options: EnvelopeKeyCenterOptions = {},
  ) {
    this.openTtlMs = options.openTtlMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  async seal(plaintext: string, context: EncryptionContext): Promise<SealedBox> {
    const dataKey = await this.provider.generateDataKey(context);
    try {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', dataKey.plaintext, iv);
      cipher.setAAD(aad(context));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return {
        v: 1,
        keyId: this.provider.keyId,
        edk: dataKey.encrypted.toString('base64'),
        iv: iv.toString('base64'),
        ct: ct.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
      };
    } finally {
      dataKey.plaintext.fill(0);
    }
  }

  async open(box: SealedBox, context: EncryptionContext, options: OpenOptions = {}): Promise<string> {
    const cache = options.cache ?? true;
    const cacheKey = createHash('sha256').update(box.ct).update(box.edk).update(aad(context)).digest('base64');
    const hit = this.opened.get(cacheKey);
    if (hit && hit.expiresAt > this.now()) return hit.value;
    const key = await this.provider.decryptDataKey(Buffer.from(box.edk, 'base64'), context);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(box.iv, 'base64'));
      decipher.setAAD(aad(context));
      decipher.setAuthTag(Buffer.from(box.tag, 'base64'));
      const value = Buffer.concat([decipher.update(Buffer.from(box.ct, 'base64')), decipher.final()]).toString('utf8');
      if (cache) this.opened.set(cacheKey, { value, expiresAt: this.now() + this.openTtlMs });
      return value;
    } finally {
      key.fill(0);
    }
  }

  async fingerprint(value: string): Promise<string> {
    return (await this.provider.mac(value)).toString('hex').slice(0, 32);
  }
}

/** Canonical, order-independent encoding of the context. */
export function aad(context: EncryptionContext): Buffer {
  return Buffer.from(JSON.stringify(Object.entries(context).sort(([a], [b]) => a.localeCompare(b))), 'utf8');
}
