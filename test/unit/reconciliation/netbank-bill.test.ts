import { describe, expect, it } from 'vitest';
import { renderNetbankStatement } from '../../../infra/local/sandbox/bills/formats.js';
import { parseNetbankBill } from '../../../shared/channels/netbank/bill-parser.js';
import { BillFormatError, CHANNEL_PAYOUT_FEE, type BillLine } from '../../../shared/reconciliation/bill.js';
import { matchBill, type MatchLookups, type PlatformItem } from '../../../shared/reconciliation/match.js';

/** The netbank payout statement: a payout at 23:59:59 Beijing time, a return the next morning, header and trailer. */
const STATEMENT = [
  'H|NBPAYOUT|1.0|NB1000001|20261128',
  'D|000001|PAYOUT|po_01a|NBP00AA|20261128235959|CNY|1000.00|0.50|SUCCESS',
  'D|000002|RETURN|po_01b|NBP00BB|20261128091500|CNY|250.00|0.00|SUCCESS',
  'T|2|1|100000|1|25000|50',
].join('\r\n');

describe('netbank payout statement parser', () => {
  it('reads PAYOUT and RETURN records in minor units, Beijing time back to UTC, checks the trailer, and says it covers payouts only', () => {
    const bill = parseNetbankBill('netbank', `${STATEMENT}\r\n`);
    expect(bill.totals).toEqual({ count: 2, amount: 100000, refunds: 25000, fees: 50 });
    expect(bill.covers).toEqual(['payout', 'payout_return']);
    expect(bill.lines).toEqual([
      { kind: 'payout', paymentId: 'po_01a', refundId: null, channelPaymentId: 'NBP00AA', amount: 100000, fee: 50, currency: 'CNY', status: 'succeeded', at: '2026-11-28T15:59:59.000Z' },
      { kind: 'payout_return', paymentId: 'po_01b', refundId: null, channelPaymentId: 'NBP00BB', amount: 25000, fee: 0, currency: 'CNY', status: 'succeeded', at: '2026-11-28T01:15:00.000Z' },
    ]);
  });

  it('refuses a trailer that does not add up, a missing trailer or header, an unknown type, a bad time and a bad amount', () => {
    const rows = STATEMENT.split('\r\n');
    const without = (i: number, replacement?: string) => rows.flatMap((r, j) => (j === i ? (replacement === undefined ? [] : [replacement]) : [r])).join('\n');
    expect(() => parseNetbankBill('netbank', without(3, 'T|2|1|100001|1|25000|50'))).toThrow(/does not add up/);
    expect(() => parseNetbankBill('netbank', without(3, 'T|2|1|100000|1|25000|51'))).toThrow(/does not add up/);
    expect(() => parseNetbankBill('netbank', without(2))).toThrow(/does not add up/); // a record cut out
    expect(() => parseNetbankBill('netbank', without(3))).toThrow(BillFormatError);
    expect(() => parseNetbankBill('netbank', without(0))).toThrow(/header/);
    expect(() => parseNetbankBill('netbank', without(1, rows[1]!.replace('|PAYOUT|', '|CREDIT|')))).toThrow(/type CREDIT/);
    expect(() => parseNetbankBill('netbank', without(1, rows[1]!.replace('20261128235959', '2026-11-28')))).toThrow(/bad time/);
    expect(() => parseNetbankBill('netbank', without(1, rows[1]!.replace('1000.00', '1000.0x')))).toThrow(/amount/);
  });

  it("reads back what the sandbox bank renders, a failed line's status included", () => {
    const lines: BillLine[] = [
      { kind: 'payout', paymentId: 'po_1', refundId: null, channelPaymentId: 'NBP1', amount: 12345, fee: 50, currency: 'CNY', status: 'succeeded', at: '2026-11-28T01:00:00.000Z' },
      { kind: 'payout', paymentId: 'po_2', refundId: null, channelPaymentId: 'NBP2', amount: 500, fee: 50, currency: 'CNY', status: 'failed', at: '2026-11-28T02:00:00.000Z' },
      { kind: 'payout_return', paymentId: 'po_1', refundId: null, channelPaymentId: 'NBP1', amount: 12345, fee: 0, currency: 'CNY', status: 'succeeded', at: '2026-11-28T03:00:00.000Z' },
    ];
    const rendered = renderNetbankStatement('netbank', lines, { mchId: 'NB1', date: '2026-11-28' });
    expect(rendered.body.split('\r\n')[0]).toBe('H|NBPAYOUT|1.0|NB1|20261128');
    expect(parseNetbankBill('netbank', rendered.body).lines).toEqual(lines);
  });
});

