import { describe, expect, it } from 'vitest';
import { JANITOR_MAX_DELAY_SECONDS, janitorDelaySeconds, janitorQueryDueAtMs } from '../../shared/domain/janitor-schedule.js';

describe('janitor query schedule', () => {
  it('waits the base first, then five times longer each time, capped at a day', () => {
    const delays = Array.from({ length: 8 }, (_, attempt) => janitorDelaySeconds(attempt, 60));
    expect(delays).toEqual([60, 300, 1_500, 7_500, 37_500, 86_400, 86_400, 86_400]);
  });

  it('keeps querying daily however long the outcome stays unknown (it never gives up)', () => {
    expect(janitorDelaySeconds(1_000, 60)).toBe(JANITOR_MAX_DELAY_SECONDS);
    expect(janitorDelaySeconds(Number.MAX_SAFE_INTEGER, 60)).toBe(JANITOR_MAX_DELAY_SECONDS);
  });

  it('scales with PAY_JANITOR_AFTER_SECONDS, so local mode runs the schedule in seconds', () => {
    expect([0, 1, 2].map((attempt) => janitorDelaySeconds(attempt, 1))).toEqual([1, 5, 25]);
    expect(janitorDelaySeconds(0, 86_400)).toBe(86_400);
  });

  it('counts the due time from the given moment', () => {
    expect(janitorQueryDueAtMs(1_700_000_000_000, 0, 60)).toBe(1_700_000_060_000);
    expect(janitorQueryDueAtMs(1_700_000_000_000, 2, 60)).toBe(1_700_001_500_000);
  });

  it('refuses a negative or fractional attempt and a non-positive base', () => {
    expect(() => janitorDelaySeconds(-1, 60)).toThrow(RangeError);
    expect(() => janitorDelaySeconds(1.5, 60)).toThrow(RangeError);
    expect(() => janitorDelaySeconds(0, 0)).toThrow(RangeError);
    expect(() => janitorDelaySeconds(0, Number.NaN)).toThrow(RangeError);
  });
});
