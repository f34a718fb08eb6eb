import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidRequestError, PaymentClient, type Payout } from '../../sdk/src/index.js';
import { runSettlement } from '../../shared/services/settlement.js';
import { useTestRuntime } from '../support/runtime.js';
import { eventually } from '../support/webhook-receiver.js';
import { client, json } from './scripted-fetch.js';

/**
 * The SDK's payouts and settlements (sdk/src/resources/payouts.ts, settlements.ts): each method on its contract route
 * with a scripted fetch, then against the local runtime over HTTP with the sandbox bank: payments settled into
 * available, the batch listed and read, a payout created, read until the bank's answer, listed by status, and the
 * contract's refusals raised as the SDK's error classes.
 */
const destination = (last4: string) => ({ type: 'bank_account' as const, bankCode: 'ICBC', accountNumber: `622202000000${last4}`, accountName: '王五' });

describe('SDK payouts and settlements: routes', () => {
  it('sends each method to its contract route, the body as given, ids percent-encoded, list filters as query', async () => {
    const { sdk, seen } = client(Array.from({ length: 6 }, () => json(200, { object: 'list', data: [], nextCursor: null })));
    await sdk.payouts.create({ outPayoutNo: 'P-1', amount: 500, currency: 'CNY', destination: destination('0001') });
    await sdk.payouts.retrieve('po_1/..');
    await sdk.payouts.list({ status: 'FAILED', limit: 5 });
    await sdk.settlements.retrieve('stl_1');
    await sdk.settlements.list({ limit: 2 });
    await sdk.balance.retrieve();
    expect(seen.map((s) => `${s.method} ${s.url.slice('http://api.test'.length)} ${s.body ?? ''}`)).toEqual([
      'POST /v1/payouts {"outPayoutNo":"P-1","amount":500,"currency":"CNY","destination":{"type":"bank_account","bankCode":"ICBC","accountNumber":"6222020000000001","accountName":"王五"}}',
      'GET /v1/payouts/po_1%2F.. ',
      'GET /v1/payouts?status=FAILED&limit=5 ',
      'GET /v1/settlements/stl_1 ',
      'GET /v1/settlements?limit=2 ',
      'GET /v1/balance ',
    ]);
    expect(seen[0]!.headers['Idempotency-Key']).toEqual(expect.any(String));
  });

  it('iterates every payout across pages, keeping the status filter', async () => {
    const page = (ids: string[], nextCursor: string | null) => json(200, { object: 'list', data: ids.map((id) => ({ id })), nextCursor });
    const { sdk, seen } = client([page(['po_3', 'po_2'], 'c1'), page(['po_1'], null)]);
    const ids: string[] = [];
    for await (const payout of sdk.payouts.list({ status: 'SUCCEEDED', limit: 2 })) ids.push(payout.id);
    expect(ids).toEqual(['po_3', 'po_2', 'po_1']);
    expect(seen.map((s) => s.url.slice('http://api.test'.length))).toEqual(['/v1/payouts?status=SUCCEEDED&limit=2', '/v1/payouts?status=SUCCEEDED&limit=2&cursor=c1']);
  });
});

describe('SDK payouts and settlements against the local runtime', () => {
  const env = useTestRuntime({ janitorAfterSeconds: 2 });

  it('settles payments into available, reads the batch, pays out, and reads the payout to its end', async () => {
    const sdk = new PaymentClient({ baseUrl: env.runtime.url, ...env.runtime.demoMerchant! });
    for (const amount of [30_000, 20_000]) {
      const created = await sdk.orders.create({ outTradeNo: `SDK-PO-${amount}-${Date.now()}`, amount, currency: 'CNY', subject: 'Payout funds' });
      expect((await sdk.orders.pay(created.id, { method: 'card', card: { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' } })).status).toBe('SUCCEEDED');
    }
    const deps = env.runtime.deps;
    await runSettlement(deps, { now: Date.now() + (deps.settlementDelaySeconds + 1) * 1000 });

    const page = await sdk.settlements.list({ limit: 5 });
    expect(page.data).toHaveLength(1);
    const batch = page.data[0]!;
    expect(batch).toMatchObject({ object: 'settlement', currency: 'CNY', count: 2, gross: 50_000 });
    expect(await sdk.settlements.retrieve(batch.id)).toEqual(batch);
    const available = (await sdk.balance.retrieve()).available.find((b) => b.currency === 'CNY')!.amount;
    expect(available).toBe(batch.net);

    const params = { outPayoutNo: `SDK-P-${Date.now()}`, amount: 10_000, currency: 'CNY' as const, destination: destination('0001') };
    const payout = await sdk.payouts.create(params);
    expect(payout).toMatchObject({ object: 'payout', status: 'PROCESSING', amount: 10_000, fee: 100, destination: { last4: '0001' } });
    expect((await sdk.balance.retrieve()).available.find((b) => b.currency === 'CNY')!.amount).toBe(available - 10_100);
    // The same outPayoutNo and body: the same payout; another amount: 409 as a ConflictError.
    expect((await sdk.payouts.create(params)).id).toBe(payout.id);
    await expect(sdk.payouts.create({ ...params, amount: 9_999 })).rejects.toSatisfy((e) => e instanceof ConflictError && e.code === 'duplicate_out_payout_no');
    await expect(sdk.payouts.create({ ...params, outPayoutNo: `${params.outPayoutNo}-big`, amount: available })).rejects.toSatisfy(
      (e) => e instanceof InvalidRequestError && e.code === 'insufficient_available_balance',
    );

    const done = await eventually(async () => {
      const read: Payout = await sdk.payouts.retrieve(payout.id);
      return read.status === 'SUCCEEDED' ? read : undefined;
    }, 60_000, 'the payout succeeded');
    expect(done.failureCode).toBeNull();
    const succeeded = await sdk.payouts.list({ status: 'SUCCEEDED' }).toArray({ limit: 10 });
    expect(succeeded.map((p) => p.id)).toEqual([payout.id]);
    expect((await sdk.payouts.list({ status: 'FAILED' })).data).toEqual([]);
  });
});
