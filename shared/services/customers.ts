import { DEFAULT_BALANCE_CURRENCY, transactionType, type Customer, type CustomerLine, type CustomerTransactionType } from '../domain/customer.js';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Merchant } from '../ports/stores.js';
import type { CreateCustomerRequest } from '../schemas/requests.js';
import type { Deps } from './deps.js';

type CustomerDeps = Pick<Deps, 'customers' | 'now'>;

/**
 * Customers and their stored value (contract, "Customers, balances and top-ups"). outCustomerNo is unique per
 * merchant: a second create with it is a 409 naming the customer, whatever its body (docs/decisions.md, entry 119).
 */
export async function createCustomer(deps: CustomerDeps, merchant: Merchant, request: CreateCustomerRequest): Promise<Customer> {
  const customer: Customer = {
    id: newId('cus', deps.now()),
    merchantId: merchant.merchantId,
    outCustomerNo: request.outCustomerNo,
    name: request.name,
    createdAt: new Date(deps.now()).toISOString(),
  };
  await deps.customers.create(customer);
  return customer;
}

/** A merchant sees only its own customers: another merchant's customer is simply not found. */
export async function loadCustomer(deps: Pick<Deps, 'customers'>, merchantId: string, customerId: string, param = 'id'): Promise<Customer> {
  const customer = await deps.customers.get(customerId);
  if (!customer || customer.merchantId !== merchantId) throw new NotFoundError('customer', param);
  return customer;
}

export async function findCustomerByOutCustomerNo(deps: Pick<Deps, 'customers'>, merchantId: string, outCustomerNo: string): Promise<Customer> {
  const id = await deps.customers.findIdByOutCustomerNo(merchantId, outCustomerNo);
  if (!id) throw new NotFoundError('customer', 'outCustomerNo');
  return loadCustomer(deps, merchantId, id, 'outCustomerNo');
}

/** The customer's balances, CNY always shown (at 0 before any movement), the others once they moved. */
export async function customerBalances(deps: Pick<Deps, 'customers'>, customerId: string): Promise<{ currency: string; amount: number }[]> {
  const rows = await deps.customers.balances(customerId);
  if (!rows.some((row) => row.currency === DEFAULT_BALANCE_CURRENCY)) rows.push({ currency: DEFAULT_BALANCE_CURRENCY, amount: 0 });
  return rows.sort((a, b) => a.currency.localeCompare(b.currency));
}

export interface CustomerTransaction extends CustomerLine {
  readonly type: CustomerTransactionType;
  /** The customer's balance in this currency after the movement. */
  readonly balanceAfter: number;
}

/**
 * The customer's movements, newest first, `limit` a page; the cursor names the last line shown. Each line's
 * balanceAfter is the running sum of the account's lines up to it, in the order the lines are kept (their time, then
 * entry id): the lines are written in the same transactions as the balance, so their sum is the balance (entry 122).
 */
export async function listCustomerTransactions(
  deps: Pick<Deps, 'customers'>,
  customerId: string,
  page: { limit: number; cursor?: string },
): Promise<{ data: CustomerTransaction[]; nextCursor: string | null }> {
  const running = new Map<string, number>();
  const all: CustomerTransaction[] = (await deps.customers.lines(customerId)).map((line) => {
    const balanceAfter = (running.get(line.currency) ?? 0) + line.amount;
    running.set(line.currency, balanceAfter);
    return { ...line, type: transactionType(line), balanceAfter };
  });
  const newestFirst = all.reverse();
  let start = 0;
  if (page.cursor !== undefined) {
    const after = decodeCursor(page.cursor);
    const index = newestFirst.findIndex((t) => t.entryId === after);
    if (index < 0) throw new ValidationError('cursor_invalid', 'The cursor is not valid for this customer.', 'cursor');
    start = index + 1;
  }
  const data = newestFirst.slice(start, start + page.limit);
  const more = start + page.limit < newestFirst.length;
  return { data, nextCursor: more && data.length > 0 ? encodeCursor(data[data.length - 1]!.entryId) : null };
}

function encodeCursor(entryId: string): string {
  return Buffer.from(JSON.stringify({ after: entryId }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (value && typeof value === 'object' && typeof (value as { after?: unknown }).after === 'string') return (value as { after: string }).after;
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError('cursor_invalid', 'The cursor is not valid for this query.', 'cursor');
}
