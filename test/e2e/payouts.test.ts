import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { indexKeys } from '../../shared/adapters/dynamodb/keys.js';
import { accounts } from '../../shared/ledger/accounts.js';
import { creditChange } from '../../shared/ledger/posting.js';
import { merchantBalanceIn } from '../../shared/ledger/reads.js';
import { checkLedger } from '../../shared/services/ledger-check.js';
import { createMerchant } from '../../shared/services/merchants.js';
import { runSettlement } from '../../shared/services/settlement.js';
import type { ApiClient } from '../support/api-client.js';
import { useTestRuntime } from '../support/runtime.js';
import { eventually, WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * Payouts over HTTP against the local runtime and the sandbox bank's payout desk (contract, "Payouts"): each row of
 * the contract, the bank's returned transfer, and payouts racing refunds on one merchant's `available`. Each test uses
 * a merchant of its own. The payout fee is the default 100 (docs/decisions.md, entry 157).
 */
// PAY_RETRY_TIME_SCALE 0.01: a timer whose handler failed once on a loaded machine (a bank query that timed out) is
// received again after the timers queue's visibility timeout, 180 s unscaled, and the bank's notice retries after 60 s:
// either outlasts the test. Scaled, they come back within seconds, as they would in a test of the real schedule.
const env = useTestRuntime({ janitorAfterSeconds: 2, retryTimeScale: 0.01 });
const FEE = 100;

afterAll(async () => {
  const ledger = await checkLedger(env.runtime.deps.ledger);
  expect(ledger.balanced).toBe(true);
});

async function merchant(): Promise<{ api: ApiClient; merchantId: string }> {
  const credentials = await createMerchant(env.runtime.deps, { name: `Payee ${randomBytes(3).toString('hex')}` });
  return { api: env.api.as(credentials), merchantId: credentials.merchantId };
}

/**
 * Money in the merchant's `available`, the way it gets there: card payments of `amounts` (their net lands in pending),
 * then a settlement run as of a moment past the settlement delay, which moves every due net to available. Returns
 * the merchant's available afterwards.
 */
async function fundAvailable(api: ApiClient, merchantId: string, ...amounts: number[]): Promise<number> {
  for (const amount of amounts) {
    const order = await api.createOrder({ amount });
    expect((await api.pay(order.id)).body.status).toBe('SUCCEEDED');
  }
  const deps = env.runtime.deps;
  await runSettlement(deps, { now: Date.now() + (deps.settlementDelaySeconds + 1) * 1000 });
  const funded = await available(merchantId);
  expect(funded).toBeGreaterThan(0);
  return funded;
}

const available = async (merchantId: string) => (await merchantBalanceIn(env.runtime.deps.ledger, merchantId, 'CNY')).available;

const body = (account: string, overrides: Record<string, unknown> = {}) => ({
  outPayoutNo: `P-${randomBytes(4).toString('hex')}`,
  amount: 10_000,
  currency: 'CNY',
  destination: { type: 'bank_account', bankCode: 'ICBC', accountNumber: `622202000000${account}`, accountName: '张三' },
  ...overrides,
});

async function settled(api: ApiClient, id: string, status: string) {
  return eventually(async () => {
    const read = await api.get(`/v1/payouts/${id}`);
    return read.body.status === status ? read.body : undefined;
  }, 60_000, `payout ${id} to be ${status}`);
}

async function eventTypes(payoutId: string): Promise<string[]> {
  const db = createDocumentClient({ endpoint: env.runtime.dynamoEndpoint, region: 'local' });
  try {
    const out = await db.send(
      new QueryCommand({ TableName: env.runtime.config.TABLE_NAME, IndexName: 'GSI1', KeyConditionExpression: 'GSI1PK = :pk', ExpressionAttributeValues: { ':pk': indexKeys.eventsByOrder(payoutId) } }),
    );
    return (out.Items ?? []).map((item) => item.type as string);
  } finally {
    db.destroy();
  }
}

describe('payouts', () => {
  it('0001: 201 PROCESSING with the amount and fee reserved from available, SUCCEEDED by the bank notice, payout.succeeded delivered', async () => {
    const { api, merchantId } = await merchant();
    const funded = await fundAvailable(api, merchantId, 50_000);
    const receiver = await new WebhookReceiver().start();
    const res = await api.post('/v1/payouts', body('0001', { notifyUrl: receiver.url }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'PROCESSING', amount: 10_000, fee: FEE, currency: 'CNY', failureCode: null });
    expect(res.body.id).toMatch(/^po_/);
    expect(res.body.destination).toEqual({ type: 'bank_account', bankCode: 'ICBC', last4: '0001', accountName: '张三' });
    expect(await available(merchantId)).toBe(funded - 10_000 - FEE);
    const done = await settled(api, res.body.id, 'SUCCEEDED');
    expect(done.failureCode).toBeNull();
    expect(await available(merchantId)).toBe(funded - 10_000 - FEE);
    expect(await eventually(async () => ((await eventTypes(res.body.id)).includes('payout.succeeded') ? true : undefined))).toBe(true);
    // The webhook, cross-checked against the stored payout and signed like orders' (docs/api.md, "Webhooks").
    const delivered = await eventually(() => receiver.received.find((w) => JSON.parse(w.rawBody).type === 'payout.succeeded'), 30_000, 'payout.succeeded delivered');
    const payload = JSON.parse(delivered.rawBody);
    expect(payload.data.object).toMatchObject({ id: res.body.id, object: 'payout', status: 'SUCCEEDED', amount: 10_000, fee: FEE });
    expect(delivered.headers['x-event-id']).toEqual(expect.any(String));
    expect(delivered.headers['x-signature']).toEqual(expect.any(String));
    await receiver.stop();
    // And the merchant's events list shows it, by type.
    const listed = await api.get('/v1/events?type=payout.succeeded');
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((e: { orderId: string }) => e.orderId)).toEqual([res.body.id]);
  });

  it('the same outPayoutNo and body answer the same payout (200); another body is 409 duplicate_out_payout_no', async () => {
    const { api, merchantId } = await merchant();
    const funded = await fundAvailable(api, merchantId, 50_000);
    const request = body('0001');
    const first = await api.post('/v1/payouts', request);
    expect(first.status).toBe(201);
    const again = await api.post('/v1/payouts', request);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const other = await api.post('/v1/payouts', { ...request, amount: 20_000 });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'duplicate_out_payout_no', payoutId: first.body.id, requestId: expect.any(String) });
    expect(await available(merchantId)).toBe(funded - 10_000 - FEE);
  });

  it('0002: FAILED account_invalid, the reservation back in available, payout.failed', async () => {
    const { api, merchantId } = await merchant();
    const funded = await fundAvailable(api, merchantId, 50_000);
    const res = await api.post('/v1/payouts', body('0002'));
    expect(res.status).toBe(201);
    const done = await settled(api, res.body.id, 'FAILED');
    expect(done.failureCode).toBe('account_invalid');
    expect(await available(merchantId)).toBe(funded);
    expect(await eventually(async () => ((await eventTypes(res.body.id)).includes('payout.failed') ? true : undefined))).toBe(true);
  });

  it("0003: the bank's answer is lost; 201 PROCESSING, and the janitor's query finds it SUCCEEDED", async () => {
    const { api, merchantId } = await merchant();
    const funded = await fundAvailable(api, merchantId, 50_000);
    const res = await api.post('/v1/payouts', body('0003'));
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('PROCESSING');
    await settled(api, res.body.id, 'SUCCEEDED');
    expect(await available(merchantId)).toBe(funded - 10_000 - FEE);
  });

  it('0004: paid, then RETURNED by the bank: a new ledger entry gives amount and fee back, payout.returned', async () => {
    const { api, merchantId } = await merchant();
    const funded = await fundAvailable(api, merchantId, 50_000);
    const res = await api.post('/v1/payouts', body('0004'));
    expect(res.status).toBe(201);
    // Not polled for SUCCEEDED on the way: the bank returns the transfer 3 s after paying it, and a poll on a loaded
    // machine can miss that window (CI did). Both events below prove the payout was SUCCEEDED before RETURNED.
    const returned = await settled(api, res.body.id, 'RETURNED');
    expect(returned.failureCode).toBe('account_closed');
    expect(await available(merchantId)).toBe(funded);
    const types = await eventually(async () => {
      const all = await eventTypes(res.body.id);
      return all.includes('payout.returned') ? all : undefined;
    });
    expect(types.sort()).toEqual(['payout.returned', 'payout.succeeded']);
  });

  it('422 insufficient_available_balance when amount + fee does not fit; nothing stored', async () => {
    const { api, merchantId } = await merchant();
    const funded = await fundAvailable(api, merchantId, 10_000);
    const request = body('0001', { amount: funded - FEE + 1 });
    const res = await api.post('/v1/payouts', request);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'insufficient_available_balance', requestId: expect.any(String) });
    expect((await api.get('/v1/payouts')).body.data).toEqual([]);
    expect(await available(merchantId)).toBe(funded);
    // The outPayoutNo was not taken: the same number fits once the amount does, to the last minor unit.
    expect((await api.post('/v1/payouts', { ...request, amount: funded - FEE })).status).toBe(201);
    expect(await available(merchantId)).toBe(0);
  });

  it('concurrent payouts and refunds never overdraw available: at most what fits is reserved, the rest 422', async () => {
    const { api, merchantId } = await merchant();
    const funded = await fundAvailable(api, merchantId, 10_000);
    // Three more payments, left in pending: their refunds race the payouts for available (taken from it first).
    const orders = [];
    for (let i = 0; i < 3; i += 1) {
      const order = await api.createOrder({ amount: 5_000 });
      expect((await api.pay(order.id)).body.status).toBe('SUCCEEDED');
      orders.push(order.id);
    }
    const results = await Promise.all([
      ...Array.from({ length: 8 }, () => api.post('/v1/payouts', body('0001', { amount: 3_000 }))),
      ...orders.map((id, i) => api.post(`/v1/orders/${id}/refunds`, { outRefundNo: `R-${i}`, amount: 2_000 })),
    ]);
    const payouts = results.slice(0, 8);
    const created = payouts.filter((r) => r.status === 201).length;
    expect(payouts.every((r) => r.status === 201 || r.status === 422)).toBe(true);
    expect(created).toBeGreaterThanOrEqual(1);
    expect(created * (3_000 + FEE)).toBeLessThanOrEqual(funded);
    for (const refund of results.slice(8)) expect(refund.status).toBe(201);
    // available is what was funded, less each reservation, less what the refunds took from it (a refund decides its
    // split on its own read and is never refused, so it may take available below zero; a reservation never does).
    let refundedFromAvailable = 0;
    for await (const entry of env.runtime.deps.ledger.allEntries()) {
      if (entry.merchantId === merchantId && entry.kind === 'refund') refundedFromAvailable -= creditChange(entry.lines, accounts.merchantAvailable(merchantId));
    }
    expect(await available(merchantId)).toBe(funded - created * (3_000 + FEE) - refundedFromAvailable);
    expect((await checkLedger(env.runtime.deps.ledger)).balanced).toBe(true);
  });

  it('lists by status with limit and cursor; another merchant sees none of it; a malformed request stores nothing', async () => {
    const { api, merchantId } = await merchant();
    await fundAvailable(api, merchantId, 100_000);
    const ids: string[] = [];
    for (const account of ['0001', '0002', '0001']) ids.push((await api.post('/v1/payouts', body(account, { amount: 1_000 }))).body.id);
    await settled(api, ids[0]!, 'SUCCEEDED');
    await settled(api, ids[1]!, 'FAILED');
    await settled(api, ids[2]!, 'SUCCEEDED');
    const first = await api.get('/v1/payouts?status=SUCCEEDED&limit=1');
    expect(first.status).toBe(200);
    expect(first.body.data.map((p: { id: string }) => p.id)).toEqual([ids[2]]);
    const second = await api.get(`/v1/payouts?status=SUCCEEDED&limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.data.map((p: { id: string }) => p.id)).toEqual([ids[0]]);
    const failed = await api.get('/v1/payouts?status=FAILED');
    expect(failed.body.data.map((p: { id: string }) => p.id)).toEqual([ids[1]]);
    expect((await api.get('/v1/payouts')).body.data).toHaveLength(3);

    const stranger = await merchant();
    expect((await stranger.api.get(`/v1/payouts/${ids[0]}`)).status).toBe(404);
    expect((await stranger.api.get('/v1/payouts')).body.data).toEqual([]);

    const bad = await api.post('/v1/payouts', body('0001', { destination: { type: 'bank_account', bankCode: 'ICBC', accountNumber: '12ab', accountName: 'x' } }));
    expect(bad.status).toBe(400);
    expect(bad.body.error.requestId).toEqual(expect.any(String));
    expect((await api.get('/v1/payouts')).body.data).toHaveLength(3);
    expect((await api.get('/v1/payouts/po_notapayout')).status).toBe(400);
  });

  it('the account number is stored only sealed: no item of the table holds it in plain text', async () => {
    const { api, merchantId } = await merchant();
    await fundAvailable(api, merchantId, 50_000);
    const accountNumber = `62220${randomBytes(4).readUInt32BE(0).toString().padStart(10, '0')}0001`;
    const res = await api.post('/v1/payouts', body('0001', { destination: { type: 'bank_account', bankCode: 'CMB', accountNumber, accountName: '李四' } }));
    expect(res.status).toBe(201);
    expect(JSON.stringify(res.body)).not.toContain(accountNumber);
    await settled(api, res.body.id, 'SUCCEEDED');
    const db = createDocumentClient({ endpoint: env.runtime.dynamoEndpoint, region: 'local' });
    try {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await db.send(new ScanCommand({ TableName: env.runtime.config.TABLE_NAME, ExclusiveStartKey: start }));
        expect(JSON.stringify(page.Items ?? [])).not.toContain(accountNumber);
        start = page.LastEvaluatedKey;
      } while (start);
    } finally {
      db.destroy();
    }
  });
});
