import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecryptCommand, GenerateDataKeyCommand, GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { KmsKeyProvider } from '../../shared/adapters/aws/kms-key-provider.js';
import { FileKeyProvider } from '../../shared/adapters/local/file-key-provider.js';
import { EnvelopeKeyCenter } from '../../shared/crypto/envelope-key-center.js';
import type { DataKeyProvider } from '../../shared/ports/key-center.js';

const keyFile = () => join(mkdtempSync(join(tmpdir(), 'kc-')), 'master.key');

/** Counts the provider calls, to see the cache at work. */
function counting(provider: DataKeyProvider) {
  const calls = { decrypt: 0 };
  const wrapped: DataKeyProvider = {
    keyId: provider.keyId,
    generateDataKey: (c) => provider.generateDataKey(c),
    decryptDataKey: (e, c) => {
      calls.decrypt += 1;
      return provider.decryptDataKey(e, c);
    },
    mac: (v) => provider.mac(v),
  };
  return { wrapped, calls };
}

describe('envelope key center over the local master key', () => {
  it('creates the master key with mode 600 and round-trips a secret that is never stored in the clear', async () => {
    const file = keyFile();
    const center = new EnvelopeKeyCenter(new FileKeyProvider(file));
    const box = await center.seal('sk_live_secret', { merchantId: 'm_1' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(box)).not.toContain('sk_live_secret');
    expect(box).toMatchObject({ v: 1, keyId: expect.any(String) });
    expect(await center.open(box, { merchantId: 'm_1' })).toBe('sk_live_secret');
    // Another process with the same key file opens it too.
    expect(await new EnvelopeKeyCenter(new FileKeyProvider(file)).open(box, { merchantId: 'm_1' })).toBe('sk_live_secret');
  });

  it('refuses another encryption context and any tampered field', async () => {
    const center = new EnvelopeKeyCenter(new FileKeyProvider(keyFile()));
    const box = await center.seal('4242424242424242', { paymentId: 'pay_1' });
    await expect(center.open(box, { paymentId: 'pay_2' }, { cache: false })).rejects.toThrow();
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0] = bytes[0]! ^ 1;
      return bytes.toString('base64');
    };
    for (const field of ['ct', 'iv', 'tag', 'edk'] as const) {
      await expect(center.open({ ...box, [field]: flip(box[field]) }, { paymentId: 'pay_1' }, { cache: false }), field).rejects.toThrow();
    }
  });

  it('caches opened secrets for a short time only, and never values opened with cache: false', async () => {
    let now = 0;
    const { wrapped, calls } = counting(new FileKeyProvider(keyFile()));
    const center = new EnvelopeKeyCenter(wrapped, { openTtlMs: 1_000, now: () => now });
    const box = await center.seal('secret', { merchantId: 'm' });
    await center.open(box, { merchantId: 'm' });
    await center.open(box, { merchantId: 'm' });
    expect(calls.decrypt).toBe(1);
    now = 1_001;
    await center.open(box, { merchantId: 'm' });
    expect(calls.decrypt).toBe(2);
    const card = await center.seal('4242424242424242', { paymentId: 'p' });
    await center.open(card, { paymentId: 'p' }, { cache: false });
    await center.open(card, { paymentId: 'p' }, { cache: false });
    expect(calls.decrypt).toBe(4);
  });

  it('fingerprints deterministically per key, without revealing the value', async () => {
    const file = keyFile();
    const a = new EnvelopeKeyCenter(new FileKeyProvider(file));
    const b = new EnvelopeKeyCenter(new FileKeyProvider(keyFile()));
    const fp = await a.fingerprint('4242424242424242');
    expect(fp).toMatch(/^[0-9a-f]{32}$/);
    expect(await a.fingerprint('4242424242424242')).toBe(fp);
    expect(await a.fingerprint('4000000000000002')).not.toBe(fp);
    expect(await b.fingerprint('4242424242424242')).not.toBe(fp);
  });
});

describe('KMS key provider (aws-sdk-client-mock)', () => {
  const kms = mockClient(KMSClient);
  afterEach(() => kms.reset());

  it('generates and decrypts data keys under the data key with the encryption context, and MACs with the HMAC key', async () => {
    const plaintext = Buffer.alloc(32, 7);
    kms.on(GenerateDataKeyCommand).resolves({ Plaintext: plaintext, CiphertextBlob: Buffer.from('wrapped') });
    kms.on(DecryptCommand).resolves({ Plaintext: plaintext });
    kms.on(GenerateMacCommand).resolves({ Mac: Buffer.alloc(32, 1) });
    const center = new EnvelopeKeyCenter(new KmsKeyProvider(new KMSClient({ region: 'eu-west-1' }), 'data-key-arn', 'mac-key-arn'));

    const box = await center.seal('secret', { merchantId: 'm_1' });
    expect(box.keyId).toBe('data-key-arn');
    expect(await center.open(box, { merchantId: 'm_1' })).toBe('secret');
    expect(await center.fingerprint('4242')).toBe('01'.repeat(16));

    expect(kms.commandCalls(GenerateDataKeyCommand)[0]!.args[0].input).toEqual({
      KeyId: 'data-key-arn',
      KeySpec: 'AES_256',
      EncryptionContext: { merchantId: 'm_1' },
    });
    expect(kms.commandCalls(DecryptCommand)[0]!.args[0].input).toMatchObject({
      KeyId: 'data-key-arn',
      EncryptionContext: { merchantId: 'm_1' },
    });
    expect(Buffer.from(kms.commandCalls(DecryptCommand)[0]!.args[0].input.CiphertextBlob!).toString()).toBe('wrapped');
    expect(kms.commandCalls(GenerateMacCommand)[0]!.args[0].input).toMatchObject({ KeyId: 'mac-key-arn', MacAlgorithm: 'HMAC_SHA_256' });
  });

  it('lets KMS failures through, and refuses empty answers', async () => {
    const provider = new KmsKeyProvider(new KMSClient({ region: 'eu-west-1' }), 'k', 'm');
    kms.on(DecryptCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(provider.decryptDataKey(Buffer.from('x'), {})).rejects.toThrow('denied');
    kms.on(GenerateDataKeyCommand).resolves({});
    await expect(provider.generateDataKey({})).rejects.toThrow(/no key/);
  });
});
