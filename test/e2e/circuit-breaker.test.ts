import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { useTestRuntime } from '../support/runtime.js';
import { useSecondContainer } from '../support/second-runtime.js';
import { eventually } from '../support/webhook-receiver.js';

/**
 * The circuit breaker's whole cycle across two containers on one table (decisions 198-203): container A is this
 * process's runtime, container B a runtime in a child process, each with its own Deps and health cache, so the only
 * thing they share is the table. With card_a in the sandbox's `timeout` mode the first payments (through A) wait for
 * card_a's timeout and fail over to card_b; then its circuit is open and a payment through B goes straight to card_b
 * (no card_a attempt); with the mode back to normal, probes through both containers close it and card_a is routed
 * again. The policy is small for the test: 2 technical failures in a row open it, for 8 s, and 2 probes close it.
 */
const CIRCUIT_ENV = {
  PAY_CIRCUIT_CONSECUTIVE_FAILURES: '2',
  // The rate rule needs more calls than this file makes: the streak alone opens the circuit here.
  PAY_CIRCUIT_MIN_CALLS: '50',
  // Long enough that container B's payment (an order and a pay over HTTP on a loaded machine) is routed while it is
  // open, short enough that waiting for half-open costs the file only seconds.
  PAY_CIRCUIT_OPEN_SECONDS: '8',
  PAY_CIRCUIT_PROBES: '2',
};
const saved = Object.fromEntries(Object.keys(CIRCUIT_ENV).map((k) => [k, process.env[k]]));
Object.assign(process.env, CIRCUIT_ENV);

const dataDir = mkdtempSync(join(tmpdir(), 'pay-test-'));
// card_a's timeout is what the first payments wait for: short, but long enough for an honest answer on a busy machine.
const env = useTestRuntime({ dataDir, cardTimeoutMs: 1500 });
// Container B inherits the circuit settings through its environment.
const containerB = useSecondContainer(env, dataDir);
let apiB: ApiClient;
beforeAll(() => {
  apiB = new ApiClient(containerB.url, env.runtime.demoMerchant!);
});

afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const setMode = (channel: string, mode: unknown) =>
  fetch(`${env.runtime.url}/sandbox/channels/${channel}/mode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode }) });

/** Pays a new order by card through one container; the order's status and its attempts' channels, oldest first. */
async function pay(api: ApiClient, card = '4242424242424242'): Promise<{ status: string; channels: string[] }> {
  const order = await api.createOrder({ amount: 1200 });
  const paid = await api.pay(order.id, card);
  // 402: declined (the contract's answer to a card decline).
  expect([200, 402]).toContain(paid.status);
  const { body } = await api.get(`/v1/orders/${order.id}`);
  const attempts = await env.runtime.deps.orders.listAttempts(order.id);
  return { status: body.status, channels: attempts.map((a) => a.channel!) };
}

/** card_a's shared health as the operations API reads it (no probe claimed). */
const cardA = async () => (await env.runtime.deps.channelHealth.views(['card_a'])).get('card_a')!;

describe('the sandbox fault knob', () => {
  it('sets normal / timeout / error on every sandbox channel, answers 200 with the mode, and 400 for any other', async () => {
    for (const channel of ['card_a', 'card_b', 'unionpay', 'wechat_pay', 'alipay', 'netbank']) {
      const set = await setMode(channel, 'error');
      expect(set.status, channel).toBe(200);
      expect(await set.json(), channel).toMatchObject({ mode: 'error' });
      const bad = await setMode(channel, 'slow');
      expect(bad.status, channel).toBe(400);
      expect((await setMode(channel, 'normal')).status, channel).toBe(200);
    }
    expect((await setMode('card_a', undefined)).status).toBe(400);
  });

  it("`error` answers the channel's calls with its system error; the sandbox's own paths keep working", async () => {
    expect((await setMode('netbank', 'error')).status).toBe(200);
    const call = await fetch(`${env.runtime.url}/sandbox/channels/netbank/gateway/pay`, { method: 'POST', body: '{}' });
    expect(call.status).toBe(503);
    expect(await call.json()).toMatchObject({ code: 'SYSTEM_ERROR' });
    expect((await setMode('netbank', 'normal')).status).toBe(200);
    const activity = await fetch(`${env.runtime.url}/sandbox/channels/card_a/sandbox/activity?order_id=none`);
    expect(activity.status).toBe(200);
  });
});

describe('the circuit breaker across two containers', () => {
  it('business declines never open it', async () => {
    for (let i = 0; i < 3; i += 1) {
      const declined = await pay(env.api, '4000000000000002');
      expect(declined).toEqual({ status: 'CREATED', channels: ['card_a'] });
    }
    expect(await cardA()).toMatchObject({ circuit: 'closed', timeoutRate: 0, errorRate: 0 });
    // Counted all the same, as answered calls, by each payment's commit (the view may be a second old).
    await eventually(async () => (await cardA()).calls >= 3, 10_000, 'the declines counted');
  });

  it('a system error is a technical failure: the payment fails over, and one answered call ends the streak', async () => {
    expect((await setMode('card_a', 'error')).status).toBe(200);
    expect(await pay(env.api)).toEqual({ status: 'SUCCEEDED', channels: ['card_a', 'card_b'] });
    expect((await cardA()).errorRate).toBeGreaterThan(0);
    expect((await setMode('card_a', 'normal')).status).toBe(200);
    // Answered: the streak of one error is over, so the next failures start a new one.
    expect(await pay(env.api)).toEqual({ status: 'SUCCEEDED', channels: ['card_a'] });
    expect((await cardA()).circuit).toBe('closed');
  });

  it('timeouts fail over, then open the circuit; the other container goes straight to card_b; probes close it', async () => {
    expect((await setMode('card_a', 'timeout')).status).toBe(200);
    // Container A: each payment waits for card_a's timeout, then card_b takes it.
    expect(await pay(env.api)).toEqual({ status: 'SUCCEEDED', channels: ['card_a', 'card_b'] });
    expect((await cardA()).circuit).toBe('closed');
    expect(await pay(env.api)).toEqual({ status: 'SUCCEEDED', channels: ['card_a', 'card_b'] });
    const opened = await cardA();
    expect(opened).toMatchObject({ circuit: 'open', available: false, openedAt: expect.any(String) });
    expect(opened.timeoutRate).toBeGreaterThan(0);

    // Container B never saw card_a fail: the table told it. No card_a attempt, so no timeout wait.
    expect(await pay(apiB)).toEqual({ status: 'SUCCEEDED', channels: ['card_b'] });

    // card_a answers again; once the open time is over, probes through either container close the circuit.
    expect((await setMode('card_a', 'normal')).status).toBe(200);
    await eventually(async () => (await cardA()).circuit === 'half_open', 20_000, 'card_a half-open');
    expect(await pay(apiB)).toEqual({ status: 'SUCCEEDED', channels: ['card_a'] });
    expect((await cardA()).circuit).toBe('half_open');
    expect(await pay(env.api)).toEqual({ status: 'SUCCEEDED', channels: ['card_a'] });
    expect(await cardA()).toMatchObject({ circuit: 'closed', available: true, openedAt: null });
    expect(await pay(apiB)).toEqual({ status: 'SUCCEEDED', channels: ['card_a'] });
  });
});
