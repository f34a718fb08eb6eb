import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { IdempotencyBegin, IdempotencyStore, NonceGuard, NonceStore, StoredResponse } from '../../ports/stores.js';
import { isConditionFailure } from './client.js';
import { keys } from './keys.js';

/** Idempotency records live 24 h; a record still IN_PROGRESS after the lock time belongs to a dead request. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 3600 * 1000;
export const IDEMPOTENCY_LOCK_MS = 60_000;

export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Stored before the work starts. Taken over only when absent, expired, or abandoned by a request that died
   * (IN_PROGRESS past its lock) with the same fingerprint.
   */
  async begin(merchantId: string, key: string, fingerprint: string, nowMs: number): Promise<IdempotencyBegin> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.idempotency(merchantId, key),
            entity: 'Idempotency',
            status: 'IN_PROGRESS',
            fingerprint,
            lockedUntilMs: nowMs + IDEMPOTENCY_LOCK_MS,
            expiresAtMs: nowMs + IDEMPOTENCY_RETENTION_MS,
            ttl: Math.ceil((nowMs + IDEMPOTENCY_RETENTION_MS) / 1000),
          },
          ConditionExpression:
            'attribute_not_exists(PK) OR expiresAtMs < :now OR (#status = :inProgress AND lockedUntilMs < :now AND fingerprint = :fp)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':now': nowMs, ':inProgress': 'IN_PROGRESS', ':fp': fingerprint },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'started' };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // The document client does not unmarshall the item returned with a failed condition.
      const raw = (error as { Item?: Record<string, AttributeValue> }).Item;
      if (!raw) return { kind: 'in_progress' };
      const old = unmarshall(raw);
      if (old.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (old.status === 'COMPLETED') return { kind: 'replay', response: old.response as StoredResponse };
      return { kind: 'in_progress' };
    }
  }

  async complete(merchantId: string, key: string, response: StoredResponse): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.idempotency(merchantId, key),
        UpdateExpression: 'SET #status = :completed, #response = :response',
        ExpressionAttributeNames: { '#status': 'status', '#response': 'response' },
        ExpressionAttributeValues: { ':completed': 'COMPLETED', ':response': response },
      }),
    );
  }

  async release(merchantId: string, key: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: keys.idempotency(merchantId, key),
        ConditionExpression: '#status = :inProgress',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':inProgress': 'IN_PROGRESS' },
      }),
    ).catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
  }
}

/**
 * The conditional Put that records a nonce, alone (NonceStore.claim) or inside a request's first transaction
 * (NonceGuard). A nonce must stay remembered for as long as its timestamp could still be accepted: twice the window.
 * TTL deletes it later; the condition does not rely on that (DynamoDB Local never deletes).
 */
export function noncePut(tableName: string, n: Omit<NonceGuard, 'recorded'>) {
  const expiresAtMs = n.nowMs + 2 * n.windowMs;
  return {
    TableName: tableName,
    Item: { ...keys.nonce(n.merchantId, n.nonce), entity: 'Nonce', expiresAtMs, ttl: Math.ceil(expiresAtMs / 1000) },
    ConditionExpression: 'attribute_not_exists(PK) OR expiresAtMs < :now',
    ExpressionAttributeValues: { ':now': n.nowMs },
  };
}

export class DynamoNonceStore implements NonceStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(merchantId: string, nonce: string, nowMs: number, windowMs: number): Promise<boolean> {
    try {
      await this.db.send(new PutCommand(noncePut(this.tableName, { merchantId, nonce, nowMs, windowMs })));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
