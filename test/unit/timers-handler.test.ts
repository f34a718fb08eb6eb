import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler, parseTimer, setTimerHandlers } from '../../functions/timers.js';
import { setMetricSink, TIMER_METRICS, type MetricDocument } from '../../shared/metrics.js';
import { TIMER_KINDS, timerBody, type Timer } from '../../shared/ports/timers.js';
import { createTimerHandlers, TimerHandlers } from '../../shared/services/timer-handlers.js';

const record = (messageId: string, body: string): SQSRecord =>
  ({ messageId, receiptHandle: `r-${messageId}`, body, attributes: {}, messageAttributes: {} }) as unknown as SQSRecord;
const event = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const query: Timer = { key: 'payment.query:pay_1', kind: 'payment.query', dueAtMs: 1_795_000_000_000, payload: { attempt: 2, orderId: 'ord_1' } };

let metrics: MetricDocument[];
beforeEach(() => {
  metrics = [];
  setMetricSink((d) => metrics.push(d));
});
afterEach(() => setMetricSink(undefined));

const dropped = () => metrics.filter((m) => m[TIMER_METRICS.dropped] === 1).map((m) => m.Reason);

describe('timer parsing', () => {
  it('reads back exactly what an adapter wrote', () => {
    expect(parseTimer(timerBody(query))).toEqual(query);
  });

  it('refuses what is not a timer', () => {
    for (const body of ['', 'not json', '[]', '{}', JSON.stringify({ ...query, key: 'bad key' }), JSON.stringify({ ...query, dueAtMs: -1 }),
      JSON.stringify({ ...query, dueAtMs: '1' }), JSON.stringify({ ...query, payload: { nested: { a: 1 } } }), JSON.stringify({ ...query, kind: '' })]) {
      expect(parseTimer(body), body).toBeUndefined();
    }
  });
});

describe('timer function', () => {
  it('hands each timer to the handler of its kind, with its payload', async () => {
    const seen: Timer[] = [];
    setTimerHandlers(new TimerHandlers().register('payment.query', async (t) => void seen.push(t)));
    const response = await handler(event(record('m1', timerBody(query))));
    expect(response.batchItemFailures).toEqual([]);
    expect(seen).toEqual([query]);
    expect(dropped()).toEqual([]);
  });

  it('drops a timer of a kind with no handler and a body that is not a timer: counted, acknowledged, never retried', async () => {
    const seen: Timer[] = [];
    setTimerHandlers(new TimerHandlers().register('payment.query', async (t) => void seen.push(t)));
    const expire = timerBody({ key: 'order.expire:ord_1', kind: 'order.expire', dueAtMs: 1, payload: {} });
    const future = JSON.stringify({ key: 'settlement.run:2026-11-27', kind: 'settlement.run', dueAtMs: 1, payload: {} });
    const response = await handler(event(record('m1', expire), record('m2', future), record('m3', '{"oops"'), record('m4', timerBody(query))));
    expect(response.batchItemFailures).toEqual([]);
    expect(dropped().sort()).toEqual(['malformed', 'unknown_kind', 'unknown_kind']);
    expect(seen).toEqual([query]);
  });

  it('reports a failing handler as a batch item failure, so that only that timer is delivered again', async () => {
    setTimerHandlers(
      new TimerHandlers().register('payment.query', async () => {
        throw new Error('channel unreachable');
      }).register('refund.query', async () => undefined),
    );
    const refund = timerBody({ key: 'refund.query:rf_1', kind: 'refund.query', dueAtMs: 1, payload: {} });
    const response = await handler(event(record('m1', timerBody(query)), record('m2', refund)));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
  });

  it('the platform registry handles every timer kind (the janitor), drops an unknown kind, and refuses a kind twice', async () => {
    const platform = createTimerHandlers(() => {
      throw new Error('no services in this test');
    });
    for (const kind of TIMER_KINDS) expect(platform.handlerOf(kind), kind).toBeTypeOf('function');
    setTimerHandlers(platform);
    const unknown = JSON.stringify({ key: 'x.y:1', kind: 'settlement.run', dueAtMs: 1, payload: {} });
    const response = await handler(event(record('m1', unknown)));
    expect(response.batchItemFailures).toEqual([]);
    expect(dropped()).toEqual(['unknown_kind']);
    const registry = new TimerHandlers().register('order.expire', async () => undefined);
    expect(() => registry.register('order.expire', async () => undefined)).toThrow(/already registered/);
  });
});
