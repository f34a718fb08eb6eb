import { describe, expect, it } from 'vitest';
import { accountPolicy, accounts } from '../../shared/ledger/accounts.js';
import { checkBalances, trialBalance } from '../../shared/ledger/check.js';
import { assertPostable, creditChange, isBalanced, LedgerRuleError, netChanges, reverseEntry, type LedgerEntry } from '../../shared/ledger/posting.js';
import { guardViolations, paymentLines, refundLines, refundSplit } from '../../shared/ledger/rules.js';

const entry = (id: string, lines: LedgerEntry['lines'], currency: LedgerEntry['currency'] = 'CNY'): LedgerEntry => ({
  id,
  kind: 'payment',
  merchantId: 'm_1',
  orderId: 'ord_1',
  refundId: null,
  channel: 'card_a',
  currency,
  lines,
  createdAt: '2026-11-27T00:00:00.000Z',
});

describe('ledger accounts', () => {
  it('knows each account kind: where its balance lives and whether it is guarded', () => {
    expect(accountPolicy(accounts.merchantPending('m_1'))).toEqual({ kind: 'merchant_pending', normal: 'credit', storage: 'sharded', guard: null, merchantId: 'm_1' });
    expect(accountPolicy(accounts.merchantAvailable('m_1'))).toMatchObject({ storage: 'sharded', guard: null, merchantId: 'm_1' });
    expect(accountPolicy(accounts.customerBalance('cus_1'))).toMatchObject({ normal: 'credit', storage: 'single', guard: 'non_negative' });
    expect(accountPolicy(accounts.channelClearing('card_a'))).toMatchObject({ normal: 'debit', storage: 'derived' });
    expect(accountPolicy(accounts.feeRevenue())).toMatchObject({ storage: 'derived' });
    expect(accountPolicy(accounts.latePayments('alipay'))).toMatchObject({ storage: 'derived' });
    expect(accountPolicy(accounts.hold('hold_1'))).toMatchObject({ kind: 'hold', storage: 'derived' });
    expect(accountPolicy('merchant:m_1:savings')).toBeUndefined();
    expect(accountPolicy('customer:a:b:balance')).toBeUndefined();
  });
});

