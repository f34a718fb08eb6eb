import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTable, localDynamoDbClient } from '../../infra/local/dynamodb-local.js';
import { DynamoChannelCredentialStore } from '../../shared/adapters/dynamodb/channel-credential-store.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { keys } from '../../shared/adapters/dynamodb/keys.js';
import { FileKeyProvider } from '../../shared/adapters/local/file-key-provider.js';
import { EnvelopeKeyCenter } from '../../shared/crypto/envelope-key-center.js';
import type { KeyCenter } from '../../shared/ports/key-center.js';

const table = `creds-${randomBytes(6).toString('hex')}`;
const db = createDocumentClient({ endpoint: inject('dynamoEndpoint'), region: 'local' });
const keyCenter = new EnvelopeKeyCenter(new FileKeyProvider(join(mkdtempSync(join(tmpdir(), 'creds-')), 'master.key')));
const store = new DynamoChannelCredentialStore(db, table, keyCenter);

beforeAll(async () => {
  const admin = localDynamoDbClient(inject('dynamoEndpoint'));
  await ensureTable(admin, table);
  admin.destroy();
});
afterAll(() => db.destroy());

const privateKeyPem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC…\n-----END PRIVATE KEY-----\n';

describe('channel credentials', () => {
  it('stores them sealed: the item holds no key material in the clear, and opens to what was put', async () => {
    const credentials = { mchId: '1900000001', privateKeyPem, apiV3Key: 'k'.repeat(32), platformKeys: [{ serial: 'S1', publicKeyPem: 'PEM' }] };
    expect(await store.put('wechat_pay', credentials)).toBe(1);

    const raw = await db.send(new GetCommand({ TableName: table, Key: keys.channelCredentials('wechat_pay') }));
    const text = JSON.stringify(raw.Item);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain('k'.repeat(32));
    expect(raw.Item?.sealed).toMatchObject({ v: 1, ct: expect.any(String), edk: expect.any(String) });

    expect(await store.get('wechat_pay')).toEqual({ credentials, version: 1 });
    expect(await store.get('alipay')).toBeUndefined();
  });

  it('binds the sealed value to its channel: moved to another channel it does not open', async () => {
    await store.put('channel_a', { secret: 'a' });
    const raw = await db.send(new GetCommand({ TableName: table, Key: keys.channelCredentials('channel_a') }));
    await db.send(new PutCommand({ TableName: table, Item: { ...raw.Item, ...keys.channelCredentials('channel_b'), channelId: 'channel_b' } }));
    await expect(store.get('channel_b')).rejects.toThrow();
  });

  it('a rotation is a new version, and of two rotations racing from the same version only one lands', async () => {
    await store.put('alipay', { keyId: 'k1' });
    expect(await store.put('alipay', { keyId: 'k2' })).toBe(2);
    expect((await store.get('alipay'))?.credentials).toEqual({ keyId: 'k2' });

    // A rotation that read version 2 and is still sealing when another rotation lands must not overwrite it.
    let release!: () => void;
    let entered!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sealing = new Promise<void>((resolve) => (entered = resolve));
    const slowKeyCenter: KeyCenter = {
      open: (...args) => keyCenter.open(...args),
      fingerprint: (value) => keyCenter.fingerprint(value),
      seal: async (...args: Parameters<typeof keyCenter.seal>) => {
        entered();
        await gate;
        return keyCenter.seal(...args);
      },
    };
    const slow = new DynamoChannelCredentialStore(db, table, slowKeyCenter);
    const stale = slow.put('alipay', { keyId: 'stale' });
    await sealing; // it has read version 2 and waits in seal
    expect(await store.put('alipay', { keyId: 'k3' })).toBe(3);
    release();
    await expect(stale).rejects.toThrow(/conditional/i);
    expect((await store.get('alipay'))?.credentials).toEqual({ keyId: 'k3' });
    expect((await store.get('alipay'))?.version).toBe(3);
  });
});
