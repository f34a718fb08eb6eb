import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Customer, CustomerLine } from '../../domain/customer.js';
import { ConflictError } from '../../domain/errors.js';
import { accounts } from '../../ledger/accounts.js';
import type { CustomerStore } from '../../ports/customer-store.js';
import { cancellationReasons, withConflictRetry } from './client.js';
import { keys } from './keys.js';
import { queryAll } from './query-pages.js';

type Item = Record<string, unknown>;

export class DuplicateOutCustomerNoError extends ConflictError {
  constructor(existingCustomerId: string | undefined) {
    super('duplicate_out_customer_no', 'A customer with this outCustomerNo exists.', { customerId: existingCustomerId });
  }
}

/**
 * Customers in the single table: the customer item and its outCustomerNo claim, written together (as an order and its
 * outTradeNo). The balance items and lines live in the ledger account's partition (`ACCOUNT#customer:<id>:balance`),
 * written by the ledger adapter in the transactions that move the money.
 */
export class DynamoCustomerStore implements CustomerStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(customer: Customer): Promise<void> {
    try {
      await withConflictRetry(() => this.db.send(new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.tableName, Item: { ...keys.customer(customer.id), entity: 'Customer', ...customer }, ConditionExpression: 'attribute_not_exists(PK)' } },
          {
            Put: {
              TableName: this.tableName,
              Item: { ...keys.outCustomerNo(customer.merchantId, customer.outCustomerNo), entity: 'OutCustomerNo', customerId: customer.id },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
        ],
      })));
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons?.[1] === 'ConditionalCheckFailed') {
        throw new DuplicateOutCustomerNoError(await this.findIdByOutCustomerNo(customer.merchantId, customer.outCustomerNo));
      }
      throw error;
    }
  }

  async get(customerId: string): Promise<Customer | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.customer(customerId), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { PK: _pk, SK: _sk, entity: _entity, ...customer } = out.Item;
    return customer as Customer;
  }

  async findIdByOutCustomerNo(merchantId: string, outCustomerNo: string): Promise<string | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.outCustomerNo(merchantId, outCustomerNo), ConsistentRead: true }));
    return out.Item?.customerId as string | undefined;
  }

  async balances(customerId: string): Promise<{ currency: string; amount: number }[]> {
    const items = await this.partition(customerId, 'BALANCE#');
    return items.map((item) => ({ currency: item.currency as string, amount: item.balance as number }));
  }

  async lines(customerId: string): Promise<CustomerLine[]> {
    const items = await this.partition(customerId, 'LINE#');
    return items.map((item) => ({
      entryId: item.entryId as string,
      entryKind: item.entryKind as string,
      orderId: item.orderId as string,
      refundId: (item.refundId as string | null) ?? null,
      currency: item.currency as CustomerLine['currency'],
      amount: item.amount as number,
      createdAt: item.createdAt as string,
    }));
  }

  private partition(customerId: string, prefix: string): Promise<Item[]> {
    return queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.accountPartition(accounts.customerBalance(customerId)), ':prefix': prefix },
      ConsistentRead: true,
    });
  }
}
