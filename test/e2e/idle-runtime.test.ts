import { afterAll, describe, expect, it } from 'vitest';
import { eventually, WebhookReceiver } from '../support/webhook-receiver.js';
import { useTestRuntime } from '../support/runtime.js';

/**
 * An idle runtime's pollers wait up to a minute between looks here (in `npm start`: up to LOCAL_IDLE_POLL_MAX_MS,
 * 30 s), yet a delivery is never late: the runtime's own writes wake the stream poller, a sent message wakes the queue
 * poller, and a delayed message sets the queue poller's next look. Every wait below is far shorter than a minute, so
 * each test fails if one of those wake-ups is missing.
 */
const env = useTestRuntime({ pollIntervalMs: 60_000, idlePollMaxMs: 60_000, retryTimeScale: 0.01 });
const receivers: WebhookReceiver[] = [];
afterAll(async () => Promise.all(receivers.map((r) => r.stop())));

async function paidOrderNotifying(respond: (n: number) => number): Promise<{ hooks: WebhookReceiver; orderId: string }> {
  const hooks = await new WebhookReceiver(respond).start();
  receivers.push(hooks);
  // Let the pollers settle into their long idle wait first.
  await new Promise((r) => setTimeout(r, 300));
  const order = (await env.api.createOrder({ notifyUrl: hooks.url })) as { id: string };
  expect((await env.api.pay(order.id)).status).toBe(200);
  return { hooks, orderId: order.id };
}

describe('an idle runtime', () => {
  it('relays and delivers a new event at once, though its pollers are in a minute-long idle wait', async () => {
    const { hooks, orderId } = await paidOrderNotifying(() => 200);
    const [hook] = await eventually(() => (hooks.received.length > 0 ? hooks.received : undefined), 20_000, 'the webhook');
    expect(JSON.parse(hook!.rawBody)).toMatchObject({ type: 'order.succeeded', data: { object: { id: orderId } } });
  });

  it('makes a scheduled retry when it is due, not when the idle wait ends', async () => {
    // First attempt 503; the retry is due 15 s × 0.01 = 150 ms later.
    const { hooks } = await paidOrderNotifying((n) => (n === 1 ? 503 : 200));
    await eventually(() => hooks.received.length >= 2, 20_000, 'the retry');
    expect(hooks.received.map((h) => h.answeredWith)).toEqual([503, 200]);
    expect(hooks.received[1]!.at - hooks.received[0]!.at).toBeGreaterThanOrEqual(150);
  });
});
