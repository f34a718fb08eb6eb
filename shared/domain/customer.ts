import type { Currency } from './money.js';

/**
 * A merchant's customer and the stored value the platform keeps for them (contract, "Customers, balances and
 * top-ups"). The balance itself is a ledger account (`customer:<id>:balance`, one guarded item per currency,
 * docs/decisions.md entry 108); the customer record names it and nothing more, so no second copy of a balance exists.
 */
export interface Customer {
  readonly id: string;
  readonly merchantId: string;
  readonly outCustomerNo: string;
  readonly name: string;
  readonly createdAt: string;
}

/** What an order is for: a sale (the default) or a top-up of a customer's balance. */
export type OrderPurpose = 'payment' | 'topup';

/**
 * One movement of a customer's balance, as GET /v1/customers/{id}/transactions lists it: its type, the signed amount
 * (credit +, debit −) and the balance after it in that currency.
 */
export type CustomerTransactionType = 'topup' | 'payment' | 'refund' | 'topup_refund' | 'topup_refund_returned';

/** The ledger's line of one entry on a customer's account (what the store keeps, before balanceAfter is added). */
export interface CustomerLine {
  readonly entryId: string;
  readonly entryKind: string;
  readonly orderId: string;
  readonly refundId: string | null;
  readonly currency: Currency;
  /** Signed change of the balance: credit +, debit −. */
  readonly amount: number;
  readonly createdAt: string;
}

/**
 * The type of a line, from its entry's kind and direction: a payment entry credits a top-up and debits a balance
 * payment; a refund entry credits a balance payment's refund; a top-up's refund is a hold on the balance (debit),
 * posted to the channel once it refunds or given back (credit) when the channel refuses.
 */
export function transactionType(line: Pick<CustomerLine, 'entryKind' | 'amount'>): CustomerTransactionType {
  switch (line.entryKind) {
    case 'payment':
      return line.amount > 0 ? 'topup' : 'payment';
    case 'refund':
      return 'refund';
    case 'hold':
      return 'topup_refund';
    default:
      return 'topup_refund_returned';
  }
}

/** The currency a customer's balances always show, even at zero (contract example: a new customer's CNY 0). */
export const DEFAULT_BALANCE_CURRENCY: Currency = 'CNY';

/**
 * The channel of a balance payment: the platform's own stored value, answered synchronously by the ledger's guarded
 * debit instead of by a channel adapter (docs/decisions.md, entry 121).
 */
export const BALANCE_CHANNEL = 'balance';
