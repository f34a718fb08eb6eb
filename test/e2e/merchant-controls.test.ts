import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PaymentClient } from '../../sdk/src/index.js';
import { ApiClient, type Credentials } from '../support/api-client.js';
import { opsCall, type OpsAnswer } from '../support/ops-client.js';
import { useTestRuntime } from '../support/runtime.js';
import { useSecondContainer } from '../support/second-runtime.js';

/**
 * Merchant controls through the operations API over HTTP (docs/operations.md, "Merchants"; decisions 230-235):
 * create, secret rotation with two live secrets, disable / enable, fees, each call in the audit trail. Container A is
 * this process's runtime (which also serves the ops API), container B a runtime in a child process on the same table,
 * with a merchant cache of its own: what B does after a change made through A is what another Lambda container does.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'pay-mc-'));
const env = useTestRuntime({ dataDir });
const containerB = useSecondContainer(env, dataDir);
const opsRequestIds: string[] = [];

async function ops(method: string, path: string, body?: unknown): Promise<OpsAnswer> {
  const answer = await opsCall(env.runtime, method, path, body === undefined ? {} : { body });
  if (answer.requestId) opsRequestIds.push(answer.requestId);
  return answer;
}

async function newMerchant(name: string): Promise<Credentials> {
  const created = await ops('POST', '/ops/v1/merchants', { name });
  expect(created.status).toBe(201);
  return { merchantId: created.body.merchantId, secret: created.body.secret };
}

/** Both containers, signing with these credentials. */
const clients = (credentials: Credentials) => [env.api.as(credentials), new ApiClient(containerB.url, credentials)] as const;

const expectInvalidSignature = (res: { status: number; body: any }, what: string) => {
  expect(res.status, what).toBe(401);
  expect(res.body.error, what).toMatchObject({ type: 'authentication', code: 'invalid_signature' });
};

describe('creating a merchant', () => {
  it('answers its id and secret once; the secret signs requests; the merchant as shown and listed carries no secret', async () => {
    const created = await ops('POST', '/ops/v1/merchants', { name: 'Ops-made shop', fees: { default: { bps: 50, fixed: 0 } } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ object: 'merchant', name: 'Ops-made shop', status: 'active', fees: { default: { bps: 50, fixed: 0 }, methods: {} } });
    expect(created.body.merchantId).toMatch(/^m_[0-9a-z]{26}$/);
    expect(created.body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.body).not.toHaveProperty('sealedSecret');
    const credentials = { merchantId: created.body.merchantId, secret: created.body.secret };
    for (const client of clients(credentials)) expect((await client.get('/v1/balance')).status).toBe(200);

    const shown = await ops('GET', `/ops/v1/merchants/${credentials.merchantId}`);
    expect(shown.body).toMatchObject({ merchantId: credentials.merchantId, previousSecretExpiresAt: null });
    expect(JSON.stringify(shown.body)).not.toContain(credentials.secret);
    expect(shown.body).not.toHaveProperty('secret');
  });

  it('refuses a bad body with 400 naming the field, and stores nothing', async () => {
    const count = async () => (await ops('GET', '/ops/v1/merchants?limit=100')).body.data.length;
    const before = await count();
    for (const [body, param] of [
      [{ name: 'Bad fee', fees: { default: { bps: 1.5, fixed: 0 } } }, 'fees.default.bps'],
      [{ name: '' }, 'name'],
      [{ name: 'Extra', secret: 'chosen-by-me' }, 'secret'],
      [{ name: 'Bad URL', notifyUrl: 'ftp://x' }, 'notifyUrl'],
    ] as const) {
      const refused = await ops('POST', '/ops/v1/merchants', body);
      expect(refused.status, param).toBe(400);
      expect(refused.body.error, param).toMatchObject({ type: 'invalid_request', param, requestId: refused.requestId });
    }
    expect(await count()).toBe(before);
  });
});

