import { randomUUID } from 'node:crypto';
import { ConnectionError, errorFromResponse, type OpenPayError } from './errors.js';
import { signRequest } from './signing.js';
import { SDK_VERSION } from './version.js';

/** Options of one call, always its last argument; each overrides the client's default for that call only. */
export interface RequestOptions {
  /** POST only: every POST gets one (a UUID) unless given; every retry of the call reuses it. */
  readonly idempotencyKey?: string;
  /** Retries after the first attempt, for safe failures only (see the README). */
  readonly maxRetries?: number;
  /** Per attempt, in milliseconds. */
  readonly timeoutMs?: number;
}

/**
 * The merchant's secret, or where to read it: a function (sync or async) is called before every attempt, so a
 * rotated secret is picked up from the next request without restarting (a secrets manager, a file, an env reload).
 */
export type SecretSource = string | (() => string | Promise<string>);

export interface TransportOptions {
  /** e.g. http://127.0.0.1:3000 locally, or the stack's ApiUrl without the trailing stage slash. */
  readonly baseUrl: string;
  readonly merchantId: string;
  readonly secret: SecretSource;
  /** Retries after the first attempt, for safe failures only. Default 3. */
  readonly maxRetries?: number;
  /** Per attempt. Default 30 s. */
  readonly timeoutMs?: number;
  /** First backoff step; doubles each retry, with full jitter. Default 200 ms. */
  readonly backoffMs?: number;
  /** Defaults to the global fetch (Node ≥ 18). */
  readonly fetch?: typeof fetch;
  /** For tests: how to wait between attempts. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export type QueryValue = string | number | boolean | undefined;

export interface ApiRequest {
  readonly method: 'GET' | 'POST';
  /** Path below the base URL, ids already percent-encoded. */
  readonly path: string;
  readonly query?: object;
  readonly body?: object;
  /** A route that answers text, not JSON (a statement's CSV): the body is returned as the text received. */
  readonly accept?: 'text/csv';
}

/** Contract statuses worth retrying: the request did not take effect, or replays safely under its Idempotency-Key. */
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * Sends signed requests (a fresh timestamp and nonce per attempt) and retries network errors, timeouts, 429
 * (honouring Retry-After), 409 request_in_progress and 5xx with exponential backoff and full jitter. A POST keeps one
 * Idempotency-Key across its retries, so a retried payment is never charged twice. Other errors throw at once.
 */
export class Transport {
  private readonly fetchImpl: typeof fetch;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly baseUrl: string;
  private secret: SecretSource;

  constructor(private readonly options: TransportOptions) {
    this.secret = options.secret;
    this.fetchImpl = options.fetch ?? fetch;
    this.maxRetries = options.maxRetries ?? 3;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.backoffMs = options.backoffMs ?? 200;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** Signs the next attempts with this secret (or reads it from this function); calls in flight switch at their next attempt. */
  setSecret(secret: SecretSource): void {
    this.secret = secret;
  }

  private async currentSecret(): Promise<string> {
    const secret = typeof this.secret === 'function' ? await this.secret() : this.secret;
    if (typeof secret !== 'string' || secret === '') throw new TypeError('The merchant secret must be a non-empty string.');
    return secret;
  }

  async request<T>(request: ApiRequest, options: RequestOptions = {}): Promise<T> {
    const target = `${request.path}${queryString(request.query)}`;
    const rawBody = request.method === 'GET' ? '' : JSON.stringify(request.body ?? {});
    const idempotencyKey = request.method === 'POST' ? (options.idempotencyKey ?? randomUUID()) : undefined;
    const maxRetries = options.maxRetries ?? this.maxRetries;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    let resignedOnce = false;
    for (let attempt = 0; ; attempt += 1) {
      const last = attempt >= maxRetries;
      let response: Response;
      const secret = await this.currentSecret();
      try {
        response = await this.send(request.method, target, rawBody, idempotencyKey, timeoutMs, secret, request.accept);
      } catch (cause) {
        if (last) throw connectionError(request.method, target, cause);
        await this.sleep(this.backoff(attempt));
        continue;
      }
      const text = await response.text();
      if (response.ok && request.accept) return text as T;
      const body = parseJson(text);
      if (response.ok) return body as T;
      const error = errorFromResponse(response.status, body ?? text, Object.fromEntries(response.headers));
      // Refused for its signature while the secret changed (rotated mid-call): the platform did nothing with it, so
      // sign again, once, with the new secret (a fresh timestamp and nonce, as every attempt) and the same key.
      if (error.code === 'invalid_signature' && !resignedOnce && (await this.currentSecret()) !== secret) {
        resignedOnce = true;
        attempt -= 1;
        continue;
      }
      if (!isRetryable(error) || last) throw error;
      await this.sleep(retryAfterMs(error) ?? this.backoff(attempt));
    }
  }

  private send(method: string, target: string, rawBody: string, idempotencyKey: string | undefined, timeoutMs: number, secret: string, accept?: string): Promise<Response> {
    const headers: Record<string, string> = {
      Accept: accept ? `${accept}, application/json` : 'application/json',
      'User-Agent': `open-pay-sdk-node/${SDK_VERSION}`,
      ...signRequest({ merchantId: this.options.merchantId, secret }, { method, pathWithQuery: target, rawBody }),
    };
    if (method !== 'GET') headers['Content-Type'] = 'application/json; charset=utf-8';
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    return this.fetchImpl(`${this.baseUrl}${target}`, {
      method,
      headers,
      body: method === 'GET' ? undefined : rawBody,
      signal: AbortSignal.timeout(timeoutMs),
    });
  }

  /** Full jitter: a random wait up to base × 2^attempt. */
  private backoff(attempt: number): number {
    return Math.random() * this.backoffMs * 2 ** attempt;
  }
}

function isRetryable(error: OpenPayError): boolean {
  return RETRYABLE_STATUS.has(error.status ?? 0) || (error.status === 409 && error.code === 'request_in_progress');
}

/** Keys in the order given, undefined values left out, every key and value percent-encoded: the signed target. */
function queryString(query: object | undefined): string {
  const pairs = Object.entries(query ?? {}).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined);
  if (pairs.length === 0) return '';
  return `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function retryAfterMs(error: OpenPayError): number | undefined {
  const value = error.headers['retry-after'];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function connectionError(method: string, target: string, cause: unknown): ConnectionError {
  const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
  const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new ConnectionError({
    message: `${method} ${target} got no answer: ${reason}`,
    type: 'connection',
    code: timedOut ? 'timeout' : 'connection_failed',
    cause,
  });
}
