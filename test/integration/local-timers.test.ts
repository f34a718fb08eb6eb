import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startLocalTimers, type LocalTimerService } from '../../infra/local/timers.js';
import { parseConfig } from '../../shared/config.js';
import type { Timer } from '../../shared/ports/timers.js';
import { TimerHandlers } from '../../shared/services/timer-handlers.js';

/**
 * The local timers end to end on DynamoDB Local: the durable `timers` queue, its poller and the timer function's
 * handler. Waits are on the handler's own calls (a promise per key), never on a clock.
 */
interface Fired {
  readonly timer: Timer;
  readonly atMs: number;
}

class Recorder {
  readonly fired: Fired[] = [];
  private readonly waiters = new Map<string, () => void>();

  handlers(): TimerHandlers {
    const record = async (timer: Timer) => {
      this.fired.push({ timer, atMs: Date.now() });
      this.waiters.get(timer.key)?.();
    };
    return new TimerHandlers().register('payment.query', record).register('order.expire', record).register('refund.query', record);
  }

  /** Resolves when the timer of `key` has fired (at once if it already has). */
  firedFor(key: string): Promise<void> {
    if (this.fired.some((f) => f.timer.key === key)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.set(key, resolve));
  }

  of(key: string): Fired[] {
    return this.fired.filter((f) => f.timer.key === key);
  }
}

const running: LocalTimerService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

function config(tableName: string) {
  return parseConfig({ TABLE_NAME: tableName, LOCAL_POLL_INTERVAL_MS: '20', LOCAL_IDLE_POLL_MAX_MS: '250', LOCAL_WAKE_ON_WRITE: 'true' });
}

async function start(tableName: string, recorder: Recorder): Promise<LocalTimerService> {
  const service = await startLocalTimers({ config: config(tableName), dynamoEndpoint: inject('dynamoEndpoint'), handlers: recorder.handlers() });
  running.push(service);
  return service;
}

const freshTable = () => `timers-${randomBytes(6).toString('hex')}`;
const id = () => randomBytes(5).toString('hex');

