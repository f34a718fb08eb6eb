import { accounts } from './accounts.js';
import { netChanges, type LedgerLine } from './posting.js';

/**
 * Which accounts each kind of money movement posts to. Pure: the callers (the state writer, the hold lifecycle)
 * put the lines in an entry and commit it with the state change it belongs to.
 */

/**
 * A captured payment: the channel owes the platform the amount; the merchant's net waits in `pending` until it is
 * settled (contract, "Merchant balance"; settlement is issue 11); the fee is the platform's revenue.
 */
export function paymentLines(p: { merchantId: string; channel: string; amount: number; fee: number }): LedgerLine[] {
  const lines: LedgerLine[] = [
    { account: accounts.channelClearing(p.channel), direction: 'debit', amount: p.amount },
    { account: accounts.merchantPending(p.merchantId), direction: 'credit', amount: p.amount - p.fee },
  ];
  if (p.fee > 0) lines.push({ account: accounts.feeRevenue(), direction: 'credit', amount: p.fee });
  return lines;
}

/** How a refund is taken from the merchant: `available` first, then `pending`; any shortfall makes `available` negative. */
export function refundSplit(amount: number, balance: { available: number; pending: number }): { available: number; pending: number } {
  const fromAvailable = Math.min(amount, Math.max(balance.available, 0));
  const fromPending = Math.min(amount - fromAvailable, Math.max(balance.pending, 0));
  return { available: amount - fromPending, pending: fromPending };
}

/**
 * The platform keeps its fee on refunds, as Stripe does (entry 11); the merchant's balance carries the whole refund,
 * split over its accounts by `refundSplit` on the balance read just before.
 */
export function refundLines(r: {
  merchantId: string;
  channel: string;
  amount: number;
  balance: { available: number; pending: number };
  /** A balance payment's refund goes back to the customer's balance instead of through the channel (entry 121). */
  customerId?: string;
}): LedgerLine[] {
  const split = refundSplit(r.amount, r.balance);
  const lines: LedgerLine[] = [];
  if (split.available > 0) lines.push({ account: accounts.merchantAvailable(r.merchantId), direction: 'debit', amount: split.available });
  if (split.pending > 0) lines.push({ account: accounts.merchantPending(r.merchantId), direction: 'debit', amount: split.pending });
  const to = r.customerId ? accounts.customerBalance(r.customerId) : accounts.channelClearing(r.channel);
  lines.push({ account: to, direction: 'credit', amount: r.amount });
  return lines;
}

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

/**
 * The guarded accounts these lines would take below zero, given their balances now (missing = 0): what the store's
 * conditional write refuses, stated as a pure rule for tests and models.
 */
export function guardViolations(lines: readonly LedgerLine[], balanceOf: (account: string) => number): string[] {
  return netChanges(lines)
    .filter((row) => row.policy.guard === 'non_negative' && row.change < 0 && balanceOf(row.account) + row.change < 0)
    .map((row) => row.account);
}

/**
 * A top-up: the channel owes the platform the amount, all of which becomes the customer's stored value; the fee the
 * channel payment costs is the merchant's, taken from its pending (docs/decisions.md, entry 120).
 */
export function topupLines(p: { merchantId: string; customerId: string; channel: string; amount: number; fee: number }): LedgerLine[] {
  const lines: LedgerLine[] = [
    { account: accounts.channelClearing(p.channel), direction: 'debit', amount: p.amount },
    { account: accounts.customerBalance(p.customerId), direction: 'credit', amount: p.amount },
  ];
  if (p.fee > 0) {
    lines.push({ account: accounts.merchantPending(p.merchantId), direction: 'debit', amount: p.fee });
    lines.push({ account: accounts.feeRevenue(), direction: 'credit', amount: p.fee });
  }
  return lines;
}

/** A balance payment: the customer's stored value to the merchant's pending (a guarded debit: never below zero). */
export function balancePaymentLines(p: { merchantId: string; customerId: string; amount: number }): LedgerLine[] {
  return [
    { account: accounts.customerBalance(p.customerId), direction: 'debit', amount: p.amount },
    { account: accounts.merchantPending(p.merchantId), direction: 'credit', amount: p.amount },
  ];
}

