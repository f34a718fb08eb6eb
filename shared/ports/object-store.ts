/**
 * Where generated documents (reconciliation reports) are kept: S3 in AWS (KMS-encrypted, private), a folder in local
 * mode. Keys are `/`-separated relative paths; a put replaces the object whole, a get of a missing key is undefined.
 */
export interface ObjectStore {
  put(key: string, body: string, contentType: string): Promise<void>;
  get(key: string): Promise<string | undefined>;
}
