import { ValidationError } from '../../domain/errors.js';

/**
 * Cursors of a GSI1 list (one index partition): the LastEvaluatedKey as base64url JSON, accepted back only for the
 * same partition, so a cursor of one list cannot read another's items.
 */
export function encodeIndexCursor(last: Record<string, unknown> | undefined): string | null {
  return last ? Buffer.from(JSON.stringify(last), 'utf8').toString('base64url') : null;
}

export function decodeIndexCursor(cursor: string, partition: string): Record<string, string> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (key && key.GSI1PK === partition && ['PK', 'SK', 'GSI1SK'].every((k) => typeof key[k] === 'string')) return key as Record<string, string>;
  } catch {
    // falls through
  }
  throw new ValidationError('cursor_invalid', 'This cursor does not belong to this list.', 'cursor');
}
