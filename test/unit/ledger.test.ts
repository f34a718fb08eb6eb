import { describe, expect, it } from 'vitest';
import { accounts, creditChange, isBalanced, paymentLines, refundLines, trialBalance } from '../../shared/domain/ledger.js';

describe('ledger (double entry)', () => {
  it('posts a payment as clearing debit = merchant credit + fee credit', () => {
    const lines = paymentLines({ merchantId: 'm_1', channel: 'card_a', amount: 1999, fee: 12 });
    expect(lines).toEqual([
      { account: accounts.channelClearing('card_a'), direction: 'debit', amount: 1999 },
      { account: accounts.merchantAvailable('m_1'), direction: 'credit', amount: 1987 },
      { account: accounts.feeRevenue(), direction: 'credit', amount: 12 },
    ]);
    expect(isBalanced(lines)).toBe(true);
    expect(creditChange(lines, accounts.merchantAvailable('m_1'))).toBe(1987);
  });

  it('omits a zero fee line and stays balanced', () => {
    const lines = paymentLines({ merchantId: 'm_1', channel: 'card_a', amount: 100, fee: 0 });
    expect(lines).toHaveLength(2);
    expect(isBalanced(lines)).toBe(true);
  });

  it('posts a refund against the merchant balance, the platform keeping its fee', () => {
    const lines = refundLines({ merchantId: 'm_1', channel: 'card_b', amount: 600 });
    expect(isBalanced(lines)).toBe(true);
    expect(creditChange(lines, accounts.merchantAvailable('m_1'))).toBe(-600);
    expect(lines.some((l) => l.account === accounts.feeRevenue())).toBe(false);
  });

  it('rejects unbalanced, negative, fractional and one-sided postings', () => {
    expect(isBalanced([{ account: 'a', direction: 'debit', amount: 10 }, { account: 'b', direction: 'credit', amount: 9 }])).toBe(false);
    expect(isBalanced([{ account: 'a', direction: 'debit', amount: -10 }, { account: 'b', direction: 'credit', amount: -10 }])).toBe(false);
    expect(isBalanced([{ account: 'a', direction: 'debit', amount: 1.5 }, { account: 'b', direction: 'credit', amount: 1.5 }])).toBe(false);
    expect(isBalanced([{ account: 'a', direction: 'debit', amount: 0 }])).toBe(false);
  });

  it('sums debits and credits per currency and names unbalanced entries', () => {
    const good = { id: 'le_1', currency: 'CNY' as const, lines: paymentLines({ merchantId: 'm', channel: 'c', amount: 1000, fee: 6 }) };
    const refund = { id: 'le_2', currency: 'CNY' as const, lines: refundLines({ merchantId: 'm', channel: 'c', amount: 400 }) };
    const yen = { id: 'le_3', currency: 'JPY' as const, lines: paymentLines({ merchantId: 'm', channel: 'c', amount: 500, fee: 3 }) };
    const bad = { id: 'le_4', currency: 'JPY' as const, lines: [{ account: 'x', direction: 'debit' as const, amount: 5 }, { account: 'y', direction: 'credit' as const, amount: 4 }] };
    const rows = trialBalance([good, refund, yen, bad]);
    expect(rows.find((r) => r.currency === 'CNY')).toEqual({ currency: 'CNY', debits: 1400, credits: 1400, entries: 2, unbalancedEntries: [] });
    expect(rows.find((r) => r.currency === 'JPY')).toEqual({ currency: 'JPY', debits: 505, credits: 504, entries: 2, unbalancedEntries: ['le_4'] });
  });
});
