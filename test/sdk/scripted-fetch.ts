import { PaymentClient } from '../../sdk/src/index.js';

// The SDK's unit tests talk to a scripted fetch: each call takes the next answer and records the request.

export const credentials = { merchantId: 'm_01test', secret: 'secret-Ω-utf8' };

export interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A fetch that answers from a script and records every request. */
export function scriptedFetch(answers: Array<Response | Error>) {
  const seen: Seen[] = [];
  const impl = (async (url: string | URL, init?: RequestInit) => {
    seen.push({ url: String(url), method: init!.method!, headers: init!.headers as Record<string, string>, body: init!.body as string | undefined });
    const next = answers.shift();
    if (!next) throw new Error('no scripted answer left');
    if (next instanceof Error) throw next;
    return next;
  }) as typeof fetch;
  return { impl, seen };
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
export const apiError = (status: number, code: string, type = 'internal') => json(status, { error: { type, code, message: code, requestId: 'req_1' } });
export const order = { outTradeNo: 'A-1', amount: 100, currency: 'CNY', subject: 's' } as const;

export function client(answers: Array<Response | Error>, maxRetries = 3) {
  const { impl, seen } = scriptedFetch(answers);
  const sleeps: number[] = [];
  const sdk = new PaymentClient({
    baseUrl: 'http://api.test/',
    ...credentials,
    fetch: impl,
    maxRetries,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { sdk, seen, sleeps };
}
