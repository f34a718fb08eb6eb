import { describe, expect, it } from 'vitest';
import { payoutFee, payoutStep, type PayoutStatus } from '../../shared/domain/payout.js';

/** The payout's state table (docs/decisions.md, entries 157 and 159): each status × each report the bank can make. */
describe('payoutStep', () => {
  const table: [PayoutStatus, 'PROCESSING' | 'SUCCEEDED' | 'FAILED' | 'RETURNED', ReturnType<typeof payoutStep>][] = [
    ['PROCESSING', 'PROCESSING', 'none'],
    ['PROCESSING', 'SUCCEEDED', 'succeed'],
    ['PROCESSING', 'FAILED', 'fail'],
    ['PROCESSING', 'RETURNED', 'succeed_then_return'],
    ['SUCCEEDED', 'PROCESSING', 'none'],
    ['SUCCEEDED', 'SUCCEEDED', 'none'],
    ['SUCCEEDED', 'FAILED', 'anomaly'],
    ['SUCCEEDED', 'RETURNED', 'return'],
    ['FAILED', 'PROCESSING', 'none'],
    ['FAILED', 'FAILED', 'none'],
    ['FAILED', 'SUCCEEDED', 'anomaly'],
    ['FAILED', 'RETURNED', 'anomaly'],
    ['RETURNED', 'PROCESSING', 'none'],
    ['RETURNED', 'SUCCEEDED', 'none'],
    ['RETURNED', 'RETURNED', 'none'],
    ['RETURNED', 'FAILED', 'anomaly'],
  ];
  it.each(table)('%s + a %s report → %s', (status, report, step) => {
    expect(payoutStep(status, report)).toBe(step);
  });
});

describe('payoutFee', () => {
  it('is the fixed default per transfer, or a rule of basis points plus a fixed part', () => {
    expect(payoutFee(10_000)).toBe(100);
    expect(payoutFee(10_000, { bps: 50, fixed: 20 })).toBe(70);
  });
});
