import type { SealedBox } from '../ports/key-center.js';
import { basisPoints, type Currency } from './money.js';

/**
 * A payout (代付): money from the merchant's `available` to its bank account through a bank payout channel
 * (docs/decisions.md, entries 156-160). It is sent once, to one channel, with the payout id as the bank's
 * idempotency key; its outcome comes by the bank's signed notice or the janitor's query.
 */
export type PayoutStatus = 'PROCESSING' | 'SUCCEEDED' | 'FAILED' | 'RETURNED';

export interface PayoutDestination {
  readonly type: 'bank_account';
  readonly bankCode: string;
  readonly last4: string;
  readonly accountName: string;
}

export interface Payout {
  readonly id: string;
  readonly merchantId: string;
  readonly outPayoutNo: string;
  readonly amount: number;
  readonly fee: number;
  readonly currency: Currency;
  readonly channel: string;
  readonly destination: PayoutDestination;
  /** The full account number, sealed under the key center with { purpose: 'payout-account', merchantId, payoutId } as context. */
  readonly sealedAccountNumber: SealedBox;
  /** A digest of the request's terms: the same outPayoutNo with another body is 409 duplicate_out_payout_no. */
  readonly requestDigest: string;
  readonly notifyUrl: string | null;
  readonly status: PayoutStatus;
  readonly failureCode: string | null;
  /** The bank's own id for the transfer, once it told us. */
  readonly channelPayoutId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** What the bank says about a payout, by notice or by query. */
export type PayoutReport =
  | { readonly status: 'PROCESSING' }
  | { readonly status: 'SUCCEEDED'; readonly channelPayoutId: string }
  | { readonly status: 'FAILED'; readonly failureCode: string; readonly channelPayoutId?: string }
  | { readonly status: 'RETURNED'; readonly failureCode: string; readonly channelPayoutId: string };

/** The step a report makes from the payout's status: its new status, or nothing to do (already there or ended). */
export type PayoutStep = 'succeed' | 'fail' | 'return' | 'succeed_then_return' | 'none' | 'anomaly';

/**
 * The payout's state table. PROCESSING ends once, as SUCCEEDED or FAILED; only a SUCCEEDED payout can be RETURNED
 * (the bank paid and the receiving bank sent it back). A RETURNED report for a payout still PROCESSING (the success
 * notice was lost and the query found it already returned) applies the success first, so the ledger shows both.
 * A report contradicting an ended payout (FAILED then SUCCEEDED, SUCCEEDED then FAILED) changes nothing and is an
 * anomaly for the operators: the money moved as the first final answer said.
 */
export function payoutStep(current: PayoutStatus, report: PayoutReport['status']): PayoutStep {
  if (report === 'PROCESSING') return 'none';
  switch (current) {
    case 'PROCESSING':
      return report === 'SUCCEEDED' ? 'succeed' : report === 'FAILED' ? 'fail' : 'succeed_then_return';
    case 'SUCCEEDED':
      return report === 'SUCCEEDED' ? 'none' : report === 'RETURNED' ? 'return' : 'anomaly';
    case 'FAILED':
      return report === 'FAILED' ? 'none' : 'anomaly';
    case 'RETURNED':
      return report === 'FAILED' ? 'anomaly' : 'none';
  }
}

/**
 * The payout fee (docs/decisions.md, entries 157 and 185): basis points of the amount plus a fixed part, by the
 * merchant's own rule in its fee schedule (`fees.payout`, shared/domain/fees.ts payoutFeeRuleOf), else this default:
 * a fixed 1.00 per transfer in the currency's minor units, what a bank charges a platform for one 代付 transfer.
 */
export const DEFAULT_PAYOUT_FEE = { bps: 0, fixed: 100 } as const;

export function payoutFee(amount: number, rule: { readonly bps: number; readonly fixed: number } = DEFAULT_PAYOUT_FEE): number {
  return basisPoints(amount, rule.bps) + rule.fixed;
}

/** The webhook event of each status a payout reaches. */
export const PAYOUT_EVENT_OF_STATUS = { SUCCEEDED: 'payout.succeeded', FAILED: 'payout.failed', RETURNED: 'payout.returned' } as const;

/** The merchant's view of a payout (contract, "Payouts"); the sealed account number never leaves the platform. */
export function payoutResource(p: Payout): Record<string, unknown> {
  return {
    id: p.id,
    object: 'payout',
    outPayoutNo: p.outPayoutNo,
    status: p.status,
    amount: p.amount,
    currency: p.currency,
    fee: p.fee,
    destination: p.destination,
    notifyUrl: p.notifyUrl,
    failureCode: p.failureCode,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    version: p.version,
  };
}
