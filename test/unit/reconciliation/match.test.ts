import { describe, expect, it } from 'vitest';
import { channelFee, type BillLine } from '../../../shared/reconciliation/bill.js';
import { matchBill, type MatchLookups, type PlatformItem, type QueryEvidence } from '../../../shared/reconciliation/match.js';

const DAY = '2026-11-28';
const line = (paymentId: string, overrides: Partial<BillLine> = {}): BillLine => ({
  kind: 'payment', paymentId, refundId: null, channelPaymentId: `42${paymentId}`, amount: 1999, fee: channelFee('wechat_pay', 1999),
  currency: 'CNY', status: 'succeeded', at: '2026-11-28T02:00:00.000Z', ...overrides,
});
const item = (paymentId: string, overrides: Partial<PlatformItem> = {}): PlatformItem => ({
  kind: 'payment', paymentId, refundId: null, orderId: `ord_${paymentId}`, merchantId: 'm_1', amount: 1999, currency: 'CNY',
  status: 'SUCCEEDED', createdAt: '2026-11-28T01:59:00.000Z', day: DAY, ...overrides,
});

function lookups(input: { elsewhere?: PlatformItem[]; neighbours?: { line: BillLine; day: string }[]; queries?: Record<string, QueryEvidence> } = {}): MatchLookups & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    findPlatform: async (l) => input.elsewhere?.find((i) => i.paymentId === l.paymentId),
    neighbourLines: async () => new Map((input.neighbours ?? []).map((n) => [`payment#${n.line.paymentId}`, n])),
    query: async (ref) => {
      asked.push(ref.paymentId);
      return input.queries?.[ref.paymentId];
    },
  };
}

describe('matchBill', () => {
  it('classes every line and item: matched, amount, fee and status mismatches, channel_only and platform_only', async () => {
    const look = lookups({ queries: { pay_e: { status: 'not_found' }, pay_f: { status: 'succeeded', amount: 1999 } } });
    const rows = await matchBill({
      channel: 'wechat_pay',
      date: DAY,
      lines: [line('pay_a'), line('pay_b', { amount: 2000 }), line('pay_c', { fee: 13 }), line('pay_d', { status: 'failed' }), line('pay_e')],
      platform: [item('pay_a'), item('pay_b'), item('pay_c'), item('pay_d'), item('pay_f'), item('pay_g', { status: 'FAILED' })],
      lookups: look,
    });
    expect(Object.fromEntries(rows.map((r) => [r.paymentId, r.class]))).toEqual({
      pay_a: 'matched', pay_b: 'amount_mismatch', pay_c: 'fee_mismatch', pay_d: 'status_mismatch', pay_e: 'channel_only', pay_f: 'platform_only',
    });
    expect(rows.find((r) => r.paymentId === 'pay_c')).toMatchObject({ channelFee: 13, expectedFee: 12 });
    expect(rows.find((r) => r.paymentId === 'pay_e')!.channelQuery).toEqual({ status: 'not_found' });
    expect(rows.find((r) => r.paymentId === 'pay_f')!.channelQuery).toEqual({ status: 'succeeded', amount: 1999 });
    // Only the unmatched and the mismatched status are asked at the channel; a FAILED attempt is not expected on a bill.
    expect(look.asked.sort()).toEqual(['pay_d', 'pay_e', 'pay_f']);
  });

  it('cross-day: a line the platform filed on the previous day, and an item the channel billed on the next day', async () => {
    const rows = await matchBill({
      channel: 'wechat_pay',
      date: DAY,
      lines: [line('pay_late', { at: '2026-11-27T16:00:01.000Z' })],
      platform: [item('pay_edge', { createdAt: '2026-11-28T15:59:59.000Z' })],
      lookups: lookups({
        elsewhere: [item('pay_late', { day: '2026-11-27', createdAt: '2026-11-27T15:59:59.000Z' })],
        neighbours: [{ line: line('pay_edge', { at: '2026-11-28T16:00:02.000Z' }), day: '2026-11-29' }],
      }),
    });
    expect(rows).toEqual([
      expect.objectContaining({ paymentId: 'pay_late', class: 'cross_day', otherDay: '2026-11-27', orderId: 'ord_pay_late' }),
      expect.objectContaining({ paymentId: 'pay_edge', class: 'cross_day', otherDay: '2026-11-29', channelAmount: 1999 }),
    ]);
  });

  it('refunds meet by refund id and carry no fee', async () => {
    const refundLine = line('pay_a', { kind: 'refund', refundId: 'rf_1', amount: 500, fee: 0 });
    const refundItem = item('', { kind: 'refund', refundId: 'rf_1', amount: 500 });
    const rows = await matchBill({ channel: 'wechat_pay', date: DAY, lines: [refundLine], platform: [refundItem], lookups: lookups() });
    expect(rows).toEqual([expect.objectContaining({ kind: 'refund', refundId: 'rf_1', class: 'matched', expectedFee: 0 })]);
  });
});