describe('local timers (durable queue + poller + timer function)', () => {
  it('invokes the handler of the kind with the payload, not before the due time, and the timer is gone after', async () => {
    const recorder = new Recorder();
    const service = await start(freshTable(), recorder);
    const key = `payment.query:pay_${id()}`;
    const dueAtMs = Date.now() + 400;
    await service.timers.schedule({ key, kind: 'payment.query', dueAtMs, payload: { attempt: 0, orderId: 'ord_1' } });
    expect(await service.queue.all()).toHaveLength(1);

    await recorder.firedFor(key);
    const [fired] = recorder.of(key);
    expect(fired!.timer).toEqual({ key, kind: 'payment.query', dueAtMs, payload: { attempt: 0, orderId: 'ord_1' } });
    expect(fired!.atMs).toBeGreaterThanOrEqual(dueAtMs);
    await expect.poll(() => service.queue.all()).toEqual([]);
  });

  it('a key scheduled again replaces its timer: it fires once, at the new time, with the new payload', async () => {
    const recorder = new Recorder();
    const service = await start(freshTable(), recorder);
    const key = `payment.query:pay_${id()}`;
    // Generous gaps between the due times: a replacement that took long to write must not look like a double fire.
    const now = Date.now();
    await service.timers.schedule({ key, kind: 'payment.query', dueAtMs: now + 1_500, payload: { attempt: 0 } });
    await service.timers.schedule({ key, kind: 'payment.query', dueAtMs: now + 2_000, payload: { attempt: 1 } });
    // A later timer as the end marker: timers fire in due order, so once it has fired, the first key's would have too.
    const marker = `order.expire:ord_${id()}`;
    await service.timers.schedule({ key: marker, kind: 'order.expire', dueAtMs: now + 2_300, payload: {} });

    await recorder.firedFor(marker);
    expect(recorder.of(key).map((f) => f.timer.payload)).toEqual([{ attempt: 1 }]);
    expect(recorder.of(key)[0]!.atMs).toBeGreaterThanOrEqual(now + 2_000);
  });

  it('a cancelled timer never fires, and cancelling an unknown key is a no-op', async () => {
    const recorder = new Recorder();
    const service = await start(freshTable(), recorder);
    const key = `order.expire:ord_${id()}`;
    const now = Date.now();
    await service.timers.schedule({ key, kind: 'order.expire', dueAtMs: now + 1_000, payload: {} });
    await service.timers.cancel(key);
    await service.timers.cancel(`order.expire:ord_${id()}`);
    const marker = `refund.query:rf_${id()}`;
    await service.timers.schedule({ key: marker, kind: 'refund.query', dueAtMs: now + 1_300, payload: {} });

    await recorder.firedFor(marker);
    expect(recorder.of(key)).toEqual([]);
  });

  it('a handler that schedules its own key again (the janitor rescheduling its next query) gets the new timer, not a deletion', async () => {
    const table = freshTable();
    const key = `payment.query:pay_${id()}`;
    const attempts: number[] = [];
    let done!: () => void;
    const secondFired = new Promise<void>((resolve) => (done = resolve));
    let service!: LocalTimerService;
    const handlers = new TimerHandlers().register('payment.query', async (timer) => {
      const attempt = timer.payload.attempt as number;
      attempts.push(attempt);
      if (attempt === 0) await service.timers.schedule({ ...timer, dueAtMs: Date.now() + 300, payload: { attempt: 1 } });
      else done();
    });
    service = await startLocalTimers({ config: config(table), dynamoEndpoint: inject('dynamoEndpoint'), handlers });
    running.push(service);
    await service.timers.schedule({ key, kind: 'payment.query', dueAtMs: Date.now() + 100, payload: { attempt: 0 } });
    await secondFired;
    expect(attempts).toEqual([0, 1]);
    await expect.poll(() => service.queue.all()).toEqual([]);
  });

  it('a timer survives a restart of the poller: scheduled before the stop, fired by the next one', async () => {
    const table = freshTable();
    const before = new Recorder();
    const first = await start(table, before);
    const key = `payment.query:pay_${id()}`;
    const dueAtMs = Date.now() + 1_500;
    await first.timers.schedule({ key, kind: 'payment.query', dueAtMs, payload: { attempt: 3 } });
    await first.stop();
    running.splice(running.indexOf(first), 1);

    const after = new Recorder();
    await start(table, after);
    await after.firedFor(key);
    expect(after.of(key).map((f) => f.timer.payload)).toEqual([{ attempt: 3 }]);
    expect(before.fired).toEqual([]);
  });

  it('a timer whose handler fails is delivered again, and parked in the dead-letter queue after the last receive', async () => {
    const table = freshTable();
    const attempts: number[] = [];
    let parked!: () => void;
    const allAttempts = new Promise<void>((resolve) => (parked = resolve));
    const handlers = new TimerHandlers().register('refund.query', async () => {
      attempts.push(attempts.length + 1);
      if (attempts.length === 5) parked();
      throw new Error('channel unreachable');
    });
    // A tiny visibility timeout (PAY_RETRY_TIME_SCALE scales it in local mode) so the receives follow each other.
    const service = await startLocalTimers({
      config: parseConfig({ TABLE_NAME: table, LOCAL_POLL_INTERVAL_MS: '20', LOCAL_IDLE_POLL_MAX_MS: '100', PAY_RETRY_TIME_SCALE: '0.0001' }),
      dynamoEndpoint: inject('dynamoEndpoint'),
      handlers,
    });
    running.push(service);
    const key = `refund.query:rf_${id()}`;
    await service.timers.schedule({ key, kind: 'refund.query', dueAtMs: Date.now(), payload: {} });
    await allAttempts;
    await expect.poll(async () => (await service.deadLetters.all()).map((m) => JSON.parse(m.body as string).key)).toEqual([key]);
    expect(await service.queue.all()).toEqual([]);
    expect(attempts).toEqual([1, 2, 3, 4, 5]);
  });
});
