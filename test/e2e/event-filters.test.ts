import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMerchant } from '../../shared/services/merchants.js';
import type { ApiClient } from '../support/api-client.js';
import { opsCall } from '../support/ops-client.js';
import { useTestRuntime } from '../support/runtime.js';
import { eventually } from '../support/webhook-receiver.js';
import { useWebhookReceivers } from '../support/use-webhook-receivers.js';

/**
 * Events across a merchant's objects (GET /v1/events?deliveryStatus=&type=&limit=&cursor=) and across merchants for
 * support (GET /ops/v1/events?merchantId=…), over HTTP against the local runtime: a merchant finds its failed
 * deliveries without knowing which orders they belong to, pages through its events newest first, and never sees
 * another merchant's (docs/api.md, "GET /v1/events"; docs/operations.md).
 */

// 24 h of retry schedule in about 9 s, so that deliveries to a failing endpoint end FAILED within the test.
const env = useTestRuntime({ retryTimeScale: 0.0001 });
const receiver = useWebhookReceivers();

async function merchant(): Promise<{ api: ApiClient; merchantId: string }> {
  const credentials = await createMerchant(env.runtime.deps, { name: `Events ${randomBytes(3).toString('hex')}` });
  return { api: env.api.as(credentials), merchantId: credentials.merchantId };
}

async function paidOrder(api: ApiClient, notifyUrl?: string): Promise<string> {
  const order = await api.createOrder(notifyUrl ? { notifyUrl } : {});
  expect((await api.pay(order.id)).status).toBe(200);
  return order.id as string;
}

/** Every event of the merchant the filter selects, page by page; also checks each page's size. */
async function allPages(api: ApiClient, filter: string, limit: number): Promise<any[]> {
  const events: any[] = [];
  let cursor: string | null = null;
  do {
    const res: { status: number; body: any } = await api.get(`/v1/events?limit=${limit}${filter}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeLessThanOrEqual(limit);
    events.push(...res.body.data);
    cursor = res.body.nextCursor;
  } while (cursor);
  return events;
}

describe('events across objects', () => {
  it("finds a merchant's failed deliveries and its events by type, paged newest first, never another merchant's", async () => {
    const failing = await receiver(() => 500);
    const working = await receiver(() => 204);
    const a = await merchant();
    const b = await merchant();
    const failedOrders = [await paidOrder(a.api, failing.url), await paidOrder(a.api, failing.url)];
    const deliveredOrder = await paidOrder(a.api, working.url);
    const silentOrder = await paidOrder(a.api);
    const otherMerchantsOrder = await paidOrder(b.api, failing.url);

    const failed = await eventually(async () => {
      const res = await a.api.get('/v1/events?deliveryStatus=FAILED');
      return res.body.data.length === 2 ? res.body.data : undefined;
    }, 60_000, 'two FAILED deliveries');
    expect(failed.map((e: any) => e.orderId).sort()).toEqual([...failedOrders].sort());
    for (const event of failed) expect(event.delivery.status).toBe('FAILED');

    await eventually(async () => (await a.api.get('/v1/events?deliveryStatus=DELIVERED')).body.data.length === 1, 20_000, 'one DELIVERED');
    const delivered = (await a.api.get('/v1/events?deliveryStatus=DELIVERED')).body.data;
    expect(delivered.map((e: any) => e.orderId)).toEqual([deliveredOrder]);
    expect((await a.api.get('/v1/events?deliveryStatus=NO_URL')).body.data.map((e: any) => e.orderId)).toEqual([silentOrder]);

    // Every event of A, a page of one at a time: each once, newest first, none of B's.
    const all = await allPages(a.api, '', 1);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    expect(new Set(all.map((e) => e.orderId))).toEqual(new Set([...failedOrders, deliveredOrder, silentOrder]));
    const times = all.map((e) => e.createdAt as string);
    expect([...times].sort().reverse()).toEqual(times);
    expect(all.map((e) => e.orderId)).not.toContain(otherMerchantsOrder);

    // A type filter with a status filter, paged by two.
    const succeededAndFailed = await allPages(a.api, `&type=${failed[0].type}&deliveryStatus=FAILED`, 2);
    expect(succeededAndFailed.map((e) => e.id).sort()).toEqual(failed.map((e: any) => e.id).sort());
    expect(await allPages(a.api, '&type=refund.succeeded', 5)).toEqual([]);
  });

  it("refuses another merchant's cursor, bad filters, and paging one object's events", async () => {
    const a = await merchant();
    const b = await merchant();
    await paidOrder(a.api);
    const orderId = await paidOrder(a.api);
    const first = await a.api.get('/v1/events?limit=1');
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const foreign = await b.api.get(`/v1/events?limit=1&cursor=${first.body.nextCursor}`);
    expect(foreign.status).toBe(400);
    expect(foreign.body.error).toMatchObject({ code: 'cursor_invalid', param: 'cursor' });
    expect((await a.api.get('/v1/events?deliveryStatus=LOST')).status).toBe(400);
    expect((await a.api.get('/v1/events?type=Order%20paid')).status).toBe(400);
    expect((await a.api.get('/v1/events?limit=101')).status).toBe(400);
    const paged = await a.api.get(`/v1/events?orderId=${orderId}&limit=5`);
    expect(paged.status).toBe(400);
    expect(paged.body.error).toMatchObject({ param: 'limit' });
    // One object's events still come all at once, and take the filters.
    const own = await a.api.get(`/v1/events?orderId=${orderId}&deliveryStatus=NO_URL`);
    expect(own.status).toBe(200);
    expect(own.body.nextCursor).toBeNull();
    expect(own.body.data.length).toBeGreaterThan(0);
    expect((await a.api.get(`/v1/events?orderId=${orderId}&deliveryStatus=FAILED`)).body.data).toEqual([]);
  });
});

describe('events across merchants, for support', () => {
  it("lists any merchant's events by merchantId with the same filters, audited", async () => {
    const a = await merchant();
    const b = await merchant();
    const aOrders = [await paidOrder(a.api), await paidOrder(a.api), await paidOrder(a.api)];
    await paidOrder(b.api);
    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const page = await opsCall(env.runtime, 'GET', `/ops/v1/events?merchantId=${a.merchantId}&deliveryStatus=NO_URL&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.data);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen.map((e) => e.orderId))).toEqual(new Set(aOrders));
    expect(seen.every((e) => e.delivery.status === 'NO_URL')).toBe(true);

    const missing = await opsCall(env.runtime, 'GET', '/ops/v1/events?deliveryStatus=FAILED');
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ param: 'merchantId', requestId: missing.requestId });
    expect((await opsCall(env.runtime, 'GET', `/ops/v1/events?merchantId=${a.merchantId}`, { token: null })).status).toBe(401);
    const audit = await opsCall(env.runtime, 'GET', '/ops/v1/audit?limit=100');
    expect(audit.body.data.find((e: any) => e.id === missing.requestId)).toMatchObject({ status: 400, path: '/ops/v1/events?deliveryStatus=FAILED' });
  });
});
