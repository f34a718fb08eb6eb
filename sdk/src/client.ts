import { randomUUID } from 'node:crypto';
import { PaymentApiError, PaymentNetworkError } from './errors.js';
import { signRequest } from './signing.js';
import type { PlatformKeys } from './webhooks.js';

export interface PaymentClientOptions {
  /** e.g. http://127.0.0.1:3000 locally, or the stack's ApiUrl without the trailing stage slash. */
  readonly baseUrl: string;
  readonly merchantId: string;
  readonly secret: string;
  /** Retries after the first attempt, for safe failures only. Default 3. */
  readonly maxRetries?: number;
  /** Per attempt. Default 30 s. */
  readonly timeoutMs?: number;
  /** First backoff step; doubles each retry, with full jitter. Default 200 ms. */
  readonly backoffMs?: number;
  readonly fetch?: typeof fetch;
  /** For tests: how to wait. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface RequestOptions {
  /** Every POST gets one (a UUID) unless given; the same key is reused by every retry of the call. */
  readonly idempotencyKey?: string;
}

/** Contract statuses worth retrying: the request did not take effect, or replays safely under its Idempotency-Key. */
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

type Json = Record<string, unknown>;

/**
 * The merchant API client: signs every request (fresh timestamp and nonce per attempt), sends an Idempotency-Key
 * with every POST, and retries network errors, timeouts, 429 (honouring Retry-After), 409 request_in_progress and
 * 5xx with exponential backoff and full jitter. Other errors throw PaymentApiError at once.
 */
export class PaymentClient {
  private readonly fetchImpl: typeof fetch;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly baseUrl: string;

  constructor(private readonly options: PaymentClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    this.maxRetries = options.maxRetries ?? 3;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.backoffMs = options.backoffMs ?? 200;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  createOrder(order: Json, options?: RequestOptions) {
    return this.request<Json>('POST', '/v1/orders', order, options);
  }
  getOrder(orderId: string) {
    return this.request<Json>('GET', `/v1/orders/${encodeURIComponent(orderId)}`);
  }
  listOrders(query: Record<string, string | number | undefined> = {}) {
    return this.request<Json>('GET', `/v1/orders${queryString(query)}`);
  }
  closeOrder(orderId: string, options?: RequestOptions) {
    return this.request<Json>('POST', `/v1/orders/${encodeURIComponent(orderId)}/close`, {}, options);
  }
  pay(orderId: string, payment: Json, options?: RequestOptions) {
    return this.request<Json>('POST', `/v1/orders/${encodeURIComponent(orderId)}/pay`, payment, options);
  }
  confirmPay(orderId: string, otp: string, options?: RequestOptions) {
    return this.request<Json>('POST', `/v1/orders/${encodeURIComponent(orderId)}/pay/confirm`, { otp }, options);
  }
  createRefund(orderId: string, refund: Json, options?: RequestOptions) {
    return this.request<Json>('POST', `/v1/orders/${encodeURIComponent(orderId)}/refunds`, refund, options);
  }
  getRefund(refundId: string) {
    return this.request<Json>('GET', `/v1/refunds/${encodeURIComponent(refundId)}`);
  }
  getBalance() {
    return this.request<Json>('GET', '/v1/balance');
  }
  listEvents(orderId: string) {
    return this.request<{ data: Json[] }>('GET', `/v1/events${queryString({ orderId })}`);
  }
  redeliverEvent(eventId: string, options?: RequestOptions) {
    return this.request<Json>('POST', `/v1/events/${encodeURIComponent(eventId)}/redeliver`, {}, options);
  }
  sendTestWebhook(url: string, options?: RequestOptions) {
    return this.request<Json>('POST', '/v1/webhooks/test', { url }, options);
  }
  getPlatformKeys() {
    return this.request<PlatformKeys>('GET', '/v1/platform/keys');
  }

  async request<T>(method: 'GET' | 'POST', pathWithQuery: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const rawBody = method === 'GET' || body === undefined ? '' : JSON.stringify(body);
    const idempotencyKey = method === 'POST' ? (options.idempotencyKey ?? randomUUID()) : undefined;
    for (let attempt = 0; ; attempt += 1) {
      const last = attempt >= this.maxRetries;
      let response: Response;
      try {
        response = await this.send(method, pathWithQuery, rawBody, idempotencyKey);
      } catch (error) {
        if (last) throw new PaymentNetworkError(`${method} ${pathWithQuery} failed: ${describe(error)}`, error);
        await this.sleep(this.backoff(attempt));
        continue;
      }
      const text = await response.text();
      const parsed = parseJson(text);
      if (response.ok) return parsed as T;
      const error = toApiError(response, parsed, text);
      const retryable = RETRYABLE_STATUS.has(response.status) || (response.status === 409 && error.code === 'request_in_progress');
      if (!retryable || last) throw error;
      await this.sleep(retryAfterMs(response) ?? this.backoff(attempt));
    }
  }

  private async send(method: string, pathWithQuery: string, rawBody: string, idempotencyKey: string | undefined): Promise<Response> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      ...signRequest(this.options, { method, pathWithQuery, rawBody }),
    };
    if (rawBody !== '') headers['Content-Type'] = 'application/json; charset=utf-8';
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    return this.fetchImpl(`${this.baseUrl}${pathWithQuery}`, {
      method,
      headers,
      body: rawBody === '' ? undefined : rawBody,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
  }

  /** Full jitter: a random wait up to base × 2^attempt. */
  private backoff(attempt: number): number {
    return Math.random() * this.backoffMs * 2 ** attempt;
  }
}

function queryString(query: Record<string, string | number | undefined>): string {
  const pairs = Object.entries(query).filter((e): e is [string, string | number] => e[1] !== undefined);
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

function toApiError(response: Response, parsed: unknown, text: string): PaymentApiError {
  const error = ((parsed as { error?: Record<string, unknown> } | undefined)?.error ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return new PaymentApiError(
    response.status,
    str(error.type) ?? 'internal',
    str(error.code) ?? `http_${response.status}`,
    str(error.message) ?? (text.slice(0, 200) || response.statusText),
    str(error.param),
    str(error.requestId) ?? response.headers.get('x-request-id') ?? undefined,
    error,
  );
}

function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
