import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Agreement } from '../../domain/agreement.js';
import type { PeriodUsage } from '../../domain/agreement-rules.js';
import { DuplicateOutAgreementNoError, type AgreementStore } from '../../ports/agreement-store.js';
import type { DomainEvent } from '../../ports/stores.js';
import { cancellationReasons, isConditionFailure, withConflictRetry } from './client.js';
import { indexKeys, keys } from './keys.js';
import { outboxEventItem } from './outbox-item.js';
import { queryAll } from './query-pages.js';

type Item = Record<string, unknown>;
const KEY_ATTRIBUTES = new Set(['PK', 'SK', 'GSI1PK', 'GSI1SK', 'entity']);

function toAgreement(item: Item | undefined): Agreement | undefined {
  if (!item) return undefined;
  return Object.fromEntries(Object.entries(item).filter(([k]) => !KEY_ATTRIBUTES.has(k))) as unknown as Agreement;
}

function agreementItem(agreement: Agreement): Item {
  return {
    ...keys.agreement(agreement.id),
    entity: 'Agreement',
    // A customer's agreements with this merchant, newest first: one Query of GSI1.
    GSI1PK: indexKeys.agreementsByCustomer(agreement.merchantId, agreement.customerId),
    GSI1SK: indexKeys.timeSortKey(agreement.createdAt, agreement.id),
    ...agreement,
  };
}

/** Agreements in the single table: one item each, its outAgreementNo's uniqueness item, its events in the outbox. */
export class DynamoAgreementStore implements AgreementStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(agreement: Agreement): Promise<void> {
    const unique = { ...keys.outAgreementNo(agreement.merchantId, agreement.outAgreementNo), entity: 'OutAgreementNo', agreementId: agreement.id };
    try {
      await withConflictRetry(() =>
        this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: this.tableName, Item: agreementItem(agreement), ConditionExpression: 'attribute_not_exists(PK)' } },
              { Put: { TableName: this.tableName, Item: unique, ConditionExpression: 'attribute_not_exists(PK)' } },
            ],
          }),
        ),
      );
    } catch (error) {
      if (cancellationReasons(error)?.[1] === 'ConditionalCheckFailed') {
        throw new DuplicateOutAgreementNoError(await this.findIdByOutAgreementNo(agreement.merchantId, agreement.outAgreementNo));
      }
      throw error;
    }
  }

  async get(agreementId: string): Promise<Agreement | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.agreement(agreementId), ConsistentRead: true }));
    return toAgreement(out.Item);
  }

  async findIdByOutAgreementNo(merchantId: string, outAgreementNo: string): Promise<string | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.outAgreementNo(merchantId, outAgreementNo), ConsistentRead: true }));
    return out.Item?.agreementId as string | undefined;
  }

  async listByCustomer(merchantId: string, customerId: string): Promise<Agreement[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': indexKeys.agreementsByCustomer(merchantId, customerId) },
      ScanIndexForward: false,
    });
    return items.map((item) => toAgreement(item)!);
  }

  /** The customers module's item (`CUSTOMER#<id>`), read only for its merchant: an agreement names a customer that exists. */
  async customerMerchant(customerId: string): Promise<string | undefined> {
    const key = { PK: `CUSTOMER#${customerId}`, SK: 'CUSTOMER' };
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true, ProjectionExpression: 'merchantId' }));
    return out.Item?.merchantId as string | undefined;
  }

  /** One conditional ADD on the signing's counter item (`AGREEMENT#<id>`, `OTP`), beside the agreement. */
  async reserveOtpAttempt(agreementId: string, limit: number): Promise<number | undefined> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.agreementOtp(agreementId),
          UpdateExpression: 'ADD #used :one SET #entity = :entity',
          ConditionExpression: 'attribute_not_exists(#used) OR #used < :limit',
          ExpressionAttributeNames: { '#used': 'used', '#entity': 'entity' },
          ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':entity': 'AgreementOtp' },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return out.Attributes?.used as number;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async releaseOtpAttempt(agreementId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.agreementOtp(agreementId),
          UpdateExpression: 'ADD #used :minus',
          ConditionExpression: '#used > :zero',
          ExpressionAttributeNames: { '#used': 'used' },
          ExpressionAttributeValues: { ':minus': -1, ':zero': 0 },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async periodUsage(agreementId: string, period: number): Promise<PeriodUsage> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.agreementPeriod(agreementId, period), ConsistentRead: true }));
    return { debits: (out.Item?.debits as number | undefined) ?? 0, amount: (out.Item?.amount as number | undefined) ?? 0 };
  }

  /** The claim's ADD undone, on the condition that the debit is still counted (a second release changes nothing). */
  async releasePeriodDebit(agreementId: string, period: number, amount: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.agreementPeriod(agreementId, period),
          UpdateExpression: 'ADD debits :minusOne, amount :minus',
          ConditionExpression: 'debits > :zero AND amount >= :amount',
          ExpressionAttributeValues: { ':minusOne': -1, ':minus': -amount, ':zero': 0, ':amount': amount },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async commit(change: { after: Agreement; expect: { status: string; version: number }; event?: DomainEvent }): Promise<boolean> {
    try {
      await withConflictRetry(() =>
        this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.tableName,
                  Item: agreementItem(change.after),
                  ConditionExpression: '#status = :status AND #version = :version',
                  ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
                  ExpressionAttributeValues: { ':status': change.expect.status, ':version': change.expect.version },
                },
              },
              ...(change.event ? [outboxEventItem(this.tableName, change.event)] : []),
            ],
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error) || cancellationReasons(error)?.[0] === 'ConditionalCheckFailed') return false;
      throw error;
    }
  }
}
