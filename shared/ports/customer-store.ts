import type { Customer, CustomerLine } from '../domain/customer.js';

/** Customers and their statements. Their balances are the ledger's (LedgerStore.accountBalance and these lines). */
export interface CustomerStore {
  /** Fails with DuplicateOutCustomerNoError when the merchant already used the outCustomerNo. */
  create(customer: Customer): Promise<void>;
  get(customerId: string): Promise<Customer | undefined>;
  findIdByOutCustomerNo(merchantId: string, outCustomerNo: string): Promise<string | undefined>;
  /** The customer's balance per currency (every currency it ever moved in), strongly consistent. */
  balances(customerId: string): Promise<{ currency: string; amount: number }[]>;
  /** Every line of the customer's balance account, oldest first, strongly consistent. */
  lines(customerId: string): Promise<CustomerLine[]>;
}