describe('secret rotation', () => {
  it('loses no request of a client that keeps sending while the operator rotates and the client switches', async () => {
    const credentials = await newMerchant('Rotating shop');
    let current = credentials.secret;
    const statuses: number[] = [];
    const recording = (async (url: string | URL, init?: RequestInit) => {
      const res = await fetch(url, init);
      statuses.push(res.status);
      return res;
    }) as typeof fetch;
    // No retries: any refused request would throw, and every answer is recorded.
    const sdk = [env.runtime.url, containerB.url].map((baseUrl) => new PaymentClient({ baseUrl, merchantId: credentials.merchantId, secret: () => current, fetch: recording, maxRetries: 0 }));
    let rotated = false;
    let stop = false;
    const sender = (async () => {
      let sentAfterSwitch = 0;
      for (let i = 0; !stop || sentAfterSwitch < 6; i += 1) {
        await sdk[i % 2]!.balance.retrieve();
        if (rotated) sentAfterSwitch += 1;
      }
    })();
    // Both containers have served (and cached) the merchant before the rotation.
    while (statuses.length < 6) await new Promise((resolve) => setTimeout(resolve, 20));
    const rotation = await ops('POST', `/ops/v1/merchants/${credentials.merchantId}/secret/rotate`, {});
    expect(rotation.status).toBe(200);
    const newSecret = rotation.body.secret as string;
    expect(newSecret).not.toBe(credentials.secret);
    expect(Date.parse(rotation.body.previousSecretExpiresAt) - Date.parse(rotation.body.secretRotatedAt)).toBe(86_400_000);
    current = newSecret; // the merchant deploys its new secret
    rotated = true;
    stop = true;
    await sender;
    expect(statuses.filter((s) => s < 200 || s >= 300)).toEqual([]);
    expect(statuses.length).toBeGreaterThanOrEqual(12);

    // During the grace both secrets verify, in both containers, for reads and writes.
    for (const secret of [credentials.secret, newSecret]) {
      for (const client of clients({ merchantId: credentials.merchantId, secret })) {
        expect((await client.get('/v1/balance')).status).toBe(200);
        expect((await client.post('/v1/orders', { outTradeNo: `R-${Math.random().toString(36).slice(2)}`, amount: 100, currency: 'CNY', subject: 'Tea' })).status).toBe(201);
      }
    }
  });

  it('stops verifying the old secret once the grace period is over, in every container; the new one keeps working', async () => {
    const credentials = await newMerchant('Short grace');
    const [a, b] = clients(credentials);
    expect((await b.get('/v1/balance')).status).toBe(200); // B caches the merchant with its first secret
    const rotation = await ops('POST', `/ops/v1/merchants/${credentials.merchantId}/secret/rotate`, { graceSeconds: 2 });
    expect(rotation.status).toBe(200);
    const fresh = { merchantId: credentials.merchantId, secret: rotation.body.secret as string };
    const expiresAtMs = Date.parse(rotation.body.previousSecretExpiresAt);
    expect(expiresAtMs - Date.parse(rotation.body.secretRotatedAt)).toBe(2000);
    // New secret on B, whose cached profile predates the rotation: B reads the merchant again rather than refusing.
    expect((await new ApiClient(containerB.url, fresh).get('/v1/balance')).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAtMs - Date.now()) + 50));

    expectInvalidSignature(await a.get('/v1/balance'), 'A, old secret after the grace');
    expectInvalidSignature(await b.get('/v1/balance'), 'B, old secret after the grace');
    for (const client of clients(fresh)) expect((await client.get('/v1/balance')).status).toBe(200);
    const shown = await ops('GET', `/ops/v1/merchants/${credentials.merchantId}`);
    expect(shown.body.previousSecretExpiresAt).toBe(rotation.body.previousSecretExpiresAt);
  });

  it('with graceSeconds 0 the old secret stops at once, and a rotation during a grace drops the oldest, in every container', async () => {
    const credentials = await newMerchant('Leaked secret');
    const id = credentials.merchantId;
    const on = (url: string, secret: string) => new ApiClient(url, { merchantId: id, secret });
    // B caches the merchant with its first secret; the rotations below go through A (the ops API's process).
    expect((await on(containerB.url, credentials.secret).get('/v1/balance')).status).toBe(200);
    const first = await ops('POST', `/ops/v1/merchants/${id}/secret/rotate`, {});
    const second = await ops('POST', `/ops/v1/merchants/${id}/secret/rotate`, {});
    expect([first.status, second.status]).toEqual([200, 200]);
    for (const url of [containerB.url, env.runtime.url]) {
      // B's cached profile still holds the first secret as current: the nonce's write refuses it (decisions, 232).
      expectInvalidSignature(await on(url, credentials.secret).get('/v1/balance'), `${url}: the oldest, dropped by the second rotation`);
      expect((await on(url, first.body.secret).get('/v1/balance')).status).toBe(200);
      expect((await on(url, second.body.secret).get('/v1/balance')).status).toBe(200);
    }

    const now = await ops('POST', `/ops/v1/merchants/${id}/secret/rotate`, { graceSeconds: 0 });
    expect(now.body.previousSecretExpiresAt).toBeNull();
    // B holds the profile in which `second` is current; a write whose nonce rides in its first transaction is refused
    // by that transaction, and stores nothing.
    const order = { outTradeNo: `LEAK-${Math.random().toString(36).slice(2)}`, amount: 100, currency: 'CNY', subject: 'Tea' };
    expectInvalidSignature(await on(containerB.url, second.body.secret).post('/v1/orders', order), 'B: create order with the revoked secret');
    for (const url of [containerB.url, env.runtime.url]) {
      expectInvalidSignature(await on(url, second.body.secret).get('/v1/balance'), `${url}: replaced with no grace`);
      expect((await on(url, now.body.secret).get('/v1/balance')).status).toBe(200);
    }
    expect((await on(containerB.url, now.body.secret).get(`/v1/orders?outTradeNo=${order.outTradeNo}`)).status).toBe(404);
  });

  it('refuses a bad grace or an unknown merchant and changes nothing', async () => {
    const credentials = await newMerchant('Untouched');
    for (const graceSeconds of [-1, 1.5, 604_801, '60']) {
      const refused = await ops('POST', `/ops/v1/merchants/${credentials.merchantId}/secret/rotate`, { graceSeconds });
      expect(refused.status, String(graceSeconds)).toBe(400);
      expect(refused.body.error.param).toBe('graceSeconds');
    }
    expect((await ops('POST', '/ops/v1/merchants/m_00000000000000000000000000/secret/rotate', {})).status).toBe(404);
    expect((await ops('GET', `/ops/v1/merchants/${credentials.merchantId}`)).body).toMatchObject({ previousSecretExpiresAt: null });
    expect((await env.api.as(credentials).get('/v1/balance')).status).toBe(200);
  });
});

