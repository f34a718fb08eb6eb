import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../domain/errors.js';
import type { MerchantDirectory, MerchantPage } from '../../ops/merchant-directory.js';
import { indexKeys } from './keys.js';
import { merchantOf } from './merchant-store.js';

/**
 * Every merchant, oldest first, from the `MERCHANTS` partition of GSI1 that each merchant item joins when it is
 * created: one small partition (merchants are created by people, a few a day), read a page at a time.
 */
export class DynamoMerchantDirectory implements MerchantDirectory {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(page: { readonly limit: number; readonly cursor?: string }): Promise<MerchantPage> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': indexKeys.merchants },
        Limit: page.limit,
        ExclusiveStartKey: page.cursor ? decodeCursor(page.cursor) : undefined,
      }),
    );
    const last = out.LastEvaluatedKey;
    return {
      data: (out.Items ?? []).map(merchantOf),
      nextCursor: last ? Buffer.from(JSON.stringify(last), 'utf8').toString('base64url') : null,
    };
  }
}

function decodeCursor(cursor: string): Record<string, string> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (key && key.GSI1PK === indexKeys.merchants && ['PK', 'SK', 'GSI1SK'].every((k) => typeof key[k] === 'string')) return key as Record<string, string>;
  } catch {
    // falls through
  }
  throw new ValidationError('cursor_invalid', 'This cursor does not belong to this list.', 'cursor');
}
