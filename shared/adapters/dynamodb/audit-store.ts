import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../domain/errors.js';
import type { AuditEntry, AuditPage, AuditTrail } from '../../ops/audit.js';
import { keys } from './keys.js';

/**
 * The operations API's audit trail in the table (docs/data-model.md, "Audit trail"): one item per call in the
 * `AUDIT` partition, sorted by time, written with a condition so that no entry is ever replaced. One partition takes
 * ~1,000 writes a second; operators and their scripts make a few (docs/decisions.md, 162).
 */
export class DynamoAuditTrail implements AuditTrail {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.auditEntry(entry.at, entry.id), entity: 'Audit', ...entry },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async list(page: { readonly limit: number; readonly cursor?: string }): Promise<AuditPage> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.auditPartition },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: page.cursor ? { PK: keys.auditPartition, SK: decodeCursor(page.cursor) } : undefined,
      }),
    );
    const data = (out.Items ?? []).map(({ PK: _pk, SK: _sk, entity: _e, ...entry }) => entry as AuditEntry);
    const last = out.LastEvaluatedKey?.SK;
    return { data, nextCursor: typeof last === 'string' ? Buffer.from(last, 'utf8').toString('base64url') : null };
  }
}

function decodeCursor(cursor: string): string {
  const sk = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!sk.startsWith('ENTRY#')) throw new ValidationError('cursor_invalid', 'This cursor does not belong to this list.', 'cursor');
  return sk;
}
