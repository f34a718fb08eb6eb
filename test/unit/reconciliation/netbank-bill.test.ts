import { describe, expect, it } from 'vitest';
import { renderNetbankCollections, renderNetbankStatement } from '../../../infra/local/sandbox/bills/formats.js';
import { NetbankAdapter } from '../../../shared/channels/netbank/adapter.js';
import { parseNetbankBill, parseNetbankCollections } from '../../../shared/channels/netbank/bill-parser.js';
import { generateSandboxNetbankKeys } from '../../../shared/channels/netbank/credentials.js';
import { BillFormatError, CHANNEL_PAYOUT_FEE, channelFee, type BillLine } from '../../../shared/reconciliation/bill.js';
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

/**
 * The netbank collections statement: a redirect payment of 1,234.56 (the bank's 0.30 % is 3.70) at 23:59:59 Beijing
 * time and a refund of 100.00 of another payment the next morning.
 */
const COLLECTIONS = [
  'H|NBCOLLECT|1.0|NB1000001|20261128',
  'D|000001|PAYMENT|pay_01a||NB20261128AA|20261128235959|CNY|1234.56|3.70|SUCCESS',
  'D|000002|REFUND|pay_01b|rf_01b|NBR00BB|20261128091500|CNY|100.00|0.00|SUCCESS',
  'T|2|1|123456|1|10000|370',
].join('\r\n');

describe('netbank collections statement parser', () => {
  it('reads PAYMENT and REFUND records in minor units with our ids and the bank\'s, checks the trailer, and covers payments and refunds', () => {
    const bill = parseNetbankCollections('netbank', `${COLLECTIONS}\r\n`);
    expect(bill.totals).toEqual({ count: 2, amount: 123456, refunds: 10000, fees: 370 });
    expect(bill.covers).toEqual(['payment', 'refund']);
    expect(bill.lines).toEqual([
      { kind: 'payment', paymentId: 'pay_01a', refundId: null, channelPaymentId: 'NB20261128AA', amount: 123456, fee: 370, currency: 'CNY', status: 'succeeded', at: '2026-11-28T15:59:59.000Z' },
      { kind: 'refund', paymentId: 'pay_01b', refundId: 'rf_01b', channelPaymentId: 'NBR00BB', amount: 10000, fee: 0, currency: 'CNY', status: 'succeeded', at: '2026-11-28T01:15:00.000Z' },
    ]);
    // The fee on the statement is the contracted rate the matcher expects (shared/reconciliation/bill.ts).
    expect(bill.lines[0]!.fee).toBe(channelFee('netbank', 123456));
  });

  it('refuses a malformed trailer: a wrong count, sum or fee, a non-number, a field too many or too few, none at all', () => {
    const rows = COLLECTIONS.split('\r\n');
    const withTrailer = (trailer?: string) => [...rows.slice(0, 3), ...(trailer === undefined ? [] : [trailer])].join('\r\n');
    expect(() => parseNetbankCollections('netbank', withTrailer('T|3|1|123456|1|10000|370'))).toThrow(/does not add up/);
    expect(() => parseNetbankCollections('netbank', withTrailer('T|2|2|123456|0|10000|370'))).toThrow(/does not add up/);
    expect(() => parseNetbankCollections('netbank', withTrailer('T|2|1|123457|1|10000|370'))).toThrow(/does not add up/);
    expect(() => parseNetbankCollections('netbank', withTrailer('T|2|1|123456|1|9999|370'))).toThrow(/does not add up/);
    expect(() => parseNetbankCollections('netbank', withTrailer('T|2|1|123456|1|10000|369'))).toThrow(/does not add up/);
    expect(() => parseNetbankCollections('netbank', withTrailer('T|2|1|1234.56|1|10000|370'))).toThrow(/does not add up/);
    expect(() => parseNetbankCollections('netbank', withTrailer('T|2|1|123456|1|10000|370|0'))).toThrow(/trailer missing/);
    expect(() => parseNetbankCollections('netbank', withTrailer('T|2|1|123456|1|10000'))).toThrow(/trailer missing/);
    // Without its trailer the last detail record stands where the trailer should be: a cut file is refused.
    expect(() => parseNetbankCollections('netbank', withTrailer())).toThrow(/trailer missing/);
    expect(() => parseNetbankCollections('netbank', [rows[0], rows[2], rows[3]].join('\n'))).toThrow(/does not add up/);
  });

  it('refuses the payout statement, a payout record, a refund without our refund id, and each file read by the other\'s parser', () => {
    const rows = COLLECTIONS.split('\r\n');
    expect(() => parseNetbankCollections('netbank', COLLECTIONS.replace('NBCOLLECT', 'NBPAYOUT'))).toThrow(/collections statement header/);
    expect(() => parseNetbankBill('netbank', COLLECTIONS)).toThrow(/payout statement header/);
    expect(() => parseNetbankCollections('netbank', STATEMENT)).toThrow(BillFormatError);
    expect(() => parseNetbankCollections('netbank', COLLECTIONS.replace('|PAYMENT|', '|PAYOUT|'))).toThrow(/type PAYOUT/);
    expect(() => parseNetbankCollections('netbank', COLLECTIONS.replace('|rf_01b|', '||'))).toThrow(/REFUND without refundNo/);
    expect(() => parseNetbankCollections('netbank', COLLECTIONS.replace(rows[1]!, rows[1]!.replace('||', '|')))).toThrow(/not a detail record/);
  });

  it("reads back what the sandbox bank renders; a line the file has no record for is refused at rendering", () => {
    const lines: BillLine[] = [
      { kind: 'payment', paymentId: 'pay_1', refundId: null, channelPaymentId: 'NB1', amount: 12345, fee: channelFee('netbank', 12345), currency: 'CNY', status: 'succeeded', at: '2026-11-28T01:00:00.000Z' },
      { kind: 'payment', paymentId: 'pay_2', refundId: null, channelPaymentId: 'NB2', amount: 500, fee: 2, currency: 'CNY', status: 'failed', at: '2026-11-28T02:00:00.000Z' },
      { kind: 'refund', paymentId: 'pay_1', refundId: 'rf_1', channelPaymentId: 'NBR1', amount: 345, fee: 0, currency: 'CNY', status: 'succeeded', at: '2026-11-28T03:00:00.000Z' },
    ];
    const rendered = renderNetbankCollections('netbank', lines, { mchId: 'NB1', date: '2026-11-28' });
    const records = rendered.body.split('\r\n');
    expect(records[0]).toBe('H|NBCOLLECT|1.0|NB1|20261128');
    expect(records[1]).toBe('D|000001|PAYMENT|pay_1||NB1|20261128090000|CNY|123.45|0.37|SUCCESS');
    expect(records[4]).toBe('T|3|2|12845|1|345|39');
    expect(parseNetbankCollections('netbank', rendered.body).lines).toEqual(lines);
    expect(() => renderNetbankCollections('netbank', [{ ...lines[0]!, kind: 'payout' }], {})).toThrow(/no payout record/);
  });
});

