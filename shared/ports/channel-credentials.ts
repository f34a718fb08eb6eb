/**
 * Where the platform keeps each channel's credentials (merchant private keys, the WeChat Pay APIv3 key, the public
 * keys it verifies the channel with): sealed under the key center, bound to the channel by the encryption context,
 * so neither the table nor a backup holds a usable key. A rotation writes a new version; adapters keep several
 * verifying keys (by key id or certificate serial), so a callback signed with the old key still verifies during it.
 */
export interface ChannelCredentialStore {
  /** Seals and stores `credentials` (any JSON) as the channel's current credentials; returns the new version. */
  put(channelId: string, credentials: unknown): Promise<number>;
  /** The channel's credentials, opened, or undefined when none were stored. */
  get(channelId: string): Promise<{ readonly credentials: unknown; readonly version: number } | undefined>;
}
