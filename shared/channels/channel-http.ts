import { ChannelTimeoutError } from '../ports/payment-channel.js';

/**
 * One HTTP exchange with a channel. Whatever leaves the outcome unknown (no answer in time, a reset connection, a 5xx
 * gateway page) is a ChannelTimeoutError: the caller queries later, it never assumes success. The caller verifies the
 * answer's signature and shape itself. Nothing here logs: bodies carry credentials' signatures and card data.
 */
export interface ChannelHttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export async function channelExchange(
  channelId: string,
  fetchImpl: typeof fetch,
  url: string,
  init: { readonly method: string; readonly headers: Record<string, string>; readonly body?: string; readonly timeoutMs: number },
): Promise<ChannelHttpAnswer> {
  let response: Response;
  let body: string;
  try {
    response = await fetchImpl(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    body = await response.text();
  } catch {
    throw new ChannelTimeoutError(channelId);
  }
  if (response.status >= 500) throw new ChannelTimeoutError(channelId, 'system_error');
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { status: response.status, headers, body };
}
