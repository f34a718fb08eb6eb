import type { Currency } from './money.js';

/**
 * Double-entry postings. An entry is immutable and balanced: Σ debits = Σ credits. A refund is a new entry in the
 * opposite direction, never an edit. Merchant balances are updated in the same transaction as the entry.
 */
export type Direction = 'debit' | 'credit';

export interface LedgerLine {
  readonly account: string;
  readonly direction: Direction;
  readonly amount: number;
}

export interface LedgerEntry {
  readonly id: string;
  readonly kind: 'payment' | 'refund' | 'late_payment' | 'late_refund';
  readonly merchantId: string;
  readonly orderId: string;
  readonly refundId: string | null;
  readonly channel: string;
  readonly currency: Currency;
  readonly lines: readonly LedgerLine[];
  readonly createdAt: string;
}

export const accounts = {
  /** What the platform owes the merchant; credit-normal. */
  merchantAvailable: (merchantId: string) => `merchant:${merchantId}:available`,
  /** Money the channel owes the platform until it settles; debit-normal. */
  channelClearing: (channel: string) => `platform:clearing:${channel}`,
  feeRevenue: () => 'platform:fee_revenue',
  /** What the platform owes payers whose money a channel took for an order that no longer pays; credit-normal. */
  latePayments: (channel: string) => `platform:late_payments:${channel}`,
};

/** A success for an order already closed: the channel owes us the money, we owe it back to the payer (entry 76). */
export function latePaymentLines(p: { channel: string; amount: number }): LedgerLine[] {
  return [
    { account: accounts.channelClearing(p.channel), direction: 'debit', amount: p.amount },
    { account: accounts.latePayments(p.channel), direction: 'credit', amount: p.amount },
  ];
}

/** The channel refunded a late success: what was owed to the payer is paid back through the channel. */
export function lateRefundLines(p: { channel: string; amount: number }): LedgerLine[] {
  return [
    { account: accounts.latePayments(p.channel), direction: 'debit', amount: p.amount },
    { account: accounts.channelClearing(p.channel), direction: 'credit', amount: p.amount },
  ];
}

export function paymentLines(p: { merchantId: string; channel: string; amount: number; fee: number }): LedgerLine[] {
  const lines: LedgerLine[] = [
    { account: accounts.channelClearing(p.channel), direction: 'debit', amount: p.amount },
    { account: accounts.merchantAvailable(p.merchantId), direction: 'credit', amount: p.amount - p.fee },
  ];
  if (p.fee > 0) lines.push({ account: accounts.feeRevenue(), direction: 'credit', amount: p.fee });
  return lines;
}

/** The platform keeps its fee on refunds, as Stripe does; the merchant's balance carries the whole refund. */
export function refundLines(r: { merchantId: string; channel: string; amount: number }): LedgerLine[] {
  return [
    { account: accounts.merchantAvailable(r.merchantId), direction: 'debit', amount: r.amount },
    { account: accounts.channelClearing(r.channel), direction: 'credit', amount: r.amount },
  ];
}

export function isBalanced(lines: readonly LedgerLine[]): boolean {
  let sum = 0;
  for (const line of lines) {
    if (!Number.isSafeInteger(line.amount) || line.amount < 0) return false;
    sum += line.direction === 'debit' ? line.amount : -line.amount;
  }
  return sum === 0 && lines.length >= 2;
}

/** The signed change of one credit-normal account (credit +, debit −). */
export function creditChange(lines: readonly LedgerLine[], account: string): number {
  let change = 0;
  for (const line of lines) {
    if (line.account === account) change += line.direction === 'credit' ? line.amount : -line.amount;
  }
  return change;
}

export interface TrialBalance {
  readonly currency: string;
  readonly debits: number;
  readonly credits: number;
  readonly entries: number;
  readonly unbalancedEntries: readonly string[];
}

/** Σ debits and Σ credits per currency over any set of entries; the books are sound when they are equal. */
export function trialBalance(entries: Iterable<Pick<LedgerEntry, 'id' | 'currency' | 'lines'>>): TrialBalance[] {
  const byCurrency = new Map<string, { debits: number; credits: number; entries: number; unbalanced: string[] }>();
  for (const entry of entries) {
    const row = byCurrency.get(entry.currency) ?? { debits: 0, credits: 0, entries: 0, unbalanced: [] };
    for (const line of entry.lines) {
      if (line.direction === 'debit') row.debits += line.amount;
      else row.credits += line.amount;
    }
    row.entries += 1;
    if (!isBalanced(entry.lines)) row.unbalanced.push(entry.id);
    byCurrency.set(entry.currency, row);
  }
  return [...byCurrency].map(([currency, r]) => ({
    currency,
    debits: r.debits,
    credits: r.credits,
    entries: r.entries,
    unbalancedEntries: r.unbalanced,
  }));
}
