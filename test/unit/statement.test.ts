import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { accounts } from '../../shared/ledger/accounts.js';
import { payoutFailureWrite, payoutReturnEntry, reservationWrite, type PayoutMoney } from '../../shared/ledger/payouts.js';
import type { LedgerEntry, LedgerLine } from '../../shared/ledger/posting.js';
import { latePaymentLines, paymentLines, refundLines, topupLines } from '../../shared/ledger/rules.js';
import { settlementEntry, type Settlement } from '../../shared/ledger/settlement.js';
import { csvRecord, statementRecord, statementRowOf } from '../../shared/ledger/statement.js';
import { statementCsv, statementDateParam, statementRows } from '../../shared/services/statements.js';

/** Statement rows from the production ledger rules: what each kind of entry shows, and what it does not. */
const M = 'm_statement';
const at = '2026-11-27T10:00:00.000Z';
const entry = (kind: LedgerEntry['kind'], lines: LedgerLine[], extra: Partial<LedgerEntry> = {}): LedgerEntry => ({
  id: `le_${kind}`, kind, merchantId: M, orderId: 'ord_1', refundId: null, channel: 'card_a', currency: 'CNY', lines, createdAt: at, ...extra,
});
const money: PayoutMoney = { payoutId: 'po_1', merchantId: M, channel: 'netbank', currency: 'CNY', amount: 1_000, fee: 100 };
const snapshot = { merchantId: M, currency: 'CNY', shards: [5_000] };

describe('statement rows', () => {
  it('a payment: amount, fee and net into pending, with the order and its outTradeNo', () => {
    const row = statementRowOf(entry('payment', paymentLines({ merchantId: M, channel: 'card_a', amount: 10_000, fee: 120 }), { outTradeNo: 'T-1' }));
    expect(row).toMatchObject({ type: 'payment', orderId: 'ord_1', outTradeNo: 'T-1', amount: 10_000, fee: 120, net: 9_880, channel: 'card_a', entryId: 'le_payment' });
  });

  it("a top-up's fee is the merchant's, its money the customer's; a refund keeps the payment's fee", () => {
    const topup = statementRowOf(entry('payment', topupLines({ merchantId: M, customerId: 'cus_1', channel: 'card_a', amount: 5_000, fee: 50 })));
    expect(topup).toMatchObject({ type: 'topup_fee', amount: 0, fee: 50, net: -50 });
    const refund = statementRowOf(entry('refund', refundLines({ merchantId: M, channel: 'card_a', amount: 700, balance: { available: 300, pending: 1_000 } }), { refundId: 'rf_1' }));
    expect(refund).toMatchObject({ type: 'refund', refundId: 'rf_1', amount: -700, fee: 0, net: -700 });
  });

  it('a settlement moves money between the two balances: amount is what reached available, net 0', () => {
    const batch = { id: 'stl_1', merchantId: M, currency: 'CNY', net: 8_000 } as Settlement;
    const up = statementRowOf(settlementEntry(batch, { id: 'le_s1', now: at })!);
    expect(up).toMatchObject({ type: 'settlement', settlementId: 'stl_1', orderId: '', channel: '', amount: 8_000, fee: 0, net: 0 });
    const down = statementRowOf(settlementEntry({ ...batch, net: -300 }, { id: 'le_s2', now: at })!);
    expect(down).toMatchObject({ type: 'settlement', amount: -300, net: 0 });
  });

  it("a payout's hold splits into amount and fee by the payout; its failure and its return give both back", () => {
    const { write, hold } = reservationWrite(money, snapshot, { entryId: 'le_po', nowMs: Date.parse(at) });
    expect(statementRowOf(write.entry!, money)).toMatchObject({ type: 'payout', payoutId: 'po_1', orderId: '', amount: -1_000, fee: 100, net: -1_100, channel: 'netbank' });
    const failed = payoutFailureWrite(hold, { entryId: 'le_pf', nowMs: Date.parse(at) });
    expect(statementRowOf(failed.write.entry!, money)).toMatchObject({ type: 'payout_failure', amount: 1_000, fee: -100, net: 1_100 });
    expect(statementRowOf(payoutReturnEntry(money, { entryId: 'le_pr', now: at }))).toMatchObject({ type: 'payout_return', payoutId: 'po_1', amount: 1_000, fee: -100, net: 1_100 });
  });

  it('entries that leave pending and available alone are no rows: a late payment, a fee between platform accounts', () => {
    expect(statementRowOf(entry('late_payment', latePaymentLines({ channel: 'card_a', amount: 500 })))).toBeUndefined();
    const fee = entry('payout_fee', [
      { account: accounts.channelClearing('netbank'), direction: 'debit', amount: 100 },
      { account: accounts.feeRevenue(), direction: 'credit', amount: 100 },
    ]);
    expect(statementRowOf(fee)).toBeUndefined();
  });
});

describe('statement CSV', () => {
  it('quotes what needs quoting and defuses what a spreadsheet would run', () => {
    expect(csvRecord(['a,b', 'say "hi"', '=SUM(A1)', -5, 'plain'])).toBe('"a,b","say ""hi""",\'=SUM(A1),-5,plain\r\n');
  });

  it('streams the header, then every row of every page in order; an empty day is the header alone', async () => {
    const pages: LedgerEntry[][] = [
      [entry('payment', paymentLines({ merchantId: M, channel: 'card_a', amount: 100, fee: 1 }), { id: 'le_a' })],
      [entry('late_payment', latePaymentLines({ channel: 'card_a', amount: 5 }), { id: 'le_b' }), entry('refund', refundLines({ merchantId: M, channel: 'card_a', amount: 40, balance: { available: 0, pending: 99 } }), { id: 'le_c' })],
    ];
    const source = (of: LedgerEntry[][]) => ({
      ledger: { entriesOfDay: async function* () { yield* of; } },
      payoutAmounts: async () => undefined,
    });
    let text = '';
    for await (const chunk of statementCsv(statementRows(source(pages), M, '2026-11-27'))) text += chunk;
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('time,type,orderId,outTradeNo,refundId,payoutId,amount,fee,net,currency,channel,settlementId,entryId');
    expect(lines.slice(1, -1).map((line) => line.split(',').at(-1))).toEqual(['le_a', 'le_c']);
    expect(lines[1]).toBe(statementRecord(statementRowOf(pages[0]![0]!)!).trimEnd());
    let empty = '';
    for await (const chunk of statementCsv(statementRows(source([]), M, '2026-11-27'))) empty += chunk;
    expect(empty).toBe(`${lines[0]}\r\n`);
  });

  it('takes real calendar days only', () => {
    const ok = (day: string) => z.safeParse(statementDateParam, day).success;
    expect(['2026-11-27', '2024-02-29', '2000-01-01'].map(ok)).toEqual([true, true, true]);
    expect(['2026-02-30', '2026-13-01', '26-1-1', '2025-02-29', '2026-11-27T00', ''].map(ok)).toEqual([false, false, false, false, false, false]);
  });
});
