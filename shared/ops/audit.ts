import { createHash } from 'node:crypto';

/**
 * One call of the operations API as the audit trail keeps it (docs/operations.md): who, when, what, how it ended,
 * and for a change the state before and after. Entries are only ever added, never updated or deleted.
 */
export interface AuditEntry {
  /** The request id (X-Request-Id): unique per call, so it is the entry's id too. */
  readonly id: string;
  readonly at: string;
  /** The IAM principal's ARN in AWS, `local-token` locally, `anonymous` when the credentials were refused. */
  readonly principal: string;
  readonly method: string;
  /** Path and query as called. */
  readonly path: string;
  readonly status: number;
  /** Hex SHA-256 of the raw body (null without one): proves what was sent without keeping it. */
  readonly bodyDigest: string | null;
  /** The parsed body with every secret-looking field replaced by "[redacted]". */
  readonly body: unknown;
  readonly before: unknown;
  readonly after: unknown;
}

export interface AuditPage {
  readonly data: readonly AuditEntry[];
  readonly nextCursor: string | null;
}

export interface AuditTrail {
  /** Fails if an entry with this id exists: nothing is overwritten. */
  append(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  list(page: { readonly limit: number; readonly cursor?: string }): Promise<AuditPage>;
}

export const REDACTED = '[redacted]';

/**
 * Field names whose values are never kept: credentials, card data, bank account numbers. Matched on the key, at any
 * depth, so a route added later is covered without knowing its schema.
 */
const SECRET_KEY = /secret|token|password|passphrase|private|credential|authorization|cvc|cvv|pan$|^card(number)?$|number$|otp|signature|key$/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 16) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, SECRET_KEY.test(key) ? REDACTED : redact(item, depth + 1)]),
  );
}

export function bodyDigest(rawBody: string): string | null {
  return rawBody === '' ? null : createHash('sha256').update(rawBody, 'utf8').digest('hex');
}
