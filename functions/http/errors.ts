import * as z from 'zod/mini';
import type { ErrorCodeOf } from '../../shared/domain/error-codes.js';
import { DomainError, ValidationError } from '../../shared/domain/errors.js';
import { logger } from '../../shared/logger.js';

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export const JSON_TYPE = 'application/json; charset=utf-8';

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { 'Content-Type': JSON_TYPE, ...headers }, body: JSON.stringify(body) };
}

/**
 * The one error mapper: domain errors are exposed with their stable code; anything else is logged and becomes a
 * generic 500 that names only the request id.
 */
export function errorResponse(error: unknown, requestId: string): HttpResponse {
  if (error instanceof DomainError) {
    const body: Record<string, unknown> = {
      type: error.type,
      code: error.code,
      message: error.message,
      requestId,
    };
    if (error.param) body.param = error.param;
    if (error.details) Object.assign(body, error.details);
    return jsonResponse(error.statusCode, { error: body }, error.headers ?? {});
  }
  logger.error('unhandled error', { requestId, error: describe(error) });
  return jsonResponse(500, {
    error: { type: 'internal', code: 'internal_error', message: 'An internal error occurred.', requestId },
  });
}

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}

/** Parses with a zod schema; the first problem becomes a 400 naming the field. */
export function parse<T extends z.ZodMiniType>(schema: T, value: unknown, prefix?: string): z.infer<T> {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = [...(prefix ? [prefix] : []), ...issue.path.map(String)];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const param = [...path, key].join('.');
    throw new ValidationError('parameter_unknown', `Unknown parameter: ${param}.`, param);
  }
  const param = path.join('.') || undefined;
  const missing = issue.code === 'invalid_type' && valueAt(value, issue.path) === undefined;
  const code = missing ? 'parameter_missing' : codeFor(path.at(-1));
  const message = missing ? `Missing required parameter: ${param}.` : `Invalid ${param ?? 'request'}: ${issue.message}.`;
  throw new ValidationError(code, message, param);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Stable codes for the fields merchants most often get wrong; the rest are parameter_invalid. */
function codeFor(field: string | undefined): ErrorCodeOf<400> {
  switch (field) {
    case 'amount':
      return 'amount_invalid';
    case 'currency':
      return 'currency_invalid';
    case 'number':
      return 'invalid_card_number';
    case 'notifyUrl':
      return 'notify_url_invalid';
    default:
      return 'parameter_invalid';
  }
}
