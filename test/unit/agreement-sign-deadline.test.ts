import { describe, expect, it } from 'vitest';
import type { Agreement } from '../../shared/domain/agreement.js';
import type { ChannelAdapter } from '../../shared/ports/channel-flows.js';
import type { Timer, Timers } from '../../shared/ports/timers.js';
import { scheduleAgreementQuery, signExpiresAtOf } from '../../shared/services/agreement-sign-deadline.js';

/**
 * When an agreement's query is due (docs/decisions.md, 238): on the janitor's backoff while the deadline is ahead, but
 * never after it; on the plain backoff once it passed (a wallet that did not answer); at the deadline for a channel
 * with nothing to ask (a card's challenge is the platform's).
 */
const CREATED_MS = Date.parse('2026-11-28T04:00:00Z');
const WINDOW_SECONDS = 1800;

function setup(channel: ChannelAdapter) {
  const scheduled: Timer[] = [];
  const timers: Timers = { schedule: async (timer) => void scheduled.push(timer), cancel: async () => undefined };
  const deps = { timers, janitorAfterSeconds: 60, agreementSignWindowSeconds: WINDOW_SECONDS, channels: new Map([[channel.id, channel]]) };
  const agreement = { id: 'agr_1', channel: channel.id, createdAt: new Date(CREATED_MS).toISOString(), signExpiresAt: signExpiresAtOf(deps, CREATED_MS) } as Agreement;
  const dueAfter = async (fromMs: number, step: number) => {
    await scheduleAgreementQuery(deps, agreement, fromMs, step);
    const timer = scheduled.pop()!;
    expect(timer).toMatchObject({ key: 'agreement.query:agr_1', kind: 'agreement.query', payload: { agreementId: 'agr_1', step } });
    return (timer.dueAtMs - fromMs) / 1000;
  };
  return { agreement, dueAfter };
}

const wallet: ChannelAdapter = { id: 'wechat_pay', queryAgreement: async () => ({ status: 'not_signed', agreementId: 'agr_1' }) };
const card: ChannelAdapter = { id: 'card_a' };

describe('scheduleAgreementQuery', () => {
  it('a wallet: 1 min, 5 min, 25 min after each query, the last one cut to the deadline', async () => {
    const { agreement, dueAfter } = setup(wallet);
    expect(agreement.signExpiresAt).toBe('2026-11-28T04:30:00.000Z');
    expect(await dueAfter(CREATED_MS, 0)).toBe(60);
    expect(await dueAfter(CREATED_MS + 60_000, 1)).toBe(300);
    expect(await dueAfter(CREATED_MS + 360_000, 2)).toBe(1800 - 360);
  });

  it('a wallet past its deadline (it did not answer): the plain backoff, never sooner', async () => {
    const { dueAfter } = setup(wallet);
    expect(await dueAfter(CREATED_MS + 1_800_000, 3)).toBe(7500);
    expect(await dueAfter(CREATED_MS + 9_000_000, 6)).toBe(86_400);
  });

  it('a card: nothing to ask before the deadline, so once at it (or at once when it already passed)', async () => {
    const { dueAfter } = setup(card);
    expect(await dueAfter(CREATED_MS, 0)).toBe(1800);
    expect(await dueAfter(CREATED_MS + 1_000_000, 1)).toBe(800);
    expect(await dueAfter(CREATED_MS + 2_000_000, 1)).toBe(0);
  });
});
