import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoChannelCredentialStore } from '../../shared/adapters/dynamodb/channel-credential-store.js';
import { FileKeyProvider } from '../../shared/adapters/local/file-key-provider.js';
import { EnvelopeKeyCenter } from '../../shared/crypto/envelope-key-center.js';
import { startRuntime, type Runtime } from '../../infra/local/runtime.js';

/**
 * The local runtime's sandbox channels: the four emulators mounted under `/sandbox/channels/<id>`, each channel's key
 * pair generated on first start (channel side in a mode-600 file, platform side sealed in the credential store) and
 * reused on restart, and the registry's adapters built from those credentials talking to the emulators over HTTP.
 */
const WALLET_CHANNELS = ['wechat_pay', 'alipay', 'netbank', 'unionpay'] as const;

describe('local runtime: sandbox channels', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pay-sandbox-'));
  const tableName = `test-${randomBytes(6).toString('hex')}`;
  const start = () =>
    startRuntime({ dynamoEndpoint: inject('dynamoEndpoint'), tableName, dataDir, port: 0, retryIntervalMs: 10, retryTimeScale: 0.001 });
  let runtime: Runtime;

  beforeAll(async () => {
    runtime = await start();
  });
  afterAll(async () => runtime?.stop());

  it('builds every wallet, bank and UnionPay channel and routes to it', () => {
    for (const id of WALLET_CHANNELS) expect(runtime.deps.channels.get(id)?.id).toBe(id);
    expect(runtime.deps.channelCatalog.map((row) => row.id)).toEqual(expect.arrayContaining([...WALLET_CHANNELS]));
  });

  it('keeps each channel side in a mode-600 file and the platform side sealed in the table (no plain private key)', async () => {
    for (const id of WALLET_CHANNELS) {
      const file = join(dataDir, 'sandbox-channels', `${id}.json`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(() => JSON.parse(readFileSync(file, 'utf8')) as unknown).not.toThrow();
    }
    const db = createDocumentClient({ endpoint: runtime.dynamoEndpoint, region: 'local' });
    const raw = await db.send(new ScanCommand({ TableName: tableName }));
    const text = JSON.stringify(raw.Items);
    expect(text).not.toContain('PRIVATE KEY');
    db.destroy();
  });

  it('answers a signed adapter call through the gateway with the stored credentials (a query of an unknown payment)', async () => {
    for (const id of ['wechat_pay', 'alipay', 'netbank'] as const) {
      const state = await runtime.deps.channels.get(id)!.queryPayment!({ paymentId: `pay_${randomBytes(8).toString('hex')}`, channelPaymentId: null });
      expect(state.status).toBe('not_found');
    }
  });

  it('mounts the sandbox complete endpoint of each emulator, not the API router', async () => {
    for (const id of ['wechat_pay', 'alipay', 'netbank'] as const) {
      const res = await fetch(`${runtime.url}/sandbox/channels/${id}/payments/pay_unknown/complete`, { method: 'POST', body: '{}' });
      const body = await res.text();
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(body).not.toContain('route_not_found');
    }
    const unmounted = await fetch(`${runtime.url}/sandbox/channels/nope/payments/pay_x/complete`, { method: 'POST' });
    expect(unmounted.status).toBe(404);
    expect(((await unmounted.json()) as { error: { code: string } }).error.code).toBe('route_not_found');
  });

  it('reuses both halves of every key pair on restart', async () => {
    const before = WALLET_CHANNELS.map((id) => readFileSync(join(dataDir, 'sandbox-channels', `${id}.json`), 'utf8'));
    await runtime.stop();
    runtime = await start();
    const after = WALLET_CHANNELS.map((id) => readFileSync(join(dataDir, 'sandbox-channels', `${id}.json`), 'utf8'));
    expect(after).toEqual(before);
    const store = new DynamoChannelCredentialStore(
      createDocumentClient({ endpoint: runtime.dynamoEndpoint, region: 'local' }),
      tableName,
      new EnvelopeKeyCenter(new FileKeyProvider(join(dataDir, 'master.key'))),
    );
    for (const id of WALLET_CHANNELS) expect((await store.get(id))?.version).toBe(1);
    const state = await runtime.deps.channels.get('wechat_pay')!.queryPayment!({ paymentId: 'pay_restart0001', channelPaymentId: null });
    expect(state.status).toBe('not_found');
  });
});
