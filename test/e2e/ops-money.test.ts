import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { accounts } from '../../shared/domain/ledger.js';
import { payoutHoldId } from '../../shared/ledger/payouts.js';
import { merchantBalanceIn } from '../../shared/ledger/reads.js';
import { checkLedger } from '../../shared/services/ledger-check.js';
import { createMerchant, setMerchantFees } from '../../shared/services/merchants.js';
import type { ApiClient } from '../support/api-client.js';
import { opsCall, type OpsAnswer } from '../support/ops-client.js';
import { useTestRuntime } from '../support/runtime.js';
import { eventually } from '../support/webhook-receiver.js';

/**
 * The operations API's settlements and payouts over HTTP against the local runtime (docs/operations.md; decisions
 * 183-185): an operator's settlement run, narrowed to a merchant or a currency, settling what the schedule would and
 * nothing outside its scope; the batches and payouts of any merchant for support, never an account number; bad input
 * answered 400/404 with nothing stored; and a merchant's own payout fee (decision 186) reserved, shown and posted.
 *
 * The settlement delay is the default day, so the runtime's own schedule (every 6 h) never runs during the file; a
 * run "a day later" moves the services' clock for the length of one ops call only (the merchant API's signature
 * window follows the real clock).
 */
const DAY_MS = 86_400_000;
let clockOffsetMs = 0;
const env = useTestRuntime({ janitorAfterSeconds: 2, clock: () => Date.now() + clockOffsetMs });

afterAll(async () => {
  expect((await checkLedger(env.runtime.deps.ledger)).balanced).toBe(true);
});

const ops = (method: string, path: string, options: { token?: string | null; body?: unknown } = {}): Promise<OpsAnswer> => opsCall(env.runtime, method, path, options);

/** POST /ops/v1/settlements as of a moment past the settlement delay: what the daily run will find due tomorrow. */
async function settleTomorrow(body: unknown): Promise<OpsAnswer> {
  clockOffsetMs = DAY_MS + 1000;
  try {
    return await ops('POST', '/ops/v1/settlements', { body });
  } finally {
    clockOffsetMs = 0;
  }
}

async function merchant(payout?: { bps: number; fixed: number }): Promise<{ api: ApiClient; merchantId: string }> {
  const credentials = await createMerchant(env.runtime.deps, { name: `Ops ${randomBytes(3).toString('hex')}` });
  // No percentage, so each figure below is exact: 20 per payment.
  await setMerchantFees(env.runtime.deps, credentials.merchantId, { default: { bps: 0, fixed: 20 }, methods: {}, ...(payout ? { payout } : {}) });
  return { api: env.api.as(credentials), merchantId: credentials.merchantId };
}

async function paid(api: ApiClient, amount: number, currency = 'CNY'): Promise<void> {
  const order = await api.createOrder({ amount, currency });
  expect((await api.pay(order.id)).body.status).toBe('SUCCEEDED');
}

const balance = (merchantId: string, currency = 'CNY') => merchantBalanceIn(env.runtime.deps.ledger, merchantId, currency);

