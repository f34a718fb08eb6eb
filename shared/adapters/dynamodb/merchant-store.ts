import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MerchantFees } from '../../domain/fees.js';
import { NotFoundError } from '../../domain/errors.js';
import type { SealedBox } from '../../ports/key-center.js';
import type { Merchant, MerchantStore, SecretRotation } from '../../ports/stores.js';
import { isConditionFailure } from './client.js';
import { indexKeys, keys } from './keys.js';

/** A merchant item without its keys. */
export function merchantOf(item: Record<string, unknown>): Merchant {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g2, entity: _entity, ...merchant } = item;
  return merchant as unknown as Merchant;
}

export class DynamoMerchantStore implements MerchantStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(merchant: Merchant): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.merchant(merchant.merchantId),
          entity: 'Merchant',
          // The operations API's merchant list, oldest first (docs/decisions.md, 164).
          GSI1PK: indexKeys.merchants,
          GSI1SK: indexKeys.timeSortKey(merchant.createdAt, merchant.merchantId),
          ...merchant,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async get(merchantId: string): Promise<Merchant | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.merchant(merchantId) }));
    if (!out.Item) return undefined;
    return merchantOf(out.Item);
  }

  async setStatus(merchantId: string, status: Merchant['status']): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.merchant(merchantId),
          UpdateExpression: 'SET #status = :status',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new NotFoundError('merchant', 'merchantId');
      throw error;
    }
  }

  async rotateSecret(merchantId: string, replaced: SealedBox, rotation: SecretRotation): Promise<Merchant | undefined> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.merchant(merchantId),
          UpdateExpression: 'SET sealedSecret = :sealed, previousSealedSecret = :previous, previousSecretExpiresAt = :expires, secretRotatedAt = :at',
          // The sealed secret's ciphertext is unique per seal (a fresh data key and IV): it names the secret replaced.
          ConditionExpression: 'sealedSecret.ct = :replaced',
          ExpressionAttributeValues: {
            ':sealed': rotation.sealedSecret,
            ':previous': rotation.previousSealedSecret,
            ':expires': rotation.previousSecretExpiresAt,
            ':at': rotation.secretRotatedAt,
            ':replaced': replaced.ct,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return merchantOf(out.Attributes!);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async setFees(merchantId: string, fees: MerchantFees): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.merchant(merchantId),
          UpdateExpression: 'SET fees = :fees',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':fees': fees },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new NotFoundError('merchant', 'merchantId');
      throw error;
    }
  }
}
