import { describe, expect, it } from 'vitest';
import { ALIPAY_CATALOG } from '../../shared/channels/alipay/catalog.js';
import { cardAcquirerCatalogRow } from '../../shared/channels/card-acquirer/catalog.js';
import { ChannelDirectory } from '../../shared/services/channel-directory.js';
import { changeChannel, patchedRecord } from '../../shared/services/channels.js';
import { MemoryChannelStore } from '../support/memory-channel-store.js';

const defaults = [cardAcquirerCatalogRow('card_a', 30), cardAcquirerCatalogRow('card_b', 45), ALIPAY_CATALOG];

describe('the channel records routing reads', () => {
  it('are read once per cache period: a change elsewhere is seen when the period has passed, not before', async () => {
    let nowMs = 0;
    const store = new MemoryChannelStore();
    const directory = new ChannelDirectory(store, defaults, 5_000, () => nowMs);
    expect((await directory.current()).map((r) => [r.id, r.version])).toEqual([['card_a', 0], ['card_b', 0], ['alipay', 0]]);
    // Another container (the operations function) disables card_a in the store.
    await store.put({ ...(await store.list(defaults))[0]!, enabled: false }, 0);
    nowMs = 4_999;
    expect((await directory.current())[0]!.enabled).toBe(true);
    expect(store.lists).toBe(2); // the first read and the change's own; the cached answer read nothing
    nowMs = 5_000;
    expect((await directory.current())[0]).toMatchObject({ id: 'card_a', enabled: false, version: 1 });
  });

  it('reads no usage when no channel that takes the payment has a quota in its currency', async () => {
    const store = new MemoryChannelStore();
    let usageReads = 0;
    const counting = Object.assign(store, { usedToday: async (ids: readonly string[]) => (usageReads++, new Map(ids.map((id) => [id, 0]))) });
    const directory = new ChannelDirectory(counting, defaults, 0);
    const request = { method: 'card' as const, currency: 'CNY' as const, amount: 100, capture: true };
    await directory.usedToday(defaults, request, 0);
    await directory.usedToday([{ ...defaults[0]!, dailyLimit: { USD: 10 } }], request, 0);
    expect(usageReads).toBe(0);
    await directory.usedToday([{ ...defaults[0]!, dailyLimit: { CNY: 10 } }], request, 0);
    expect(usageReads).toBe(1);
  });

  it("reads a currency's usage once per cache period, and again on a new UTC day", async () => {
    let nowMs = Date.parse('2026-11-28T23:59:58Z');
    const store = new MemoryChannelStore();
    store.usage.set('card_a', 700);
    const directory = new ChannelDirectory(store, defaults, 5_000, () => nowMs);
    const limited = [{ ...defaults[0]!, dailyLimit: { CNY: 1_000 } }, defaults[1]!];
    const request = { method: 'card' as const, currency: 'CNY' as const, amount: 100, capture: true };
    expect(await directory.usedToday(limited, request, nowMs)).toEqual(new Map([['card_a', 700]]));
    store.usage.set('card_a', 900);
    nowMs += 1_000;
    expect((await directory.usedToday(limited, request, nowMs)).get('card_a')).toBe(700);
    nowMs += 1_000; // 00:00:00 of the next day: that day's counter, not the cached one
    expect((await directory.usedToday(limited, request, nowMs)).get('card_a')).toBe(900);
    store.usage.set('card_a', 950);
    nowMs += 5_000;
    expect((await directory.usedToday(limited, request, nowMs)).get('card_a')).toBe(950);
  });

  it("adds what this container routes to its cached usage, until the next read brings the stored figure", async () => {
    let nowMs = Date.parse('2026-11-28T10:00:00Z');
    const store = new MemoryChannelStore();
    store.usage.set('card_a', 700);
    const directory = new ChannelDirectory(store, defaults, 5_000, () => nowMs);
    const limited = [{ ...defaults[0]!, dailyLimit: { CNY: 1_000 } }, defaults[1]!];
    const request = { method: 'card' as const, currency: 'CNY' as const, amount: 200, capture: true };
    expect((await directory.usedToday(limited, request, nowMs)).get('card_a')).toBe(700);
    await directory.routed('card_a', request, nowMs);
    await directory.routed('card_a', { currency: 'USD', amount: 50 }, nowMs); // another currency's figure: not this one
    expect((await directory.usedToday(limited, request, nowMs)).get('card_a')).toBe(900);
    nowMs += 5_000; // the next read: what was committed (the routed payment was declined, say)
    expect((await directory.usedToday(limited, request, nowMs)).get('card_a')).toBe(700);
  });

  it('changes a record on its version: the registry row becomes version 1, a later change version 2', async () => {
    const store = new MemoryChannelStore();
    const deps = { channelDirectory: new ChannelDirectory(store, defaults, 5_000), channelHealth: {} as never, now: () => Date.parse('2026-11-28T00:00:00Z') };
    const first = await changeChannel(deps, 'card_b', (r) => patchedRecord(r, { costBps: 10, dailyLimit: { CNY: 500 } }, defaults[1]!));
    expect(first.before).toMatchObject({ costBps: 45, version: 0, updatedAt: null });
    expect(first.after).toMatchObject({ costBps: 10, dailyLimit: { CNY: 500 }, version: 1, updatedAt: '2026-11-28T00:00:00.000Z' });
    const second = await changeChannel(deps, 'card_b', (r) => patchedRecord(r, { dailyLimit: null, priority: 5 }, defaults[1]!));
    expect(second.after).toMatchObject({ costBps: 10, priority: 5, version: 2 });
    expect(second.after).not.toHaveProperty('dailyLimit');
    expect(() => patchedRecord(second.after, { minAmount: 10, maxAmount: 9 }, defaults[1]!)).toThrow(/minAmount/);
  });

  it('narrows methods and currencies to a subset of what the integration takes, and widens them back, never beyond', () => {
    const card = defaults[0]!;
    expect(card.currencies.length).toBeGreaterThan(1);
    const narrowed = patchedRecord({ ...card, updatedAt: null, version: 0 }, { currencies: [card.currencies[0]!] }, card);
    expect(narrowed.currencies).toEqual([card.currencies[0]]);
    expect(patchedRecord(narrowed, { currencies: [...card.currencies] }, card).currencies).toEqual(card.currencies);
    expect(() => patchedRecord(narrowed, { methods: ['card', 'alipay'] }, card)).toThrow(expect.objectContaining({ code: 'parameter_invalid', param: 'methods.1' }));
    expect(() => patchedRecord(narrowed, { currencies: [card.currencies[0]!, card.currencies[0]!] }, card)).toThrow(expect.objectContaining({ param: 'currencies.1' }));
  });
});