async function auditEntry(requestId: string | null): Promise<any> {
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const page = await ops('GET', `/ops/v1/audit?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    const found = page.body.data.find((e: { id: string }) => e.id === requestId);
    if (found) return found;
    cursor = page.body.nextCursor;
  }
  return undefined;
}

describe('settlement runs from the operations API', () => {
  it('settles one merchant now when narrowed to it, another merchant\'s due payment stays pending; the run is audited', async () => {
    const a = await merchant();
    const b = await merchant();
    await paid(a.api, 10_000);
    await paid(b.api, 5_000);

    // Today nothing is a day old yet: the run as of now settles nothing.
    const early = await ops('POST', '/ops/v1/settlements', { body: { merchantId: a.merchantId } });
    expect(early.status).toBe(200);
    expect(early.body).toMatchObject({ object: 'settlement_run', data: [] });
    expect(await balance(a.merchantId)).toEqual({ available: 0, pending: 9_980 });

    const run = await settleTomorrow({ merchantId: a.merchantId });
    expect(run.status).toBe(200);
    expect(Date.parse(run.body.cutoff)).toBeGreaterThan(Date.now() - 60_000);
    expect(run.body.data).toHaveLength(1);
    const batch = run.body.data[0];
    expect(batch).toMatchObject({ object: 'settlement', merchantId: a.merchantId, currency: 'CNY', status: 'SETTLED', count: 1, gross: 10_000, fees: 20, refunds: 0, net: 9_980 });
    expect(batch.id).toMatch(/^stl_/);
    expect(batch.ledgerEntryId).toMatch(/^le_/);
    expect(await balance(a.merchantId)).toEqual({ available: 9_980, pending: 0 });
    // B's payment was as due, but outside the run's scope: untouched, for the next run.
    expect(await balance(b.merchantId)).toEqual({ available: 0, pending: 4_980 });
    expect((await b.api.get('/v1/settlements')).body.data).toEqual([]);

    // The merchant sees the same batch in its own API.
    expect((await a.api.get(`/v1/settlements/${batch.id}`)).body).toMatchObject({ id: batch.id, count: 1, net: 9_980 });
    expect(await auditEntry(run.requestId)).toMatchObject({
      principal: 'local-token',
      method: 'POST',
      path: '/ops/v1/settlements',
      status: 200,
      body: { merchantId: a.merchantId },
      before: null,
      after: { cutoff: run.body.cutoff, settlements: [batch.id] },
    });

    // An unscoped run settles B (and A has nothing left).
    const all = await settleTomorrow({});
    expect(all.status).toBe(200);
    expect(all.body.data.filter((s: { merchantId: string }) => s.merchantId === a.merchantId)).toEqual([]);
    expect(all.body.data.filter((s: { merchantId: string }) => s.merchantId === b.merchantId)).toMatchObject([{ count: 1, gross: 5_000, net: 4_980 }]);
    expect(await balance(b.merchantId)).toEqual({ available: 4_980, pending: 0 });
  });

  it('narrowed to a currency, settles that currency\'s batch only', async () => {
    const m = await merchant();
    await paid(m.api, 3_000, 'CNY');
    await paid(m.api, 700, 'USD');
    const run = await settleTomorrow({ merchantId: m.merchantId, currency: 'USD' });
    expect(run.status).toBe(200);
    expect(run.body.data).toMatchObject([{ merchantId: m.merchantId, currency: 'USD', gross: 700, net: 680 }]);
    expect(await balance(m.merchantId, 'USD')).toEqual({ available: 680, pending: 0 });
    expect(await balance(m.merchantId, 'CNY')).toEqual({ available: 0, pending: 2_980 });
  });

  it('lists and shows any merchant\'s batches; the merchant is required, unknown ids 404, malformed ones 400', async () => {
    const m = await merchant();
    await paid(m.api, 1_000);
    const first = (await settleTomorrow({ merchantId: m.merchantId })).body.data[0];
    await paid(m.api, 2_000);
    const second = (await settleTomorrow({ merchantId: m.merchantId })).body.data[0];

    const page1 = await ops('GET', `/ops/v1/settlements?merchantId=${m.merchantId}&limit=1`);
    expect(page1.status).toBe(200);
    expect(page1.body).toMatchObject({ object: 'list', data: [{ id: second.id, merchantId: m.merchantId, gross: 2_000 }] });
    const page2 = await ops('GET', `/ops/v1/settlements?merchantId=${m.merchantId}&limit=1&cursor=${encodeURIComponent(page1.body.nextCursor)}`);
    expect(page2.body.data.map((s: { id: string }) => s.id)).toEqual([first.id]);
    const shown = await ops('GET', `/ops/v1/settlements/${first.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual(first);

    const other = await merchant();
    const foreignCursor = await ops('GET', `/ops/v1/settlements?merchantId=${other.merchantId}&cursor=${encodeURIComponent(page1.body.nextCursor)}`);
    expect(foreignCursor.status).toBe(400);
    expect(foreignCursor.body.error.code).toBe('cursor_invalid');
    const missing = await ops('GET', '/ops/v1/settlements/stl_00000000000000000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'resource_missing', requestId: missing.requestId });
    expect((await ops('GET', '/ops/v1/settlements/nope')).status).toBe(400);
    const noMerchant = await ops('GET', '/ops/v1/settlements');
    expect(noMerchant.status).toBe(400);
    expect(noMerchant.body.error).toMatchObject({ param: 'merchantId', requestId: noMerchant.requestId });
  });

  it('refuses bad input with 400/404 and settles nothing; without the token it is 401, audited, and settles nothing', async () => {
    const m = await merchant();
    await paid(m.api, 4_000);
    const refusals: [unknown, number, string | undefined][] = [
      [{ merchantId: m.merchantId, currency: 'XYZ' }, 400, 'currency'],
      [{ merchantId: m.merchantId, extra: 1 }, 400, 'extra'],
      [{ merchantId: 'm_nope' }, 400, 'merchantId'],
      [{ merchantId: 'm_00000000000000000000000000' }, 404, 'merchantId'],
    ];
    for (const [body, status, param] of refusals) {
      const answer = await settleTomorrow(body);
      expect(answer.status, JSON.stringify(body)).toBe(status);
      expect(answer.body.error).toMatchObject({ param, requestId: answer.requestId });
      expect(await auditEntry(answer.requestId)).toMatchObject({ status, after: null });
    }
    clockOffsetMs = DAY_MS + 1000;
    const anonymous = await ops('POST', '/ops/v1/settlements', { token: null, body: { merchantId: m.merchantId } }).finally(() => (clockOffsetMs = 0));
    expect(anonymous.status).toBe(401);
    expect(await auditEntry(anonymous.requestId)).toMatchObject({ principal: 'anonymous', status: 401 });
    expect(await balance(m.merchantId)).toEqual({ available: 0, pending: 3_980 });
    expect((await ops('GET', `/ops/v1/settlements?merchantId=${m.merchantId}`)).body.data).toEqual([]);
  });
});