describe('postings', () => {
  it('posts a payment as clearing debit = merchant pending credit + fee credit', () => {
    const lines = paymentLines({ merchantId: 'm_1', channel: 'card_a', amount: 1999, fee: 12 });
    expect(lines).toEqual([
      { account: accounts.channelClearing('card_a'), direction: 'debit', amount: 1999 },
      { account: accounts.merchantPending('m_1'), direction: 'credit', amount: 1987 },
      { account: accounts.feeRevenue(), direction: 'credit', amount: 12 },
    ]);
    expect(isBalanced(lines)).toBe(true);
    expect(creditChange(lines, accounts.merchantPending('m_1'))).toBe(1987);
  });

  it('omits a zero fee line and stays balanced', () => {
    const lines = paymentLines({ merchantId: 'm_1', channel: 'card_a', amount: 100, fee: 0 });
    expect(lines).toHaveLength(2);
    expect(isBalanced(lines)).toBe(true);
  });

  it('takes a refund from available first, then pending, and leaves any shortfall on available', () => {
    expect(refundSplit(600, { available: 1000, pending: 5000 })).toEqual({ available: 600, pending: 0 });
    expect(refundSplit(600, { available: 200, pending: 5000 })).toEqual({ available: 200, pending: 400 });
    expect(refundSplit(600, { available: -50, pending: 5000 })).toEqual({ available: 0, pending: 600 });
    expect(refundSplit(1000, { available: 0, pending: 994 })).toEqual({ available: 6, pending: 994 });
    expect(refundSplit(600, { available: 100, pending: -10 })).toEqual({ available: 600, pending: 0 });
  });

  it('posts a refund against the merchant balance, the platform keeping its fee', () => {
    const lines = refundLines({ merchantId: 'm_1', channel: 'card_b', amount: 600, balance: { available: 200, pending: 5000 } });
    expect(isBalanced(lines)).toBe(true);
    expect(creditChange(lines, accounts.merchantAvailable('m_1'))).toBe(-200);
    expect(creditChange(lines, accounts.merchantPending('m_1'))).toBe(-400);
    expect(creditChange(lines, accounts.channelClearing('card_b'))).toBe(600);
    expect(lines.some((l) => l.account === accounts.feeRevenue())).toBe(false);
  });

  it('rejects unbalanced, negative, fractional and one-sided postings', () => {
    expect(isBalanced([{ account: 'a', direction: 'debit', amount: 10 }, { account: 'b', direction: 'credit', amount: 9 }])).toBe(false);
    expect(isBalanced([{ account: 'a', direction: 'debit', amount: -10 }, { account: 'b', direction: 'credit', amount: -10 }])).toBe(false);
    expect(isBalanced([{ account: 'a', direction: 'debit', amount: 1.5 }, { account: 'b', direction: 'credit', amount: 1.5 }])).toBe(false);
    expect(isBalanced([{ account: 'a', direction: 'debit', amount: 0 }])).toBe(false);
  });

  it('refuses to post an unbalanced entry or one on an account outside the closed set', () => {
    const unbalanced = entry('le_1', [{ account: accounts.feeRevenue(), direction: 'debit', amount: 5 }, { account: accounts.merchantPending('m'), direction: 'credit', amount: 4 }]);
    expect(() => assertPostable(unbalanced)).toThrow(expect.objectContaining({ reason: 'unbalanced' }));
    const typo = entry('le_2', [{ account: 'merchant:m:avail', direction: 'debit', amount: 5 }, { account: accounts.feeRevenue(), direction: 'credit', amount: 5 }]);
    expect(() => assertPostable(typo)).toThrow(LedgerRuleError);
  });

  it('nets each account on its normal side and leaves out accounts whose lines cancel', () => {
    const lines = [
      { account: accounts.channelClearing('c'), direction: 'debit' as const, amount: 100 },
      { account: accounts.customerBalance('cus_1'), direction: 'credit' as const, amount: 70 },
      { account: accounts.customerBalance('cus_1'), direction: 'debit' as const, amount: 20 },
      { account: accounts.feeRevenue(), direction: 'credit' as const, amount: 50 },
      { account: accounts.feeRevenue(), direction: 'debit' as const, amount: 50 },
      { account: accounts.merchantPending('m'), direction: 'credit' as const, amount: 50 },
    ];
    expect(netChanges(lines).map((r) => [r.account, r.change])).toEqual([
      [accounts.channelClearing('c'), 100],
      [accounts.customerBalance('cus_1'), 50],
      [accounts.merchantPending('m'), 50],
    ]);
  });

  it('reverses an entry with a new one in the other direction that names it, the original untouched', () => {
    const original = entry('le_1', paymentLines({ merchantId: 'm_1', channel: 'card_a', amount: 1000, fee: 6 }));
    const reversal = reverseEntry(original, { id: 'le_2', now: '2026-11-28T00:00:00.000Z' });
    expect(reversal).toMatchObject({ id: 'le_2', kind: 'reversal', reverses: 'le_1', createdAt: '2026-11-28T00:00:00.000Z' });
    expect(original.lines[0]!.direction).toBe('debit');
    expect(isBalanced(reversal.lines)).toBe(true);
    const rows = trialBalance([original, reversal]);
    expect(rows).toEqual([{ currency: 'CNY', debits: 2000, credits: 2000, entries: 2, unbalancedEntries: [] }]);
    expect(creditChange([...original.lines, ...reversal.lines], accounts.merchantPending('m_1'))).toBe(0);
  });

  it('names the guarded accounts a posting would take below zero', () => {
    const spend = [
      { account: accounts.customerBalance('cus_1'), direction: 'debit' as const, amount: 300 },
      { account: accounts.merchantPending('m_1'), direction: 'credit' as const, amount: 300 },
    ];
    expect(guardViolations(spend, () => 300)).toEqual([]);
    expect(guardViolations(spend, () => 299)).toEqual([accounts.customerBalance('cus_1')]);
    // An unguarded account may go below zero (a merchant's available after refunds).
    const refund = refundLines({ merchantId: 'm_1', channel: 'c', amount: 500, balance: { available: 0, pending: 0 } });
    expect(guardViolations(refund, () => 0)).toEqual([]);
  });
});

