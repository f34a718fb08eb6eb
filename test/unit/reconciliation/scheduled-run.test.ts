import { describe, expect, it } from 'vitest';
import { previousChannelDay } from '../../../functions/reconciliation.js';

describe("the scheduled run's day", () => {
  it("is the channel's previous business day at the 03:00 UTC run, in the channel's own clock", () => {
    const at = (iso: string) => Date.parse(iso);
    // 03:00 UTC is 11:00 in Beijing: the UTC+8 channels' yesterday, and the card acquirers' (UTC) yesterday too.
    expect(previousChannelDay('wechat_pay', at('2026-11-28T03:00:00Z'))).toBe('2026-11-27');
    expect(previousChannelDay('card_a', at('2026-11-28T03:00:00Z'))).toBe('2026-11-27');
    // A run re-driven at 17:00 UTC: Beijing has begun the 29th, so its previous day is the 28th; UTC's is the 27th.
    expect(previousChannelDay('netbank', at('2026-11-28T17:00:00Z'))).toBe('2026-11-28');
    expect(previousChannelDay('card_b', at('2026-11-28T17:00:00Z'))).toBe('2026-11-27');
    // Across a month and a year.
    expect(previousChannelDay('alipay', at('2027-01-01T03:00:00Z'))).toBe('2026-12-31');
  });
});
