import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CheckoutToken, CheckoutTokenStore } from './tokens.js';

/** Its own partition per token: a page view is one GetItem, and no token shares a key with another. */
const tokenKey = (token: string) => ({ PK: `CHECKOUT#${token}`, SK: 'TOKEN' });

/** Kept a day past the order's expiry for support questions, then deleted by TTL (housekeeping, not correctness). */
const TTL_GRACE_SECONDS = 86_400;

export class DynamoCheckoutTokenStore implements CheckoutTokenStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(token: CheckoutToken): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...tokenKey(token.token),
          entity: 'CheckoutToken',
          ...token,
          ttl: Math.ceil(Date.parse(token.expiresAt) / 1000) + TTL_GRACE_SECONDS,
        },
        // 256 random bits never collide; the condition makes sure a bug could not overwrite another order's token.
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async get(token: string): Promise<CheckoutToken | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: tokenKey(token), ConsistentRead: true }));
    if (!Item) return undefined;
    const { PK: _pk, SK: _sk, entity: _entity, ttl: _ttl, ...rest } = Item;
    return rest as CheckoutToken;
  }
}
