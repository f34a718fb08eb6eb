import type { IncomingMessage, ServerResponse } from 'node:http';

/** Small request/response helpers for the sandbox channels' HTTP servers (they are separate services, not the API). */
export async function readRequestBody(req: IncomingMessage, limitBytes = 64 * 1024): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // An oversized body is refused rather than buffered: a channel's messages are small.
    if (size > limitBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-store', ...headers });
  res.end(body);
}

export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The sandbox payer's `{"notify": false}` on a wallet agreement's sign call (docs/decisions.md, 240): the payer signs,
 * but the wallet's sign notice is lost (never sent), so only the platform's contract query can find the signing. An
 * empty body notifies as usual; anything but an object whose `notify` is absent or a boolean is refused (undefined).
 */
export function notifyKnob(text: string): boolean | undefined {
  if (text.trim() === '') return true;
  const body = parseJsonBody(text);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const notify = (body as { notify?: unknown }).notify;
  if (notify === undefined) return true;
  return typeof notify === 'boolean' ? notify : undefined;
}