describe('matching payouts and returns', () => {
  const DAY = '2026-11-28';
  const fee = CHANNEL_PAYOUT_FEE.netbank!;
  const payoutLine = (id: string, overrides: Partial<BillLine> = {}): BillLine => ({
    kind: 'payout', paymentId: id, refundId: null, channelPaymentId: `NBP${id}`, amount: 10000, fee, currency: 'CNY', status: 'succeeded', at: '2026-11-28T02:00:00.000Z', ...overrides,
  });
  const payout = (id: string, overrides: Partial<PlatformItem> = {}): PlatformItem => ({
    kind: 'payout', paymentId: id, refundId: null, orderId: id, merchantId: 'm_1', amount: 10000, currency: 'CNY', status: 'SUCCEEDED',
    createdAt: '2026-11-28T01:59:59.000Z', day: DAY, ...overrides,
  });
  const none: MatchLookups = { findPlatform: async () => undefined, neighbourLines: async () => new Map(), query: async () => ({ status: 'not_found' }) };

  it('a payout, a payout later returned, its return, each discrepancy class, and nothing expected of a failed or pending payout', async () => {
    const rows = await matchBill({
      channel: 'netbank',
      date: DAY,
      lines: [
        payoutLine('po_ok'),
        payoutLine('po_back'),
        payoutLine('po_back', { kind: 'payout_return', fee: 0, at: '2026-11-28T03:00:00.000Z' }),
        payoutLine('po_amount', { amount: 10001 }),
        payoutLine('po_fee', { fee: fee + 1 }),
        payoutLine('po_status', { status: 'failed' }),
        payoutLine('po_unknown'),
        // The bank returned a payout the platform still shows as paid: a status mismatch, not a match.
        payoutLine('po_unreturned', { kind: 'payout_return', fee: 0 }),
      ],
      platform: [
        payout('po_ok'),
        payout('po_back', { status: 'RETURNED' }),
        payout('po_back', { kind: 'payout_return', status: 'RETURNED', createdAt: '2026-11-28T03:00:01.000Z' }),
        payout('po_amount'),
        payout('po_fee'),
        payout('po_status'),
        payout('po_unreturned', { kind: 'payout_return', status: 'SUCCEEDED' }),
        payout('po_dropped'),
        payout('po_failed', { status: 'FAILED' }),
        payout('po_pending', { status: 'PROCESSING' }),
      ],
      lookups: none,
    });
    const classOf = (id: string, kind = 'payout') => rows.find((r) => r.paymentId === id && r.kind === kind)?.class;
    expect(classOf('po_ok')).toBe('matched');
    expect(classOf('po_back')).toBe('matched');
    expect(classOf('po_back', 'payout_return')).toBe('matched');
    expect(classOf('po_amount')).toBe('amount_mismatch');
    expect(classOf('po_fee')).toBe('fee_mismatch');
    expect(classOf('po_status')).toBe('status_mismatch');
    expect(classOf('po_unknown')).toBe('channel_only');
    expect(classOf('po_unreturned', 'payout_return')).toBe('status_mismatch');
    expect(classOf('po_dropped')).toBe('platform_only');
    expect(rows.filter((r) => r.paymentId === 'po_failed' || r.paymentId === 'po_pending')).toEqual([]);
    expect(rows.find((r) => r.paymentId === 'po_fee')).toMatchObject({ channelFee: fee + 1, expectedFee: fee });
    expect(rows.find((r) => r.paymentId === 'po_back' && r.kind === 'payout_return')).toMatchObject({ channelFee: 0, expectedFee: 0 });
  });

  it('a payout the bank booked after midnight is cross-day on both days', async () => {
    const late = payoutLine('po_late', { at: '2026-11-28T16:00:01.000Z' });
    const onPlatformDay = await matchBill({
      channel: 'netbank', date: DAY, lines: [], platform: [payout('po_late', { createdAt: '2026-11-28T15:59:59.000Z' })],
      lookups: { ...none, neighbourLines: async () => new Map([['payout#po_late', { line: late, day: '2026-11-29' }]]) },
    });
    expect(onPlatformDay).toEqual([expect.objectContaining({ paymentId: 'po_late', kind: 'payout', class: 'cross_day', otherDay: '2026-11-29' })]);
    const onBankDay = await matchBill({
      channel: 'netbank', date: '2026-11-29', lines: [late], platform: [],
      lookups: { ...none, findPlatform: async () => payout('po_late', { createdAt: '2026-11-28T15:59:59.000Z' }) },
    });
    expect(onBankDay).toEqual([expect.objectContaining({ paymentId: 'po_late', class: 'cross_day', otherDay: DAY })]);
  });
});
