import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileWebhookSigner } from '../../shared/adapters/local/file-webhook-signer.js';

describe('local webhook signing key', () => {
  it('is generated once, mode 600, and its DER signatures verify with the published PEM', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'whk-')), 'webhook-keys');
    const signer = FileWebhookSigner.open(dir);
    const [file] = readdirSync(dir);
    expect(statSync(join(dir, file!)).mode & 0o777).toBe(0o600);
    expect(FileWebhookSigner.open(dir).keyId).toBe(signer.keyId); // reused, not regenerated
    const data = Buffer.from('1795560000.{"id":"evt_1"}');
    const signature = await signer.sign(data);
    const [key] = await signer.publicKeys();
    expect(key).toMatchObject({ keyId: signer.keyId, algorithm: 'ECDSA_P256_SHA256', status: 'active' });
    expect(verify('sha256', data, createPublicKey(key!.publicKeyPem), signature)).toBe(true);
    expect(verify('sha256', Buffer.from('tampered'), createPublicKey(key!.publicKeyPem), signature)).toBe(false);
  });

  it('rotates: the new key signs, the old one stays published as retiring and still verifies old deliveries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whk-'));
    const before = FileWebhookSigner.open(dir);
    const oldSignature = await before.sign(Buffer.from('old'));
    const newKeyId = FileWebhookSigner.rotate(dir, Date.now() + 1_000);
    const after = FileWebhookSigner.open(dir);
    expect(after.keyId).toBe(newKeyId);
    const keys = await after.publicKeys();
    expect(keys.map((k) => [k.keyId, k.status])).toEqual([
      [newKeyId, 'active'],
      [before.keyId, 'retiring'],
    ]);
    const retiring = keys.find((k) => k.status === 'retiring')!;
    expect(verify('sha256', Buffer.from('old'), createPublicKey(retiring.publicKeyPem), oldSignature)).toBe(true);
  });
});
