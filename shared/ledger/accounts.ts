/**
 * The ledger's accounts. An account is a name (`owner:id:role`); its policy says which side is its normal balance,
 * where its balance is kept and whether it may go below zero (docs/decisions.md, entries 107 and 108). The set is
 * closed: a posting to a name that is not one of these is refused before anything is written.
 */

/** How an account's balance is kept. */
export type BalanceStorage =
  /** Summed over BALANCE_SHARDS items chosen by entry id: many writers, never one hot item, no condition possible. */
  | 'sharded'
  /** One item, changed with a condition in the posting's own transaction: exact, for guarded, low-contention accounts. */
  | 'single'
  /** No item: the balance is Σ of the account's postings (platform accounts every payment touches; holds). */
  | 'derived';

export type AccountKind =
  | 'merchant_pending'
  | 'merchant_available'
  | 'customer_balance'
  | 'channel_clearing'
  | 'fee_revenue'
  | 'late_payments'
  | 'authorizations'
  | 'hold';

export interface AccountPolicy {
  readonly kind: AccountKind;
  /** The side that increases the balance: credit for what the platform owes, debit for what is owed to it. */
  readonly normal: 'debit' | 'credit';
  readonly storage: BalanceStorage;
  /** `non_negative`: a posting that would take the balance below zero fails its whole transaction. */
  readonly guard: 'non_negative' | null;
  /** The merchant whose balance items hold a sharded account. */
  readonly merchantId?: string;
}

export const accounts = {
  /** A payment's net until it is settled (issue 11); credit-normal. */
  merchantPending: (merchantId: string) => `merchant:${merchantId}:pending`,
  /** What the platform owes the merchant and may pay out; credit-normal. */
  merchantAvailable: (merchantId: string) => `merchant:${merchantId}:available`,
  /** A customer's stored value, per currency (the posting's); credit-normal, never below zero. */
  customerBalance: (customerId: string) => `customer:${customerId}:balance`,
  /** Money the channel owes the platform until it settles; debit-normal. */
  channelClearing: (channel: string) => `platform:clearing:${channel}`,
  feeRevenue: () => 'platform:fee_revenue',
  /** What the platform owes payers whose money a channel took for an order that no longer pays; credit-normal. */
  latePayments: (channel: string) => `platform:late_payments:${channel}`,
  /**
   * A memo account: what the channel holds for us on payers' cards (pre-authorizations) and we may still capture;
   * debit-normal. Its holds post back to it, so it nets to zero once each authorization is captured, voided or
   * expired; the captured money enters the books through the payment entry (docs/decisions.md, entry 139).
   */
  authorizations: (channel: string) => `platform:authorizations:${channel}`,
  /** The money a pending hold keeps aside: its amount while PENDING, zero once posted, voided or expired. */
  hold: (holdId: string) => `platform:holds:${holdId}`,
};

const ID = '([A-Za-z0-9_-]+)';
const POLICIES: readonly [RegExp, (match: RegExpExecArray) => AccountPolicy][] = [
  [new RegExp(`^merchant:${ID}:pending$`), (m) => ({ kind: 'merchant_pending', normal: 'credit', storage: 'sharded', guard: null, merchantId: m[1] })],
  [new RegExp(`^merchant:${ID}:available$`), (m) => ({ kind: 'merchant_available', normal: 'credit', storage: 'sharded', guard: null, merchantId: m[1] })],
  [new RegExp(`^customer:${ID}:balance$`), () => ({ kind: 'customer_balance', normal: 'credit', storage: 'single', guard: 'non_negative' })],
  [new RegExp(`^platform:clearing:${ID}$`), () => ({ kind: 'channel_clearing', normal: 'debit', storage: 'derived', guard: null })],
  [/^platform:fee_revenue$/, () => ({ kind: 'fee_revenue', normal: 'credit', storage: 'derived', guard: null })],
  [new RegExp(`^platform:late_payments:${ID}$`), () => ({ kind: 'late_payments', normal: 'credit', storage: 'derived', guard: null })],
  [new RegExp(`^platform:authorizations:${ID}$`), () => ({ kind: 'authorizations', normal: 'debit', storage: 'derived', guard: null })],
  [new RegExp(`^platform:holds:${ID}$`), () => ({ kind: 'hold', normal: 'credit', storage: 'derived', guard: null })],
];

/** The policy of a named account, or undefined for a name outside the closed set. */
export function accountPolicy(account: string): AccountPolicy | undefined {
  for (const [pattern, policy] of POLICIES) {
    const match = pattern.exec(account);
    if (match) return policy(match);
  }
  return undefined;
}

/** The merchant balance attribute a sharded account is kept in (`pending` or `available` on the balance shards). */
export function merchantBalanceRole(policy: AccountPolicy): 'pending' | 'available' {
  return policy.kind === 'merchant_pending' ? 'pending' : 'available';
}
