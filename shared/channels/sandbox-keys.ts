import { generateKeyPairSync } from 'node:crypto';

/** A fresh RSA-2048 pair as PEM (SPKI public, PKCS#8 private), for the sandbox channels' generated key sets. */
export function rsaKeyPairPem(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
