import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileKeyProvider } from '../../shared/adapters/local/file-key-provider.js';
import { EnvelopeKeyCenter } from '../../shared/crypto/envelope-key-center.js';
import { liveSealedSecrets, rotationOf } from '../../shared/domain/merchant-secret.js';
import { sign } from '../../shared/domain/signing.js';
import type { SealedBox } from '../../shared/ports/key-center.js';
import type { Merchant, MerchantStore } from '../../shared/ports/stores.js';
import { authenticate } from '../../shared/services/merchants.js';

/**
 * Two live secrets (docs/decisions.md, 230-232): which sealed secrets verify when, and what authentication reads from
 * the store: nothing more for a request that verifies against the cached profile, one read before refusing one that
 * does not (the profile may predate a rotation made in another container).
 */
const box = (ct: string): SealedBox => ({ v: 1, keyId: 'k', edk: '', iv: '', ct, tag: '' });
const T0 = Date.parse('2026-11-28T00:00:00.000Z');

describe('liveSealedSecrets and rotationOf', () => {
  it('keeps the replaced secret live until its expiry instant, excluded', () => {
    const rotation = rotationOf(box('old'), box('new'), 60, T0);
    expect(rotation).toEqual({ sealedSecret: box('new'), previousSealedSecret: box('old'), previousSecretExpiresAt: new Date(T0 + 60_000).toISOString(), secretRotatedAt: new Date(T0).toISOString() });
    expect(liveSealedSecrets(rotation, T0 + 59_999)).toEqual([box('new'), box('old')]);
    expect(liveSealedSecrets(rotation, T0 + 60_000)).toEqual([box('new')]);
  });

  it('drops the replaced secret at once with no grace, and a secret two rotations back always', () => {
    expect(liveSealedSecrets(rotationOf(box('old'), box('new'), 0, T0), T0)).toEqual([box('new')]);
    const first = rotationOf(box('s1'), box('s2'), 86_400, T0);
    const second = rotationOf(first.sealedSecret, box('s3'), 86_400, T0 + 1000);
    expect(liveSealedSecrets(second, T0 + 2000)).toEqual([box('s3'), box('s2')]);
  });

  it('a merchant that never rotated has its one secret', () => {
    expect(liveSealedSecrets({ sealedSecret: box('only') }, T0)).toEqual([box('only')]);
  });
});

describe('authenticate with two live secrets', () => {
  const keyCenter = new EnvelopeKeyCenter(new FileKeyProvider(join(mkdtempSync(join(tmpdir(), 'ms-')), 'master.key')));
  let nowMs = T0;

  /** A store of one merchant that counts its reads; `replace` changes the item as another container would. */
  async function setup() {
    const merchantId = `m_${randomBytes(13).toString('hex').slice(0, 26)}`;
    const secrets = ['first', 'second', 'third'].map((s) => `${s}-${randomBytes(8).toString('hex')}`);
    const seal = (secret: string) => keyCenter.seal(secret, { merchantId });
    let item: Merchant = { merchantId, name: 'Shop', status: 'active', sealedSecret: await seal(secrets[0]!), notifyUrl: null, riskChallengeAmount: null, feeBps: null, createdAt: new Date(T0).toISOString() };
    const reads = { count: 0 };
    const merchants = { get: async () => (reads.count++, item) } as unknown as MerchantStore;
    const deps = { merchants, keyCenter, nonces: { record: async () => 'recorded' as const }, now: () => nowMs };
    const request = (secret: string) => {
      const input = { method: 'GET', pathWithQuery: '/v1/balance', timestamp: String(Math.floor(nowMs / 1000)), nonce: randomBytes(12).toString('hex'), rawBody: '' };
      return authenticate(deps, { merchantId, timestamp: input.timestamp, nonce: input.nonce, signature: sign(secret, input) }, input);
    };
    const rotate = async (next: string, graceSeconds: number) => {
      item = { ...item, ...rotationOf(item.sealedSecret, await seal(next), graceSeconds, nowMs) };
    };
    return { secrets, reads, request, rotate };
  }

  it('reads nothing more for a request that verifies against the cached profile', async () => {
    const { secrets, reads, request } = await setup();
    await request(secrets[0]!);
    await request(secrets[0]!);
    await request(secrets[0]!);
    expect(reads.count).toBe(1);
  });

  it('takes a new secret issued elsewhere after one more read, and the old one during its grace from the cache', async () => {
    const { secrets, reads, request, rotate } = await setup();
    await request(secrets[0]!); // cached with the first secret only
    await rotate(secrets[1]!, 60); // in another container: this one's cache is stale
    await expect(request(secrets[1]!)).resolves.toBeDefined();
    expect(reads.count).toBe(2);
    await request(secrets[0]!);
    await request(secrets[1]!);
    expect(reads.count).toBe(2);
    nowMs += 60_000; // the grace is over
    await expect(request(secrets[0]!)).rejects.toMatchObject({ statusCode: 401, code: 'invalid_signature' });
    await expect(request(secrets[1]!)).resolves.toBeDefined();
  });

  it('refuses a wrong secret with invalid_signature after exactly one read more than a good one', async () => {
    const { secrets, reads, request } = await setup();
    await request(secrets[0]!);
    await expect(request('not-the-secret')).rejects.toMatchObject({ statusCode: 401, code: 'invalid_signature' });
    expect(reads.count).toBe(2);
  });
});
