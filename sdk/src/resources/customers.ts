import { PageList } from '../pagination.js';
import type { RequestOptions, Transport } from '../transport.js';
import type { CreateCustomerRequest, Customer, CustomerTransaction, CustomerTransactionList, CustomerTransactionListQuery } from '../types.generated.js';

export type CustomerTransactionListParams = CustomerTransactionListQuery;

const customerPath = (id: string, action = '') => `/v1/customers/${encodeURIComponent(id)}${action}`;

/**
 * `client.customers`: a merchant's customers and their stored-value balances. A top-up is an order created with
 * `purpose: 'topup'` and `customerId` (`client.orders.create`); a balance payment is `client.orders.pay` with
 * `method: 'balance'` and `customerId`.
 */
export class Customers {
  constructor(private readonly transport: Transport) {}

  /** POST /v1/customers → 201 Customer. 409 `duplicate_out_customer_no` names the existing customer (`raw.customerId`). */
  create(params: CreateCustomerRequest, options?: RequestOptions): Promise<Customer> {
    return this.transport.request({ method: 'POST', path: '/v1/customers', body: params }, options);
  }

  /** GET /v1/customers/{id} → the Customer with its balances per currency. */
  retrieve(customerId: string, options?: RequestOptions): Promise<Customer> {
    return this.transport.request({ method: 'GET', path: customerPath(customerId) }, options);
  }

  /** GET /v1/customers?outCustomerNo=… → the Customer with that merchant reference. */
  retrieveByOutCustomerNo(outCustomerNo: string, options?: RequestOptions): Promise<Customer> {
    return this.transport.request({ method: 'GET', path: '/v1/customers', query: { outCustomerNo } }, options);
  }

  /** GET /v1/customers/{id}/transactions, newest first, each with the balance after it: await one page or `for await`. */
  transactions(customerId: string, params: CustomerTransactionListParams = {}, options?: RequestOptions): PageList<CustomerTransaction> {
    return new PageList<CustomerTransaction>(
      (cursor) => this.transport.request<CustomerTransactionList>({ method: 'GET', path: customerPath(customerId, '/transactions'), query: { ...params, cursor } }, options),
      params.cursor,
    );
  }
}
