import { DeleteCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { IdempotencyBegin, IdempotencyStore, NonceGuard, NonceOutcome, NonceStore, StoredResponse } from '../../ports/stores.js';
import { cancellationReasons, isConditionFailure, withConflictRetry } from './client.js';
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
 * The conditional Put that records a nonce. A nonce must stay remembered for as long as its timestamp could still be
 * accepted: twice the window. TTL deletes it later; the condition does not rely on that (DynamoDB Local never deletes).
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

/**
 * What records a signed request, alone (NonceStore.record) or as the first two items of the request's first
 * transaction (NonceGuard): the nonce's Put, and a ConditionCheck that the merchant is still active. Every container
 * caches merchant profiles, but every request records its nonce, so the status is checked on every request at the
 * cost of no request of its own: a merchant disabled anywhere is refused from its next request, everywhere
 * (docs/decisions.md, entry 43).
 */
export function nonceItems(tableName: string, n: Omit<NonceGuard, 'recorded'>) {
  return [
    { Put: noncePut(tableName, n) },
    {
      ConditionCheck: {
        TableName: tableName,
        Key: keys.merchant(n.merchantId),
        ...(n.secretCt === undefined
          ? { ConditionExpression: '#status = :active', ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':active': 'active' } }
          : liveSecretCondition(n.secretCt, n.nowMs)),
      },
    },
  ];
}

/**
 * Active, and the request's secret still live: the current one, or the one a rotation replaced before its expiry
 * (shared/domain/merchant-secret.ts, the same rule on the cached profile). A failure reads as `merchant_disabled`;
 * the service tells a revoked secret from a disabled merchant by reading the merchant (decisions, 232).
 */
function liveSecretCondition(secretCt: string, nowMs: number) {
  return {
    ConditionExpression: '#status = :active AND (sealedSecret.ct = :ct OR (previousSealedSecret.ct = :ct AND previousSecretExpiresAt > :now))',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':active': 'active', ':ct': secretCt, ':now': new Date(nowMs).toISOString() },
  };
}

/** Why a transaction that began with nonceItems was cancelled by them; undefined when they were not the cause. */
export function nonceFailure(reasons: readonly string[] | undefined): Exclude<NonceOutcome, 'recorded'> | undefined {
  // The nonce comes first: a replay is reported as a replay even when the merchant is disabled too.
  if (reasons?.[0] === 'ConditionalCheckFailed') return 'replayed';
  if (reasons?.[1] === 'ConditionalCheckFailed') return 'merchant_disabled';
  return undefined;
}

export class DynamoNonceStore implements NonceStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(n: Omit<NonceGuard, 'recorded'>): Promise<NonceOutcome> {
    try {
      await withConflictRetry(() => this.db.send(new TransactWriteCommand({ TransactItems: nonceItems(this.tableName, n) })));
      return 'recorded';
    } catch (error) {
      const failure = nonceFailure(cancellationReasons(error));
      if (failure !== 'merchant_disabled') {
        if (failure) return failure;
        throw error;
      }
    }
    // A refused request spends its nonce too, or it could be replayed once the merchant is enabled again.
    try {
      await this.db.send(new PutCommand(noncePut(this.tableName, n)));
      return 'merchant_disabled';
    } catch (error) {
      if (isConditionFailure(error)) return 'replayed';
      throw error;
    }
  }
}
