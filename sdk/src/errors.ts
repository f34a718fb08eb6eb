import type { ErrorCode } from './types.generated.js';

/**
 * A stable error code: one of the API's catalog (ErrorCode, generated from the OpenAPI document), or one the SDK sets
 * itself (`timeout`, `connection_failed`, `webhook_signature_invalid`, `http_<status>` for a non-contract answer).
 * The `string & {}` keeps editors completing the known codes while a newer API's codes still type-check.
 */
export type OpenPayErrorCode = ErrorCode | 'timeout' | 'connection_failed' | 'webhook_signature_invalid' | (string & {});

/** The contract's error `type`s, plus the two the SDK raises itself (no answer, or a webhook that fails verification). */
export type ApiErrorType = 'invalid_request' | 'authentication' | 'permission' | 'conflict' | 'payment' | 'rate_limit' | 'internal';
export type ErrorType = ApiErrorType | 'connection' | 'signature_verification';

export interface OpenPayErrorFields {
  readonly message: string;
  readonly type: ErrorType;
  readonly code: OpenPayErrorCode;
  /** The HTTP status; undefined when no answer arrived. */
  readonly status?: number;
  readonly param?: string;
  readonly requestId?: string;
  /** The whole `error` object as the API sent it, with fields specific to a code (e.g. `existingOrderId`). */
  readonly raw?: Record<string, unknown>;
  /** Response headers, lower-case names (e.g. `retry-after`). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/**
 * The base of every error the SDK throws, so one `instanceof OpenPayError` catches them all. Subclasses say what
 * kind of failure it is; `code` is the contract's stable code (branch on it, never on `message`).
 */
export class OpenPayError extends Error {
  readonly type: ErrorType;
  readonly code: OpenPayErrorCode;
  readonly status: number | undefined;
  readonly param: string | undefined;
  readonly requestId: string | undefined;
  readonly raw: Record<string, unknown>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(fields: OpenPayErrorFields) {
    super(fields.message, fields.cause === undefined ? undefined : { cause: fields.cause });
    // new.target keeps the subclass's name in stack traces and logs, also after a bundler renames nothing.
    this.name = new.target.name;
    this.type = fields.type;
    this.code = fields.code;
    this.status = fields.status;
    this.param = fields.param;
    this.requestId = fields.requestId;
    this.raw = fields.raw ?? {};
    this.headers = fields.headers ?? {};
  }
}

/** 400/404/422 `invalid_request`: a bad parameter (`param` names it), a missing object, a business rule. */
export class InvalidRequestError extends OpenPayError {}
/** 401: missing or wrong signature, stale timestamp, replayed nonce. Not retried: check the credentials and clock. */
export class AuthenticationError extends OpenPayError {}
/** 403: e.g. the merchant is disabled. */
export class PermissionError extends OpenPayError {}
/** 409 `conflict`: the object is not in a state that allows the call (`order_not_payable`, duplicates…). */
export class ConflictError extends OpenPayError {}
/** 402 `payment`: the payment was declined (`card_declined`, `insufficient_funds`, `authentication_failed`…). */
export class PaymentError extends OpenPayError {}
/** 429: above the merchant's rate limit; the request changed nothing. Retried by the SDK, honouring Retry-After. */
export class RateLimitError extends OpenPayError {
  /** From the Retry-After header, when the API sent one. */
  get retryAfterSeconds(): number | undefined {
    const value = Number(this.headers['retry-after']);
    return this.headers['retry-after'] !== undefined && Number.isFinite(value) ? value : undefined;
  }
}
/** 5xx `internal`, or an answer that is not the contract's JSON error (a proxy's 502, say). */
export class APIError extends OpenPayError {}
/**
 * An Idempotency-Key problem: `idempotency_key_reused` (422: the key was used with another request) or
 * `request_in_progress` (409: the first request with this key is still running; the SDK retries it first).
 */
export class IdempotencyError extends OpenPayError {}
/** No answer: a network failure or a timeout, after every retry. The request may or may not have taken effect. */
export class ConnectionError extends OpenPayError {}
/** A webhook that is not from the platform, was altered, or is too old. */
export class WebhookVerificationError extends OpenPayError {
  constructor(message: string) {
    super({ message, type: 'signature_verification', code: 'webhook_signature_invalid' });
  }
}

/**
 * Stripe's name for a declined payment, so `instanceof CardError` reads as merchants expect; the same class as
 * PaymentError (balance, agreement and wallet declines are `payment` errors too, not only cards).
 */
export const CardError = PaymentError;
export type CardError = PaymentError;

type ApiErrorClass = new (fields: OpenPayErrorFields) => OpenPayError;

const BY_TYPE: Readonly<Record<ApiErrorType, ApiErrorClass>> = {
  invalid_request: InvalidRequestError,
  authentication: AuthenticationError,
  permission: PermissionError,
  conflict: ConflictError,
  payment: PaymentError,
  rate_limit: RateLimitError,
  internal: APIError,
};

/** The contract gives every type its statuses; used when an answer carries no (known) type. */
const BY_STATUS: Readonly<Record<number, ApiErrorType>> = {
  400: 'invalid_request',
  404: 'invalid_request',
  422: 'invalid_request',
  401: 'authentication',
  403: 'permission',
  409: 'conflict',
  402: 'payment',
  429: 'rate_limit',
};

const IDEMPOTENCY_CODES = new Set(['idempotency_key_reused', 'request_in_progress']);

/** The error for an API answer that is not 2xx: by its code for idempotency, else by its type, else by its status. */
export function errorFromResponse(status: number, body: unknown, headers: Readonly<Record<string, string>>): OpenPayError {
  const raw = isRecord(body) && isRecord(body.error) ? body.error : {};
  const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const declared = str(raw.type);
  const type: ApiErrorType = declared !== undefined && declared in BY_TYPE ? (declared as ApiErrorType) : (BY_STATUS[status] ?? 'internal');
  const code = str(raw.code) ?? `http_${status}`;
  const ErrorClass = IDEMPOTENCY_CODES.has(code) ? IdempotencyError : BY_TYPE[type];
  return new ErrorClass({
    message: str(raw.message) ?? `HTTP ${status}`,
    type,
    code,
    status,
    param: str(raw.param),
    requestId: str(raw.requestId) ?? headers['x-request-id'],
    raw,
    headers,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