describe('disable and enable', () => {
  it('refuse the merchant from its very next request in every container, and accept it again from the next', async () => {
    const credentials = await newMerchant('Switched by ops');
    const [a, b] = clients(credentials);
    expect((await a.get('/v1/balance')).status).toBe(200);
    expect((await b.get('/v1/balance')).status).toBe(200);

    const disabled = await ops('POST', `/ops/v1/merchants/${credentials.merchantId}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ merchantId: credentials.merchantId, status: 'disabled' });
    for (const [client, what] of [[b, 'B'], [a, 'A']] as const) {
      const res = await client.get('/v1/balance');
      expect(res.status, what).toBe(403);
      expect(res.body.error, what).toMatchObject({ type: 'permission', code: 'merchant_disabled' });
    }

    expect((await ops('POST', `/ops/v1/merchants/${credentials.merchantId}/enable`)).body.status).toBe('active');
    expect((await b.get('/v1/balance')).status).toBe(200);
    expect((await a.post('/v1/orders', { outTradeNo: 'EN-1', amount: 100, currency: 'CNY', subject: 'Tea' })).status).toBe(201);
    expect((await ops('POST', '/ops/v1/merchants/m_00000000000000000000000000/disable')).status).toBe(404);
  });
});

describe('fees', () => {
  it("change the next payment's fee; a bad schedule is refused with 400 naming the field and changes nothing", async () => {
    const credentials = await newMerchant('Fee payer');
    const [a] = clients(credentials);
    const feeOfNextPayment = async () => {
      const order = await a.createOrder({ amount: 10_000 });
      const paid = await a.pay(order.id);
      expect(paid.body.status).toBe('SUCCEEDED');
      return paid.body.payment.fee as number;
    };
    const set = await ops('PUT', `/ops/v1/merchants/${credentials.merchantId}/fees`, { default: { bps: 100, fixed: 7 }, methods: { card: { bps: 250, fixed: 30 } } });
    expect(set.status).toBe(200);
    expect(set.body.fees).toEqual({ default: { bps: 100, fixed: 7 }, methods: { card: { bps: 250, fixed: 30 } } });
    expect(await feeOfNextPayment()).toBe(250 + 30);

    expect((await ops('PUT', `/ops/v1/merchants/${credentials.merchantId}/fees`, { default: { bps: 100, fixed: 7 } })).status).toBe(200);
    expect(await feeOfNextPayment()).toBe(100 + 7);

    for (const [body, param] of [
      [{ default: { bps: 10_001, fixed: 0 } }, 'default.bps'],
      [{ default: { bps: 10, fixed: -1 } }, 'default.fixed'],
      [{ default: { bps: 10, fixed: 0 }, methods: { card: { bps: 10 } } }, 'methods.card.fixed'],
      [{ methods: {} }, 'default'],
    ] as const) {
      const refused = await ops('PUT', `/ops/v1/merchants/${credentials.merchantId}/fees`, body);
      expect(refused.status, param).toBe(400);
      expect(refused.body.error.param, param).toBe(param);
    }
    expect(await feeOfNextPayment()).toBe(100 + 7);
  });
});

describe('npm run ops -- merchants …', () => {
  /** The CLI as an operator runs it: a process of its own, the token from the data folder; the answer's JSON on stdout. */
  const cli = (args: readonly string[]) =>
    new Promise<{ code: number; body: any }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'infra/local/ops-cli.ts', ...args],
        { env: { PATH: process.env.PATH ?? '', OPS_API_URL: env.runtime.url, OPS_TOKEN_FILE: join(dataDir, 'ops-token') } },
        (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, body: JSON.parse(stdout) }),
      );
    });

  it('creates a merchant, rotates its secret and sets its fees', async () => {
    const created = await cli(['merchants', 'create', '--name', 'CLI shop']);
    expect(created.code).toBe(0);
    const { merchantId, secret } = created.body as Credentials;
    const rotated = await cli(['merchants', 'rotate-secret', merchantId, '--grace-seconds', '0']);
    expect(rotated.code).toBe(0);
    expect(rotated.body.previousSecretExpiresAt).toBeNull();
    expectInvalidSignature(await env.api.as({ merchantId, secret }).get('/v1/balance'), 'the secret rotated out with no grace');
    expect((await env.api.as({ merchantId, secret: rotated.body.secret }).get('/v1/balance')).status).toBe(200);
    const fees = await cli(['merchants', 'fees', merchantId, '--set', '{"default":{"bps":60,"fixed":0},"methods":{"wechat_pay":{"bps":38,"fixed":0}}}']);
    expect(fees.code).toBe(0);
    expect(fees.body.fees).toEqual({ default: { bps: 60, fixed: 0 }, methods: { wechat_pay: { bps: 38, fixed: 0 } } });
  });
});

describe('the audit trail', () => {
  it('holds every merchant-control call with the principal and the merchant before and after, and never a secret', async () => {
    const entries: any[] = [];
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const page = await opsCall(env.runtime, 'GET', `/ops/v1/audit?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      entries.push(...page.body.data);
      cursor = page.body.nextCursor;
    }
    const byId = new Map(entries.map((e) => [e.id, e]));
    for (const id of opsRequestIds) expect(byId.get(id), id).toMatchObject({ principal: 'local-token' });
    const changes = entries.filter((e) => /^\/ops\/v1\/merchants(\/[^/]+\/(disable|enable|fees|secret\/rotate))?$/.test(e.path) && e.method !== 'GET' && e.status < 300);
    expect(changes.length).toBeGreaterThanOrEqual(10);
    for (const change of changes) expect(change.after, change.path).toMatchObject({ object: 'merchant' });
    const rotation = changes.find((e) => e.path.endsWith('/secret/rotate'))!;
    expect(rotation.before.merchantId).toBe(rotation.after.merchantId);
    expect(rotation.after.secretRotatedAt).not.toBe(rotation.before.secretRotatedAt ?? null);
    const disable = changes.find((e) => e.path.endsWith('/disable'))!;
    expect([disable.before.status, disable.after.status]).toEqual(['active', 'disabled']);
    const trail = JSON.stringify(entries);
    expect(trail).not.toMatch(/sealedSecret|previousSealedSecret|"secret":"[A-Za-z0-9_-]{43}"/);
  });
});