describe('payouts in the operations API', () => {
  const destination = (last4: string) => ({ type: 'bank_account', bankCode: 'ICBC', accountNumber: `622202000000${last4}`, accountName: '李四' });

  it('shows any merchant\'s payout by id and lists a merchant\'s by status, with its channel and never the account number', async () => {
    const m = await merchant();
    await paid(m.api, 50_000);
    expect((await settleTomorrow({ merchantId: m.merchantId })).status).toBe(200);
    const ok = await m.api.post('/v1/payouts', { outPayoutNo: 'OPS-1', amount: 10_000, currency: 'CNY', destination: destination('0001') });
    const bad = await m.api.post('/v1/payouts', { outPayoutNo: 'OPS-2', amount: 1_000, currency: 'CNY', destination: destination('0002') });
    expect([ok.status, bad.status]).toEqual([201, 201]);

    const shown = await eventually(async () => {
      const answer = await ops('GET', `/ops/v1/payouts/${ok.body.id}`);
      return answer.body.status === 'SUCCEEDED' ? answer : undefined;
    }, 60_000, 'the payout succeeded');
    expect(shown.body).toMatchObject({ id: ok.body.id, object: 'payout', merchantId: m.merchantId, channel: 'netbank', amount: 10_000, fee: 100, outPayoutNo: 'OPS-1' });
    expect(shown.body.destination).toEqual({ type: 'bank_account', bankCode: 'ICBC', last4: '0001', accountName: '李四' });
    expect(shown.body.channelPayoutId).toEqual(expect.any(String));
    const text = JSON.stringify(shown.body);
    expect(text).not.toContain('6222020000000001');
    expect(text).not.toMatch(/sealed|requestDigest/);

    const failed = await eventually(async () => {
      const answer = await ops('GET', `/ops/v1/payouts?merchantId=${m.merchantId}&status=FAILED`);
      return answer.body.data.length === 1 ? answer : undefined;
    }, 60_000, 'the failed payout listed');
    expect(failed.body).toMatchObject({ object: 'list', data: [{ id: bad.body.id, status: 'FAILED', failureCode: 'account_invalid', merchantId: m.merchantId }], nextCursor: null });
    const all = await ops('GET', `/ops/v1/payouts?merchantId=${m.merchantId}`);
    expect(all.body.data.map((p: { id: string }) => p.id).sort()).toEqual([ok.body.id, bad.body.id].sort());
    expect((await ops('GET', `/ops/v1/payouts?merchantId=${(await merchant()).merchantId}`)).body.data).toEqual([]);
  });

  it("charges a merchant with its own payout rule that fee: reserved with the amount, on the payout, posted to fee revenue", async () => {
    const m = await merchant({ bps: 10, fixed: 250 });
    await paid(m.api, 50_000);
    expect((await settleTomorrow({ merchantId: m.merchantId })).status).toBe(200);
    expect(await balance(m.merchantId)).toEqual({ available: 49_980, pending: 0 });

    const created = await m.api.post('/v1/payouts', { outPayoutNo: 'OPS-FEE', amount: 20_000, currency: 'CNY', destination: destination('0001') });
    expect(created.status).toBe(201);
    // 10 bps of 20,000 is 20, plus 250 fixed: not the platform's default 100.
    expect(created.body.fee).toBe(270);
    expect((await env.runtime.deps.ledger.getHold(payoutHoldId(created.body.id)))?.amount).toBe(20_270);
    expect((await balance(m.merchantId)).available).toBe(49_980 - 20_270);

    const done = await eventually(async () => {
      const read = await m.api.get(`/v1/payouts/${created.body.id}`);
      return read.body.status === 'SUCCEEDED' ? read.body : undefined;
    }, 60_000, 'the payout succeeded');
    expect(done.fee).toBe(270);
    expect((await ops('GET', `/ops/v1/payouts/${created.body.id}`)).body.fee).toBe(270);
    const entries = [];
    for await (const entry of env.runtime.deps.ledger.allEntries()) if (entry.orderId === created.body.id) entries.push(entry);
    const feeEntry = entries.find((e) => e.kind === 'payout_fee');
    expect(feeEntry?.lines).toEqual(expect.arrayContaining([{ account: accounts.feeRevenue(), direction: 'credit', amount: 270 }]));
    expect((await balance(m.merchantId)).available).toBe(49_980 - 20_270);
  });

  it('answers 404 for an unknown payout, 400 for a malformed id, a missing merchant or an unknown status, 401 without the token', async () => {
    const missing = await ops('GET', '/ops/v1/payouts/po_00000000000000000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'resource_missing', requestId: missing.requestId });
    expect((await ops('GET', '/ops/v1/payouts/nope')).status).toBe(400);
    const noMerchant = await ops('GET', '/ops/v1/payouts?status=FAILED');
    expect(noMerchant.status).toBe(400);
    expect(noMerchant.body.error.param).toBe('merchantId');
    expect((await ops('GET', '/ops/v1/payouts?merchantId=m_00000000000000000000000000&status=DONE')).status).toBe(400);
    expect((await ops('GET', '/ops/v1/payouts/po_00000000000000000000000000', { token: null })).status).toBe(401);
  });
});
