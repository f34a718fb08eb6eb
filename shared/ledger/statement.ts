import { accounts } from './accounts.js';
import { payoutHoldId } from './payouts.js';
import { netChanges, type LedgerEntry } from './posting.js';

/**
 * A merchant's statement (GET /v1/statements/{date}): one row per ledger entry that changes the merchant's `pending`
 * or `available`, in the order the entries were written. Pure: the service reads the day's entries page by page and
 * maps each here (docs/decisions.md, entries 178 and 179).
 *
 * `net` is the row's change of available + pending, so the rows of a day sum to that day's change of the balance.
 * `amount` is the money the movement is about and `fee` what the platform took for it, with `net = amount − fee` on
 * every row but a settlement's, which moves money between the merchant's two balances: its `amount` is what moved
 * into available (negative when a batch netted below zero), its `net` 0.
 */
export type StatementRowType = 'payment' | 'topup_fee' | 'refund' | 'settlement' | 'payout' | 'payout_failure' | 'payout_return' | LedgerEntry['kind'];

export interface StatementRow {
  readonly time: string;
  readonly type: StatementRowType;
  readonly orderId: string;
  readonly outTradeNo: string;
  readonly refundId: string;
  readonly payoutId: string;
  readonly amount: number;
  readonly fee: number;
  readonly net: number;
  readonly currency: string;
  readonly channel: string;
  readonly settlementId: string;
  /** The ledger entry the row is: unique, so a re-downloaded statement can be deduplicated row by row. */
  readonly entryId: string;
}

/** The contract's columns in its order, then the settlement and entry ids (entry 179). */
export const STATEMENT_COLUMNS = ['time', 'type', 'orderId', 'outTradeNo', 'refundId', 'payoutId', 'amount', 'fee', 'net', 'currency', 'channel', 'settlementId', 'entryId'] as const;

/** A payout's amount and fee: its hold moves both at once, and the entry alone cannot tell them apart. */
export interface PayoutAmounts {
  readonly amount: number;
  readonly fee: number;
}

/** The entry's change of the merchant's pending and available (credit-normal, + grows the balance). */
export function merchantChange(entry: LedgerEntry): { pending: number; available: number } {
  const change = { pending: 0, available: 0 };
  for (const row of netChanges(entry.lines)) {
    if (row.policy.merchantId !== entry.merchantId) continue;
    if (row.policy.kind === 'merchant_pending') change.pending += row.change;
    if (row.policy.kind === 'merchant_available') change.available += row.change;
  }
  return change;
}

/** Whether the entry is a payout's hold being placed or given back (its order id is the payout's). */
export function isPayoutHoldEntry(entry: LedgerEntry): boolean {
  return (entry.kind === 'hold' || entry.kind === 'hold_release') && entry.holdId === payoutHoldId(entry.orderId);
}

/**
 * The statement row of one entry, or undefined when it leaves the merchant's pending and available as they were.
 * `payout` is the payout of a payout hold's entry (isPayoutHoldEntry), to split its amount from its fee.
 */
export function statementRowOf(entry: LedgerEntry, payout?: PayoutAmounts): StatementRow | undefined {
  const change = merchantChange(entry);
  if (change.pending === 0 && change.available === 0) return undefined;
  const net = change.pending + change.available;
  const ids = { orderId: entry.orderId, refundId: entry.refundId ?? '', payoutId: '', settlementId: '' };
  let type: StatementRowType = entry.kind;
  // The platform's fee in this movement: what its revenue gained (a payment's fee) or gave back (a returned payout's).
  let fee = netChanges(entry.lines).find((row) => row.account === accounts.feeRevenue())?.change ?? 0;
  let amount = net + fee;
  if (entry.kind === 'settlement') {
    type = 'settlement';
    amount = change.available;
    fee = 0;
    Object.assign(ids, { orderId: '', settlementId: entry.orderId });
  } else if (isPayoutHoldEntry(entry) || entry.kind === 'payout_return') {
    type = entry.kind === 'hold' ? 'payout' : entry.kind === 'hold_release' ? 'payout_failure' : 'payout_return';
    if (entry.kind !== 'payout_return') {
      // The hold carries amount + fee; the fee goes out with the payout and comes back with its failure.
      fee = payout ? (net < 0 ? payout.fee : -payout.fee) : 0;
      amount = net + fee;
    }
    Object.assign(ids, { orderId: '', payoutId: entry.orderId });
  } else if (entry.kind === 'payment' && net < 0) {
    // A top-up's payment: the money is the customer's, the channel's fee for it the merchant's (entry 120).
    type = 'topup_fee';
  }
  return {
    time: entry.createdAt,
    type,
    ...ids,
    outTradeNo: entry.outTradeNo ?? '',
    amount,
    fee,
    net,
    currency: entry.currency,
    channel: entry.kind === 'settlement' ? '' : entry.channel,
    entryId: entry.id,
  };
}

/**
 * One CSV record (RFC 4180, CRLF). Every value is an id, a code, an integer or a time except outTradeNo, which the
 * merchant chose within [A-Za-z0-9_-]; quoting is still applied to any value that needs it, and a text value a
 * spreadsheet would read as a formula (= + - @ at its start) is prefixed with an apostrophe (OWASP, CSV injection).
 */
export function csvRecord(values: readonly (string | number)[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

function csvField(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const statementRecord = (row: StatementRow): string => csvRecord(STATEMENT_COLUMNS.map((column) => row[column]));
