import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setMetricSink, TIMER_METRICS, type MetricDocument } from '../../shared/metrics.js';
import { useTestRuntime } from '../support/runtime.js';

/**
 * The local runtime runs timers: a timer scheduled through its Timers port reaches the timer function when due. The
 * platform registry has no handlers yet (the janitor registers them), so the function drops it with the metric, which
 * is what shows that the poller, the queue and the function are wired together.
 */
const env = useTestRuntime();

let metrics: MetricDocument[];
beforeEach(() => {
  metrics = [];
  setMetricSink((d) => metrics.push(d));
});
afterEach(() => setMetricSink(undefined));

describe('timers in the local runtime', () => {
  it('delivers a due timer to the timer function, which takes it off the queue', async () => {
    const { timers, queue } = env.runtime.timers;
    await timers.schedule({ key: 'order.expire:ord_runtime1', kind: 'order.expire', dueAtMs: Date.now() + 200, payload: {} });
    expect((await queue.all()).map((m) => m.messageId)).toEqual(['timer:order.expire:ord_runtime1']);
    await expect.poll(() => metrics.filter((m) => m[TIMER_METRICS.dropped] === 1).map((m) => [m.Reason, m.key]), { timeout: 10_000 }).toEqual([
      ['unknown_kind', 'order.expire:ord_runtime1'],
    ]);
    await expect.poll(() => queue.all()).toEqual([]);
  });
});