describe("the netbank adapter's bill: both statements of the day as one", () => {
  const keys = generateSandboxNetbankKeys('NB1000001');
  const adapterWith = (answers: Record<string, { status: number; body: string }>, asked: string[]) =>
    new NetbankAdapter({
      id: 'netbank',
      baseUrl: 'http://bank.test/sandbox/channels/netbank/',
      credentials: keys.platform,
      fetch: async (url) => {
        asked.push(String(url));
        const answer = answers[new URL(String(url)).searchParams.get('type') ?? ''] ?? { status: 404, body: '' };
        return new Response(answer.body, { status: answer.status, headers: { 'content-type': 'text/plain' } });
      },
    });

  it('downloads the collections and the payout statement by type and gives one bill covering payments, refunds, payouts and returns', async () => {
    const asked: string[] = [];
    const bill = await adapterWith({ collection: { status: 200, body: COLLECTIONS }, payout: { status: 200, body: STATEMENT } }, asked).fetchBill({ date: '2026-11-28' });
    expect(asked.sort()).toEqual([
      'http://bank.test/sandbox/channels/netbank/bills/2026-11-28?type=collection',
      'http://bank.test/sandbox/channels/netbank/bills/2026-11-28?type=payout',
    ]);
    expect(bill.covers).toEqual(['payment', 'refund', 'payout', 'payout_return']);
    expect(bill.lines.map((l) => `${l.kind}:${l.refundId ?? l.paymentId}`)).toEqual(['payment:pay_01a', 'refund:rf_01b', 'payout:po_01a', 'payout_return:po_01b']);
    expect(bill.totals).toEqual({ count: 4, amount: 223456, refunds: 35000, fees: 420 });
  });

  it('fails the whole day when either statement is missing or unreadable: half a day is never reconciled', async () => {
    await expect(adapterWith({ payout: { status: 200, body: STATEMENT } }, []).fetchBill({ date: '2026-11-28' })).rejects.toThrow();
    await expect(adapterWith({ collection: { status: 200, body: COLLECTIONS } }, []).fetchBill({ date: '2026-11-28' })).rejects.toThrow();
    const cut = COLLECTIONS.split('\r\n').slice(0, 3).join('\r\n');
    await expect(adapterWith({ collection: { status: 200, body: cut }, payout: { status: 200, body: STATEMENT } }, []).fetchBill({ date: '2026-11-28' })).rejects.toThrow(BillFormatError);
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
