import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signCardAgreement } from '../support/card-agreements.js';
import { runOpsCli } from '../support/ops-cli-process.js';
import { opsCall } from '../support/ops-client.js';
import { useTestRuntime } from '../support/runtime.js';

/**
 * Channels as data over HTTP (docs/operations.md, "Channels"): an operator disables, enables and tunes a channel
 * through the operations API and the next payment routes by it, with the attempt saying why. The cache is off
 * (PAY_CHANNEL_CACHE_SECONDS 0) so "the next payment" needs no wait; the cache itself has a unit test.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'pay-channels-'));
const env = useTestRuntime({ dataDir, channelCacheSeconds: 0 });

const ops = (method: string, path: string, body?: unknown) => opsCall(env.runtime, method, path, body === undefined ? {} : { body });

/** Pays a new order by card; its channel, and the routing decision its attempt kept (the ops API's view). */
async function cardPayment(order: Record<string, unknown> = {}, card?: string): Promise<{ channel: string; routing: any; attempts: any[] }> {
  const created = await env.api.createOrder(order);
  const paid = await env.api.pay(created.id, card);
  expect(paid.status).toBe(200);
  expect(paid.body.status).toBe('SUCCEEDED');
  // Merchants see the channel, never the routing decision (decisions, 208).
  expect(paid.body.payment).not.toHaveProperty('routing');
  const attempts = await ops('GET', `/ops/v1/orders/${created.id}/attempts`);
  expect(attempts.status).toBe(200);
  const last = attempts.body.data.at(-1);
  expect(last.channel).toBe(paid.body.payment.channel);
  return { channel: paid.body.payment.channel, routing: last.routing, attempts: attempts.body.data };
}

const excluded = (routing: any, channel: string) => routing.candidates.find((c: any) => c.channel === channel)?.excluded;

