import type { Runtime } from '../../infra/local/runtime.js';

export interface OpsAnswer {
  readonly status: number;
  readonly body: any;
  readonly requestId: string | null;
}

/**
 * One call of the operations API over HTTP, with the runtime's ops token (`token: null` sends none, a string sends
 * that one instead).
 */
export async function opsCall(runtime: Runtime, method: string, path: string, options: { token?: string | null; body?: unknown } = {}): Promise<OpsAnswer> {
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
