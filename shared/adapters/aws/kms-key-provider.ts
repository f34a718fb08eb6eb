import { DecryptCommand, GenerateDataKeyCommand, GenerateMacCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { DataKeyProvider, EncryptionContext } from '../../ports/key-center.js';

/**
 * KMS as the master key holder: GenerateDataKey / Decrypt under a symmetric CMK, with the encryption context bound
 * by KMS itself, and GenerateMac under an HMAC_256 key for fingerprints. The client is injected (created once).
 */
export class KmsKeyProvider implements DataKeyProvider {
  constructor(
    private readonly kms: KMSClient,
    readonly keyId: string,
    private readonly macKeyId: string,
  ) {}

  async generateDataKey(context: EncryptionContext): Promise<{ plaintext: Buffer; encrypted: Buffer }> {
    const out = await this.kms.send(
      new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: { ...context } }),
    );
    if (!out.Plaintext || !out.CiphertextBlob) throw new Error('KMS GenerateDataKey returned no key');
    return { plaintext: Buffer.from(out.Plaintext), encrypted: Buffer.from(out.CiphertextBlob) };
  }

  async decryptDataKey(encrypted: Buffer, context: EncryptionContext): Promise<Buffer> {
    const out = await this.kms.send(
      new DecryptCommand({ KeyId: this.keyId, CiphertextBlob: encrypted, EncryptionContext: { ...context } }),
    );
    if (!out.Plaintext) throw new Error('KMS Decrypt returned no plaintext');
    return Buffer.from(out.Plaintext);
  }

  async mac(value: string): Promise<Buffer> {
    const out = await this.kms.send(
      new GenerateMacCommand({ KeyId: this.macKeyId, MacAlgorithm: 'HMAC_SHA_256', Message: Buffer.from(value, 'utf8') }),
    );
    if (!out.Mac) throw new Error('KMS GenerateMac returned no MAC');
    return Buffer.from(out.Mac);
  }
}
