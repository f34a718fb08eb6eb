import { describe, expect, it } from 'vitest';
import { useTestRuntime } from '../support/runtime.js';

/**
 * The local runtime runs timers: a timer scheduled through its Timers port reaches the timer function when due, whose
 * handler (the janitor's) acts and acknowledges it, so it leaves the queue. Here the order does not exist: the handler
 * has nothing to do, which shows that the poller, the queue and the function are wired together without depending on
 * what the janitor decides (test/e2e/janitor.test.ts covers that).
 */
const env = useTestRuntime();

describe('timers in the local runtime', () => {
  it('delivers a due timer to the timer function, which takes it off the queue', async () => {
    const { timers, queue } = env.runtime.timers;
    const ours = async () => (await queue.all()).map((m) => m.messageId).filter((id) => id === 'timer:order.expire:ord_runtime1');
    await timers.schedule({ key: 'order.expire:ord_runtime1', kind: 'order.expire', dueAtMs: Date.now() + 200, payload: { orderId: 'ord_runtime1' } });
    expect(await ours()).toEqual(['timer:order.expire:ord_runtime1']);
    await expect.poll(ours, { timeout: 10_000 }).toEqual([]);
    // The demo merchant's janitor sweep, armed when it was created, is still pending (due in 15 minutes).
    expect((await queue.all()).some((m) => String(m.messageId).startsWith('timer:janitor.sweep:'))).toBe(true);
  });
});