describe('the check', () => {
  it('sums debits and credits per currency and names unbalanced entries', () => {
    const good = entry('le_1', paymentLines({ merchantId: 'm', channel: 'c', amount: 1000, fee: 6 }));
    const refund = entry('le_2', refundLines({ merchantId: 'm', channel: 'c', amount: 400, balance: { available: 0, pending: 994 } }));
    const yen = entry('le_3', paymentLines({ merchantId: 'm', channel: 'c', amount: 500, fee: 3 }), 'JPY');
    const bad = entry('le_4', [{ account: 'x', direction: 'debit', amount: 5 }, { account: 'y', direction: 'credit', amount: 4 }], 'JPY');
    const rows = trialBalance([good, refund, yen, bad]);
    expect(rows.find((r) => r.currency === 'CNY')).toEqual({ currency: 'CNY', debits: 1400, credits: 1400, entries: 2, unbalancedEntries: [] });
    expect(rows.find((r) => r.currency === 'JPY')).toEqual({ currency: 'JPY', debits: 505, credits: 504, entries: 2, unbalancedEntries: ['le_4'] });
  });

  it('finds a stored balance that is not the sum of its postings, a guarded account below zero and money left on an ended hold', () => {
    const pay = entry('le_1', paymentLines({ merchantId: 'm', channel: 'c', amount: 1000, fee: 6 }));
    const topUp = entry('le_2', [
      { account: accounts.channelClearing('c'), direction: 'debit', amount: 300 },
      { account: accounts.customerBalance('cus_1'), direction: 'credit', amount: 300 },
    ]);
    const held = entry('le_3', [
      { account: accounts.customerBalance('cus_1'), direction: 'debit', amount: 100 },
      { account: accounts.hold('hold_1'), direction: 'credit', amount: 100 },
    ]);
    const sound = [
      { account: accounts.merchantPending('m'), currency: 'CNY', amount: 994 },
      { account: accounts.merchantAvailable('m'), currency: 'CNY', amount: 0 },
      { account: accounts.customerBalance('cus_1'), currency: 'CNY', amount: 200 },
    ];
    const pendingHold = { id: 'hold_1', status: 'PENDING', amount: 100, currency: 'CNY' } as never;
    expect(checkBalances([pay, topUp, held], sound, [pendingHold])).toEqual({ mismatches: [], negativeGuarded: [], holdMismatches: [], unknownAccounts: [] });

    const tampered = [sound[0]!, sound[1]!, { ...sound[2]!, amount: -5 }];
    const voidedHold = { ...(pendingHold as object), status: 'VOIDED' } as never;
    const findings = checkBalances([pay, topUp, held], tampered, [voidedHold]);
    expect(findings.mismatches).toEqual([{ account: accounts.customerBalance('cus_1'), currency: 'CNY', stored: -5, posted: 200 }]);
    expect(findings.negativeGuarded).toEqual([{ account: accounts.customerBalance('cus_1'), currency: 'CNY', amount: -5 }]);
    expect(findings.holdMismatches).toEqual([{ account: accounts.hold('hold_1'), currency: 'CNY', stored: 0, posted: 100 }]);
    // A shard that lost its update shows as a mismatch too: the check compares every kept balance.
    expect(checkBalances([pay], [], []).mismatches).toEqual([{ account: accounts.merchantPending('m'), currency: 'CNY', stored: 0, posted: 994 }]);
  });
});
