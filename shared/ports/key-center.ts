/**
 * The key center. Secrets (merchant signing secrets, card data in flight) are sealed under envelope encryption:
 * a data key from the key center encrypts the value with AES-256-GCM, and only the encrypted data key is kept.
 */
export interface SealedBox {
  readonly v: 1;
  /** Which master key wrapped the data key. */
  readonly keyId: string;
  /** The data key, encrypted by the master key (base64). */
  readonly edk: string;
  readonly iv: string;
  readonly ct: string;
  readonly tag: string;
}

/** Binds a sealed value to its owner: opening with another context fails. */
export type EncryptionContext = Readonly<Record<string, string>>;

export interface OpenOptions {
  /** false for values used once (card data): they are not kept in the opened-value cache. Default true. */
  readonly cache?: boolean;
}

export interface KeyCenter {
  seal(plaintext: string, context: EncryptionContext): Promise<SealedBox>;
  open(box: SealedBox, context: EncryptionContext, options?: OpenOptions): Promise<string>;
  /** A keyed, stable, one-way hash (hex) for card fingerprints and blocklists. */
  fingerprint(value: string): Promise<string>;
}

/** What a master key holder (KMS, a local key file) must do; the envelope logic is shared. */
export interface DataKeyProvider {
  readonly keyId: string;
  generateDataKey(context: EncryptionContext): Promise<{ plaintext: Buffer; encrypted: Buffer }>;
  decryptDataKey(encrypted: Buffer, context: EncryptionContext): Promise<Buffer>;
  mac(value: string): Promise<Buffer>;
}
