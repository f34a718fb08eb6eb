import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { sign } from '../../shared/domain/signing.js';
import { assertConforms } from './openapi-conformance.js';

export interface Credentials {
  readonly merchantId: string;
  readonly secret: string;
}

export interface ApiResponse<T = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: T;
}

export interface RequestOptions {
  readonly idempotencyKey?: string;
  /** Replace or drop (undefined) any signed header after signing, to test rejections. */
  readonly headers?: Record<string, string | undefined>;
  readonly timestamp?: number;
  readonly nonce?: string;
  /** Send exactly this body text (already serialised). */
  readonly rawBody?: string;
  /** Sign this body text instead of the one sent (a tampered request). */
  readonly signedBody?: string;
  /** Sign this path instead of the one sent. */
  readonly signedPath?: string;
}

/**
 * Kept-alive connections, as a merchant's server would keep them. node:http rather than fetch: the benchmark drives
 * the runtime from this same process, and fetch's web streams cost the client about as much CPU as the gateway.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export interface ApiClientOptions {
  /**
   * Check every answer against docs/openapi.json and throw on a difference, so that every test that calls the API
   * also proves the document right. On by default under vitest; the benchmark leaves it off.
   */
  readonly checkDocument?: boolean;
}

/** A signed HTTP client for tests, as a merchant's code would be: real HTTP, real signatures. */
export class ApiClient {
  readonly checkDocument: boolean;

  constructor(
    readonly baseUrl: string,
    readonly credentials: Credentials,
    options: ApiClientOptions = {},
  ) {
    this.checkDocument = options.checkDocument ?? process.env.VITEST !== undefined;
  }

  as(credentials: Credentials): ApiClient {
    return new ApiClient(this.baseUrl, credentials, { checkDocument: this.checkDocument });
  }

  async request<T = any>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const rawBody = options.rawBody ?? (body === undefined ? '' : JSON.stringify(body));
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const nonce = options.nonce ?? randomBytes(16).toString('hex');
    const headers: Record<string, string> = {
      'Content-Type': 'application/json; charset=utf-8',
      'X-Merchant-Id': this.credentials.merchantId,
      'X-Timestamp': timestamp,
      'X-Nonce': nonce,
      'X-Signature': sign(this.credentials.secret, {
        method,
        pathWithQuery: options.signedPath ?? path,
        timestamp,
        nonce,
        rawBody: options.signedBody ?? rawBody,
      }),
    };
    if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (value === undefined) delete headers[name];
      else headers[name] = value;
    }
    const res = await send(`${this.baseUrl}${path}`, method, headers, rawBody);
    const text = res.text;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const response = { status: res.status, headers: res.headers, text, body: parsed as T };
    if (this.checkDocument) assertConforms({ method, path, status: res.status, headers: res.headers, body: parsed }, text);
    return response;
  }

  get<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, undefined, options);
  }

  post<T = any>(path: string, body: unknown = {}, options?: RequestOptions) {
    return this.request<T>('POST', path, body, options);
  }

  /** Creates an order with sensible defaults. */
  async createOrder(overrides: Record<string, unknown> = {}) {
    const res = await this.post('/v1/orders', {
      outTradeNo: `T-${randomBytes(6).toString('hex')}`,
      amount: 1999,
      currency: 'CNY',
      subject: 'Coffee beans',
      ...overrides,
    });
    if (res.status !== 201) throw new Error(`createOrder failed: ${res.status} ${res.text}`);
    return res.body;
  }

  async pay(orderId: string, cardNumber = '4242424242424242', extra: Record<string, unknown> = {}) {
    return this.post(`/v1/orders/${orderId}/pay`, {
      method: 'card',
      card: { number: cardNumber, expMonth: 12, expYear: 2030, cvc: '123' },
      ...extra,
    });
  }
}

function send(url: string, method: string, headers: Record<string, string>, body: string): Promise<{ status: number; headers: Headers; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = body === '' ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) };
    const req = httpRequest(url, { method, headers: outgoing, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const received = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const v of value === undefined ? [] : [value].flat()) received.append(name, v);
        }
        resolve({ status: res.statusCode ?? 0, headers: received, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body === '' ? undefined : body);
  });
}