describe('channels through the operations API', () => {
  it('lists every channel this runtime built, as the registry seeds them, with health', async () => {
    const list = await ops('GET', '/ops/v1/channels');
    expect(list.status).toBe(200);
    const ids = list.body.data.map((c: any) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['card_a', 'card_b', 'alipay', 'wechat_pay']));
    const cardA = list.body.data.find((c: any) => c.id === 'card_a');
    expect(cardA).toMatchObject({ object: 'channel', enabled: true, costBps: 30, costFixed: 0, minAmount: 1, priority: 100, dailyLimit: null, version: 0, updatedAt: null });
    expect(cardA).toHaveProperty('health');
    expect((await ops('GET', '/ops/v1/channels/card_b')).body).toMatchObject({ id: 'card_b', costBps: 45 });
    expect((await ops('GET', '/ops/v1/channels/no_such')).status).toBe(404);
  });

  it('routes to the cheaper card channel and records why', async () => {
    const { channel, routing } = await cardPayment();
    expect(channel).toBe('card_a');
    expect(routing.reason).toBe('cheapest');
    expect(routing.candidates.map((c: any) => [c.channel, c.cost])).toEqual([['card_a', 6], ['card_b', 9]]);
  });

  it('disabling card_a sends the next card payment to card_b (and says card_a was disabled); enabling brings it back', async () => {
    const disabled = await ops('POST', '/ops/v1/channels/card_a/disable');
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ id: 'card_a', enabled: false, version: 1 });
    const off = await cardPayment();
    expect(off.channel).toBe('card_b');
    expect(off.routing.reason).toBe('only_eligible');
    expect(excluded(off.routing, 'card_a')).toBe('disabled');
    // A disabled channel signs no agreement either.
    const signed = await signCardAgreement(env.api);
    expect(signed.status).toBe(201);
    expect(signed.body.channel).toBe('card_b');

    const audit = await ops('GET', '/ops/v1/audit?limit=5');
    const entry = audit.body.data.find((e: any) => e.path === '/ops/v1/channels/card_a/disable');
    expect(entry.before).toMatchObject({ id: 'card_a', enabled: true, version: 0 });
    expect(entry.after).toMatchObject({ id: 'card_a', enabled: false, version: 1 });

    expect((await ops('POST', '/ops/v1/channels/card_a/enable')).body).toMatchObject({ enabled: true, version: 2 });
    expect((await cardPayment()).channel).toBe('card_a');
  });

  it('with both card channels disabled a card payment is declined no_channel_available, and its attempt says why', async () => {
    for (const id of ['card_a', 'card_b']) expect((await ops('POST', `/ops/v1/channels/${id}/disable`)).status).toBe(200);
    try {
      const created = await env.api.createOrder();
      const paid = await env.api.pay(created.id);
      expect(paid.status).toBe(402);
      expect(paid.body.error.code).toBe('no_channel_available');
      const [attempt] = (await ops('GET', `/ops/v1/orders/${created.id}/attempts`)).body.data;
      expect(attempt.routing).toMatchObject({ reason: 'none_eligible' });
      expect(attempt.routing.candidates.map((c: any) => [c.channel, c.excluded])).toEqual([['card_a', 'disabled'], ['card_b', 'disabled']]);
    } finally {
      for (const id of ['card_a', 'card_b']) await ops('POST', `/ops/v1/channels/${id}/enable`);
    }
  });

  it('a timed-out card_a fails over to card_b, and the new attempt says it was a failover from card_a', async () => {
    const { channel, routing, attempts } = await cardPayment({}, '4000000000000119');
    expect(channel).toBe('card_b');
    expect(routing).toMatchObject({ reason: 'failover', failoverFrom: 'card_a' });
    expect(attempts[0]).toMatchObject({ channel: 'card_a', status: 'CANCELLED', routing: { reason: 'cheapest' } });
  });

  it('making card_b cheaper through PATCH routes card payments to card_b by cost', async () => {
    const patched = await ops('PATCH', '/ops/v1/channels/card_b', { costBps: 10 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: 'card_b', costBps: 10 });
    const cheaper = await cardPayment();
    expect(cheaper.channel).toBe('card_b');
    expect(cheaper.routing.reason).toBe('cheapest');
    expect(cheaper.routing.candidates.map((c: any) => c.channel)).toEqual(['card_b', 'card_a']);
    expect((await ops('PATCH', '/ops/v1/channels/card_b', { costBps: 45 })).status).toBe(200);
    expect((await cardPayment()).channel).toBe('card_a');
  });

  it("card_a's daily quota in USD takes one payment; the next that would pass it goes to card_b", async () => {
    // USD: no card payment in this file used it before, so the day's usage starts at 0.
    expect((await ops('PATCH', '/ops/v1/channels/card_a', { dailyLimit: { USD: 3000 } })).body.dailyLimit).toEqual({ USD: 3000 });
    expect((await cardPayment({ currency: 'USD', amount: 2000 })).channel).toBe('card_a');
    const over = await cardPayment({ currency: 'USD', amount: 2000 });
    expect(over.channel).toBe('card_b');
    expect(excluded(over.routing, 'card_a')).toBe('daily_limit');
    // What is left of the quota still fits a smaller payment; and CNY has no quota.
    expect((await cardPayment({ currency: 'USD', amount: 1000 })).channel).toBe('card_a');
    expect((await cardPayment({ currency: 'CNY', amount: 5000 })).channel).toBe('card_a');
    expect((await ops('PATCH', '/ops/v1/channels/card_a', { dailyLimit: null })).body.dailyLimit).toBeNull();
  });

  it("card_a's per-payment maximum sends a larger payment to card_b", async () => {
    expect((await ops('PATCH', '/ops/v1/channels/card_a', { maxAmount: 5000 })).status).toBe(200);
    const large = await cardPayment({ amount: 5001 });
    expect(large.channel).toBe('card_b');
    expect(excluded(large.routing, 'card_a')).toBe('amount_limits');
    expect((await cardPayment({ amount: 5000 })).channel).toBe('card_a');
    expect((await ops('PATCH', '/ops/v1/channels/card_a', { maxAmount: 100_000_000_000 })).status).toBe(200);
  });

  it('refuses a bad change with 400 naming the parameter, and stores nothing', async () => {
    // The record, not its health: the health is live (calls leave the window as it slides) and no PATCH touches it.
    const record = async () => {
      const { health: _live, ...rest } = (await ops('GET', '/ops/v1/channels/card_a')).body;
      return rest;
    };
    const before = await record();
    const cases: Array<[unknown, string, string]> = [
      [{ costBps: -1 }, 'parameter_invalid', 'costBps'],
      [{ minAmount: 10, maxAmount: 5 }, 'parameter_invalid', 'minAmount'],
      [{ maxAmount: 0 }, 'parameter_invalid', 'maxAmount'],
      [{ dailyLimit: { XXX: 5 } }, 'parameter_unknown', 'dailyLimit.XXX'],
      [{ dailyLimit: { CNY: 0 } }, 'parameter_invalid', 'dailyLimit.CNY'],
      [{ priority: 1.5 }, 'parameter_invalid', 'priority'],
      [{ enabled: false }, 'parameter_unknown', 'enabled'],
      [{ methods: ['card', 'alipay'] }, 'parameter_invalid', 'methods.1'],
      [{ currencies: [] }, 'parameter_invalid', 'currencies'],
    ];
    for (const [body, code, param] of cases) {
      const res = await ops('PATCH', '/ops/v1/channels/card_a', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ code });
      expect(res.body.error.param).toMatch(new RegExp(`^${param}`));
      expect(res.body.error.requestId).toEqual(expect.any(String));
    }
    expect((await ops('PATCH', '/ops/v1/channels/card_a', {})).status).toBe(400);
    expect((await ops('PATCH', '/ops/v1/channels/no_such', { costBps: 1 })).status).toBe(404);
    expect(await record()).toEqual(before);
  });

  it('npm run ops -- channels set sends its options as a PATCH; channels list reads them back', async () => {
    // Each run is a process of its own (a couple of seconds under tsx): few of them, the rest is HTTP above.
    const cli = (...args: string[]) => runOpsCli(env.runtime, dataDir, args);
    const set = await cli('channels', 'set', 'card_b', '--priority', '7', '--cost-fixed', '3', '--daily-limit', '{"EUR":100000}');
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ id: 'card_b', priority: 7, costFixed: 3, costBps: 45, dailyLimit: { EUR: 100000 } });
    const listed = await cli('channels', 'list');
    expect(JSON.parse(listed.stdout).data.find((c: any) => c.id === 'card_b')).toMatchObject({ enabled: true, priority: 7, costFixed: 3 });
    // No option at all is a wrong command (exit 2), sent nowhere.
    expect((await cli('channels', 'set', 'card_b')).code).toBe(2);
    expect((await ops('PATCH', '/ops/v1/channels/card_b', { priority: 100, costFixed: 0, dailyLimit: null })).body).toMatchObject({ priority: 100, dailyLimit: null });
  });
});
