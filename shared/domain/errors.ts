import { ERROR_CODES, type ErrorCode, type ErrorCodeOf, type ErrorType } from './error-codes.js';

/**
 * One error family. Every error a merchant may see is a DomainError with a stable `code` from the closed catalog
 * (error-codes.ts); each subclass accepts only the codes of its own HTTP status, so the compiler keeps a code and its
 * status together. The HTTP error mapper exposes these and turns anything else into a generic 500 carrying the
 * request id.
 */
export type { ErrorCode, ErrorType };

export interface DomainErrorOptions {
  readonly param?: string;
  readonly cause?: unknown;
  readonly details?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
}

export class DomainError extends Error {
  readonly param?: string;
  readonly details?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(
    readonly statusCode: number,
    readonly type: ErrorType,
    readonly code: ErrorCode,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.param = options.param;
    this.details = options.details;
    this.headers = options.headers;
  }
}

export class ValidationError extends DomainError {
  constructor(code: ErrorCodeOf<400>, message: string = ERROR_CODES[code].message, param?: string) {
    super(400, 'invalid_request', code, message, { param });
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, param?: string) {
    super(404, 'invalid_request', 'resource_missing', `No such ${what}.`, { param });
  }
}

export class UnprocessableError extends DomainError {
  constructor(code: ErrorCodeOf<422>, message: string = ERROR_CODES[code].message, param?: string) {
    super(422, 'invalid_request', code, message, { param });
  }
}

export class AuthenticationError extends DomainError {
  constructor(code: ErrorCodeOf<401>, message: string = ERROR_CODES[code].message) {
    super(401, 'authentication', code, message);
  }
}

/** The request's nonce was seen before within its window (contract, "Authentication"). */
export class ReplayedRequestError extends AuthenticationError {
  constructor() {
    super('replayed_request', 'This nonce was already used.');
  }
}

export class PermissionError extends DomainError {
  constructor(code: ErrorCodeOf<403>, message: string = ERROR_CODES[code].message) {
    super(403, 'permission', code, message);
  }
}

export class ConflictError extends DomainError {
  constructor(code: ErrorCodeOf<409>, message: string = ERROR_CODES[code].message, details?: Record<string, unknown>) {
    super(409, 'conflict', code, message, { details });
  }
}

/** A declined payment: 402 with the channel's or the risk engine's reason. */
export class PaymentDeclinedError extends DomainError {
  constructor(code: ErrorCodeOf<402>, message: string = ERROR_CODES[code].message, details?: Record<string, unknown>) {
    super(402, 'payment', code, message, { details });
  }
}

export class PayloadTooLargeError extends DomainError {
  constructor(limitBytes: number) {
    super(413, 'invalid_request', 'body_too_large', `The request body exceeds ${limitBytes} bytes.`);
  }
}

export class ServiceUnavailableError extends DomainError {
  constructor(code: ErrorCodeOf<503>, message: string = ERROR_CODES[code].message) {
    super(503, 'internal', code, message);
  }
}
