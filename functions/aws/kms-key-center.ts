import { KMSClient } from '@aws-sdk/client-kms';
import { KmsKeyProvider } from '../../shared/adapters/aws/kms-key-provider.js';
import { getConfig } from '../../shared/config.js';
import { EnvelopeKeyCenter } from '../../shared/crypto/envelope-key-center.js';
import type { KeyCenter } from '../../shared/ports/key-center.js';

/** The key center in AWS: envelope encryption under the KMS data key, fingerprints with the KMS HMAC key. */
export function kmsKeyCenter(): KeyCenter {
  const config = getConfig();
  if (!config.KMS_DATA_KEY_ID || !config.KMS_FINGERPRINT_KEY_ID) {
    throw new Error('KMS_DATA_KEY_ID and KMS_FINGERPRINT_KEY_ID must be set for a function that uses the key center');
  }
  return new EnvelopeKeyCenter(
    new KmsKeyProvider(new KMSClient({ region: config.AWS_REGION }), config.KMS_DATA_KEY_ID, config.KMS_FINGERPRINT_KEY_ID),
  );
}
