import { createCustomerSchema, customerTransactionsQuerySchema, findCustomerQuerySchema, idParam } from '../shared/schemas/requests.js';
import { customerResource, customerTransactionListResource } from '../shared/schemas/resources.js';
import {
  createCustomer,
  customerBalances,
  findCustomerByOutCustomerNo,
  listCustomerTransactions,
  loadCustomer,
} from '../shared/services/customers.js';
import type { Customer } from '../shared/domain/customer.js';
import type { Deps } from '../shared/services/deps.js';
import { parse } from './http/errors.js';
import { apiHandler } from './http/api-handler.js';

/** Customers: create, read (by id or outCustomerNo) with their balances, and their balance's movements. */
export const handler = apiHandler({
  'POST /v1/customers': async ({ body, merchant, deps }) => {
    const customer = await createCustomer(deps, merchant, parse(createCustomerSchema, body));
    return { statusCode: 201, body: await withBalances(deps, customer) };
  },
  'GET /v1/customers': async ({ query, merchant, deps }) => {
    const { outCustomerNo } = parse(findCustomerQuerySchema, query);
    return { statusCode: 200, body: await withBalances(deps, await findCustomerByOutCustomerNo(deps, merchant.merchantId, outCustomerNo)) };
  },
  'GET /v1/customers/{id}': async ({ pathParameters, merchant, deps }) => {
    const customer = await loadCustomer(deps, merchant.merchantId, parse(idParam('cus'), pathParameters.id, 'id'));
    return { statusCode: 200, body: await withBalances(deps, customer) };
  },
  'GET /v1/customers/{id}/transactions': async ({ pathParameters, query, merchant, deps }) => {
    const customer = await loadCustomer(deps, merchant.merchantId, parse(idParam('cus'), pathParameters.id, 'id'));
    const page = await listCustomerTransactions(deps, customer.id, parse(customerTransactionsQuerySchema, query));
    return { statusCode: 200, body: customerTransactionListResource(page.data, page.nextCursor) };
  },
});

async function withBalances(deps: Deps, customer: Customer) {
  return customerResource(customer, await customerBalances(deps, customer.id));
}
