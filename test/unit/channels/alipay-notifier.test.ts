import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ALIPAY_NOTIFY_RETRY_DELAYS_MS, AlipayNotifier, type CallbackDelivery } from '../../../infra/local/sandbox/alipay/notifier.js';
import type { SandboxStore } from '../../../infra/local/sandbox/sandbox-store.js';
import { generateSandboxAlipayKeys } from '../../../shared/channels/alipay/credentials.js';

/**
 * The sandbox Alipay's notification cadence at real scale (timeScale 1) under fake timers: 8 sendings, 4m, 10m, 10m,
 * 1h, 2h, 6h and 15h apart. The store is an in-memory stand-in with the same versioned writes as SandboxStore.
 */
class MemoryStore {
  readonly items = new Map<string, { value: unknown; version: number }>();
  async get<T>(channel: string, key: string) {
    return this.items.get(`${channel}/${key}`) as { value: T; version: number } | undefined;
  }
  async put<T>(channel: string, key: string, value: T, expectedVersion?: number) {
    const current = this.items.get(`${channel}/${key}`);
    if (expectedVersion !== undefined && (current?.version ?? 0) !== expectedVersion) return false;
    this.items.set(`${channel}/${key}`, { value: structuredClone(value), version: (expectedVersion ?? 0) + 1 });
    return true;
  }
  async list<T>(channel: string, prefix: string) {
    return [...this.items.entries()]
      .filter(([key]) => key.startsWith(`${channel}/${prefix}`))
      .map(([key, item]) => ({ key: key.slice(channel.length + 1), value: item.value as T, version: item.version }));
  }
}

const keys = generateSandboxAlipayKeys();
let store: MemoryStore;
let sent: { at: number; delivery: CallbackDelivery }[];

function notifier(answer: (n: number) => string, memory = store): AlipayNotifier {
  return new AlipayNotifier({
    store: memory as unknown as SandboxStore,
    channel: 'alipay',
    signingKeyPem: () => keys.channel.alipaySigningKey.privateKeyPem,
    timeScale: 1,
    now: () => new Date(),
    send: async (delivery) => {
      sent.push({ at: Date.now(), delivery });
      return { statusCode: 200, body: answer(sent.length) };
    },
  });
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-11-27T00:00:00Z') });
  store = new MemoryStore();
  sent = [];
});
afterEach(() => vi.useRealTimers());

describe('sandbox Alipay notification cadence', () => {
  it('sends 8 times over about 25 hours, 4m, 10m, 10m, 1h, 2h, 6h and 15h apart, then gives up', async () => {
    const sender = notifier(() => 'fail');
    await sender.start();
    await sender.notify('n1', 'http://platform/callbacks/alipay', { notify_id: 'n1', out_trade_no: 'pay_1' });
    await vi.advanceTimersByTimeAsync(26 * 3_600_000);
    sender.stop();

    const gapsMinutes = sent.slice(1).map((each, i) => (each.at - sent[i]!.at) / 60_000);
    expect(gapsMinutes).toEqual([4, 10, 10, 60, 120, 360, 900]);
    expect(ALIPAY_NOTIFY_RETRY_DELAYS_MS.map((ms) => ms / 60_000)).toEqual(gapsMinutes);
    expect((await store.get<{ state: string }>('alipay', 'notify#n1'))!.value.state).toBe('abandoned');
  });

  it('stops at the first literal success, and every sending has a fresh notify_time and the same notify_id', async () => {
    const sender = notifier((n) => (n === 3 ? 'success' : 'SUCCESS '));
    await sender.start();
    await sender.notify('n2', 'http://platform/callbacks/alipay', { notify_id: 'n2', out_trade_no: 'pay_2' });
    await vi.advanceTimersByTimeAsync(26 * 3_600_000);
    sender.stop();

    expect(sent).toHaveLength(3);
    const bodies = sent.map((each) => new URLSearchParams(each.delivery.body));
    expect(bodies.map((body) => body.get('notify_id'))).toEqual(['n2', 'n2', 'n2']);
    expect(new Set(bodies.map((body) => body.get('notify_time'))).size).toBe(3);
  });

  it('a stopped sender sends nothing more; a new one started on the same store resumes on schedule', async () => {
    const first = notifier(() => 'fail');
    await first.start();
    await first.notify('n3', 'http://platform/callbacks/alipay', { notify_id: 'n3' });
    first.stop();
    await vi.advanceTimersByTimeAsync(3 * 60_000);
    expect(sent).toHaveLength(1);

    const second = notifier(() => 'success');
    await second.start();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    second.stop();
    expect(sent).toHaveLength(2);
  });
});
