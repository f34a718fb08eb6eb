import type { Runtime } from '../../infra/local/runtime.js';
import { MAX_RATE_LIMIT_PER_MINUTE } from '../../shared/domain/rate-limits.js';

export interface OpsAnswer {
  readonly status: number;
  readonly body: any;
  readonly requestId: string | null;
}

/**
 * One call of the operations API over HTTP, with the runtime's ops token (`token: null` sends none, a string sends
 * that one instead).
 */
export async function opsCall(runtime: Pick<Runtime, 'url' | 'opsToken'>, method: string, path: string, options: { token?: string | null; body?: unknown } = {}): Promise<OpsAnswer> {
  const token = options.token === undefined ? runtime.opsToken : options.token;
  const res = await fetch(`${runtime.url}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: res.status, body: await res.json(), requestId: res.headers.get('x-request-id') };
}

/**
 * Gives a merchant the largest rate limit there is, through the operations API: a load test (the benchmark, the chaos
 * run) measures the platform, not the contract's 6,000 requests per minute per merchant, which ~50 create+pay/s
 * reach (docs/decisions.md, 222). A merchant with that volume would get an override the same way.
 */
export async function liftRateLimit(runtime: Pick<Runtime, 'url' | 'opsToken'>, merchantId: string): Promise<void> {
  const answer = await opsCall(runtime, 'PUT', `/ops/v1/merchants/${merchantId}/rate-limit`, { body: { rateLimitPerMinute: MAX_RATE_LIMIT_PER_MINUTE } });
  if (answer.status !== 200) throw new Error(`could not lift the rate limit of ${merchantId}: ${answer.status} ${JSON.stringify(answer.body)}`);
}
