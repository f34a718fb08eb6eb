import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMerchant } from '../../shared/services/merchants.js';
import { opsCall, type OpsAnswer } from '../support/ops-client.js';
import { useTestRuntime } from '../support/runtime.js';

/**
 * The operations API over HTTP against the local runtime (contract, "Operations API"; docs/operations.md): the bearer
 * token from `.data/ops-token`, refused calls answered 401 in the error shape, every call (refused ones too) in the
 * audit trail, the trial balance after payments, merchants, and events across merchants for support.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'pay-ops-'));
const env = useTestRuntime({ dataDir });

type Answer = OpsAnswer;

function ops(method: string, path: string, options: { token?: string | null; body?: unknown } = {}): Promise<Answer> {
  return opsCall(env.runtime, method, path, options);
}

/** Every audit entry, newest first, following the cursor page by page. */
async function auditTrail(): Promise<any[]> {
  const entries: any[] = [];
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const page = await ops('GET', `/ops/v1/audit?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.status).toBe(200);
    entries.push(...page.body.data);
    cursor = page.body.nextCursor;
  }
  return entries;
}

describe('operations API authentication', () => {
  it('keeps its token in the data folder\'s ops-token, readable by its owner only', () => {
    const file = join(dataDir, 'ops-token');
    expect(readFileSync(file, 'utf8').trim()).toBe(env.runtime.opsToken);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(env.runtime.opsToken.length).toBeGreaterThanOrEqual(32);
  });

  it.each([
    ['without a token', null],
    ['with a wrong token', 'not-the-token-not-the-token-not-the-token'],
    ['with a token one character off', 'x'],
  ])('answers 401 in the error shape %s, and records the refusal', async (_label, token) => {
    const answer = await ops('GET', '/ops/v1/ledger/trial-balance', { token: token === 'x' ? `${env.runtime.opsToken.slice(0, -1)}x` : token });
    expect(answer.status).toBe(401);
    expect(answer.body.error).toMatchObject({ type: 'authentication', code: 'invalid_ops_credentials', requestId: answer.requestId });
    const entry = (await auditTrail()).find((e) => e.id === answer.requestId);
    expect(entry).toMatchObject({ principal: 'anonymous', method: 'GET', path: '/ops/v1/ledger/trial-balance', status: 401 });
  });

  it('answers 401 before saying whether a route exists', async () => {
    expect((await ops('GET', '/ops/v1/nothing-here', { token: null })).status).toBe(401);
    const answer = await ops('GET', '/ops/v1/nothing-here');
    expect(answer.status).toBe(404);
    expect(answer.body.error).toMatchObject({ code: 'route_not_found', requestId: answer.requestId });
    expect((await ops('DELETE', '/ops/v1/audit')).status).toBe(405);
  });
});

describe('the audit trail', () => {
  it('records each call: who, what, the answer, a digest of the body and the body with its secrets redacted', async () => {
    const run = await ops('POST', '/ops/v1/ledger/trial-balance', { body: { note: 'after incident 7', secret: 'hunter2', nested: { accountNumber: '6222020000000001' } } });
    expect(run.status).toBe(200);
    const entries = await auditTrail();
    const entry = entries.find((e) => e.id === run.requestId);
    expect(entry).toMatchObject({
      principal: 'local-token',
      method: 'POST',
      path: '/ops/v1/ledger/trial-balance',
      status: 200,
      body: { note: 'after incident 7', secret: '[redacted]', nested: { accountNumber: '[redacted]' } },
    });
    expect(entry.bodyDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(entries)).not.toContain('hunter2');
    expect(JSON.stringify(entries)).not.toContain('6222020000000001');
  });

  it('lists newest first and pages with a cursor, each entry once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await ops('GET', '/ops/v1/ledger/trial-balance')).requestId!);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Answer = await ops('GET', `/ops/v1/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((e: { id: string }) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    // Newest first: the five calls above appear in reverse order.
    const positions = ids.map((id) => seen.indexOf(id));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => b - a)).toEqual(positions);
  });

  it('refuses a cursor it did not issue and a limit out of range (400, recorded)', async () => {
    const bad = await ops('GET', '/ops/v1/audit?cursor=bm9wZQ');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ param: 'cursor' });
    expect((await ops('GET', '/ops/v1/audit?limit=0')).status).toBe(400);
    expect((await auditTrail()).find((e) => e.id === bad.requestId)).toMatchObject({ status: 400 });
  });
});

