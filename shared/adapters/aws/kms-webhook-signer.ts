import { createHash, createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { PlatformKey, WebhookSigner } from '../../ports/notifications.js';

/**
 * Webhook signatures by KMS: an ECC_NIST_P256 SIGN_VERIFY key, ECDSA_SHA_256. The digest is computed here and sent
 * as MessageType DIGEST, so bodies larger than KMS's 4 KB raw-message limit sign the same way. KMS returns the
 * DER-encoded signature. Public keys (active, and retiring ones during a rotation) are fetched once per container.
 */
export class KmsWebhookSigner implements WebhookSigner {
  private published?: Promise<PlatformKey[]>;

  constructor(
    private readonly kms: KMSClient,
    readonly keyId: string,
    private readonly retiringKeyIds: readonly string[] = [],
  ) {}

  async sign(data: Buffer): Promise<Buffer> {
    const out = await this.kms.send(
      new SignCommand({
        KeyId: this.keyId,
        Message: createHash('sha256').update(data).digest(),
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    if (!out.Signature) throw new Error('KMS Sign returned no signature');
    return Buffer.from(out.Signature);
  }

  publicKeys(): Promise<PlatformKey[]> {
    this.published ??= Promise.all(
      [this.keyId, ...this.retiringKeyIds].map(async (keyId, i): Promise<PlatformKey> => {
        const out = await this.kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
        if (!out.PublicKey) throw new Error(`KMS GetPublicKey returned no key for ${keyId}`);
        const pem = createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' })
          .export({ format: 'pem', type: 'spki' })
          .toString();
        return { keyId, algorithm: 'ECDSA_P256_SHA256', publicKeyPem: pem, status: i === 0 ? 'active' : 'retiring' };
      }),
    ).catch((error: unknown) => {
      this.published = undefined; // do not cache a failure
      throw error;
    });
    return this.published;
  }
}