describe('the trial balance', () => {
  it('adds up after payments and refunds: debits equal credits per currency, every balance its postings', async () => {
    const before = await ops('GET', '/ops/v1/ledger/trial-balance');
    const cnyBefore = before.body.currencies.find((c: { currency: string }) => c.currency === 'CNY')?.debits ?? 0;
    const api = env.api.as(await createMerchant(env.runtime.deps, { name: `Ops ${randomBytes(3).toString('hex')}` }));
    const order = await api.createOrder({ amount: 1000 });
    expect((await api.pay(order.id)).status).toBe(200);
    expect((await api.post(`/v1/orders/${order.id}/refunds`, { outRefundNo: 'r-1', amount: 300 })).status).toBe(201);

    const after = await ops('GET', '/ops/v1/ledger/trial-balance');
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ object: 'trial_balance', balanced: true });
    const cny = after.body.currencies.find((c: { currency: string }) => c.currency === 'CNY');
    expect(cny.debits).toBe(cny.credits);
    expect(cny.unbalancedEntries).toEqual([]);
    // The payment and the refund each posted their amounts: the books grew by at least both.
    expect(cny.debits - cnyBefore).toBeGreaterThanOrEqual(1300);
    expect(after.body.balances).toMatchObject({ mismatches: [], negativeGuarded: [], holdMismatches: [], unknownAccounts: [] });
    expect(after.body.balances.checked).toBeGreaterThan(0);
  });
});

describe('merchants', () => {
  it('lists every merchant oldest first, a page at a time, without secrets', async () => {
    const created = [];
    for (let i = 0; i < 3; i += 1) created.push(await createMerchant(env.runtime.deps, { name: `Listed ${i}` }));
    const listed: any[] = [];
    let cursor: string | null = null;
    do {
      const page: Answer = await ops('GET', `/ops/v1/merchants?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      listed.push(...page.body.data);
      cursor = page.body.nextCursor;
    } while (cursor);
    const ids = listed.map((m) => m.merchantId);
    expect(new Set(ids).size).toBe(ids.length);
    // The demo merchant first (created at start), then these three in the order they were created.
    expect(ids[0]).toBe(env.runtime.demoMerchant!.merchantId);
    const positions = created.map((c) => ids.indexOf(c.merchantId));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((x, y) => x - y)).toEqual(positions);
    expect(listed.every((m) => m.object === 'merchant' && !('sealedSecret' in m) && !('GSI1PK' in m))).toBe(true);
    expect((await ops('GET', '/ops/v1/merchants?cursor=bm9wZQ')).status).toBe(400);
  });

  it('shows a merchant without its secret, and 404s an unknown or malformed id', async () => {
    const created = await createMerchant(env.runtime.deps, { name: 'Shown shop' });
    const shown = await ops('GET', `/ops/v1/merchants/${created.merchantId}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ object: 'merchant', merchantId: created.merchantId, name: 'Shown shop', status: 'active' });
    expect(shown.body).not.toHaveProperty('sealedSecret');
    expect(JSON.stringify(shown.body)).not.toContain(created.secret);
    expect((await ops('GET', `/ops/v1/merchants/m_${'0'.repeat(26)}`)).status).toBe(404);
    expect((await ops('GET', '/ops/v1/merchants/nope')).status).toBe(400);
  });
});
