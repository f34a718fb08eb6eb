import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJsonBody, readRequestBody, sendText } from './http-io.js';
import { UNIONPAY_PATHS } from '../../../shared/channels/unionpay/wire.js';
import type { SandboxStore } from './sandbox-store.js';

/**
 * The contract's sandbox fault knob, `POST /sandbox/channels/{channel}/mode {"mode": "normal" | "timeout" | "error"}`,
 * for the emulators that have none of their own (WeChat Pay's emulator has it built in). The mode is kept in the
 * sandbox store (key `mode`, as WeChat Pay's), so every runtime on one table sees it, and a restart keeps it.
 *
 * - `timeout`: the channel's API calls that start something are held unanswered until the caller gives up (its own
 *   timeout), and never processed: a channel whose front end hangs. Reversals and queries still answer, so the
 *   platform's void before a failover, and the janitor's query, find that nothing happened.
 * - `error`: those calls get the channel's system error, a 5xx as its gateway answers in an outage, before anything
 *   is looked at or kept.
 */
export type FaultMode = 'normal' | 'timeout' | 'error';

export const FAULT_MODES: readonly FaultMode[] = ['normal', 'timeout', 'error'];

/** How one channel shows a fault: which of its requests it hits and what its system error looks like. */
export interface ChannelFaults {
  /** The API calls the fault hits (method, path after the channel's prefix, without the query). */
  readonly affects: (method: string, path: string) => boolean;
  readonly systemError: { readonly status: number; readonly contentType: string; readonly body: string };
}

/** The longest a held request waits for its caller to leave before the connection is dropped unanswered. */
const HOLD_MAX_MS = 60_000;

const MODE_KEY = 'mode';

export async function currentFaultMode(store: SandboxStore, channel: string): Promise<FaultMode> {
  return (await store.get<{ mode: FaultMode }>(channel, MODE_KEY))?.value.mode ?? 'normal';
}

/**
 * Handles `POST /mode`, or a request the current fault hits. Returns false when the emulator should answer as usual.
 * The mode is read on each affected request (one GetItem on the sandbox's own table), so a change is immediate.
 */
export async function handleFault(
  target: { readonly store: SandboxStore; readonly channel: string; readonly faults: ChannelFaults },
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  const route = path.split('?')[0] ?? '';
  const method = req.method ?? 'GET';
  if (method === 'POST' && route === '/mode') {
    await setMode(target, req, res);
    return true;
  }
  if (!target.faults.affects(method, route)) return false;
  const mode = await currentFaultMode(target.store, target.channel);
  if (mode === 'normal') return false;
  if (mode === 'error') {
    const { status, contentType, body } = target.faults.systemError;
    sendText(res, status, body, { 'content-type': contentType });
    return true;
  }
  await holdUnanswered(req, res);
  return true;
}

async function setMode(target: { readonly store: SandboxStore; readonly channel: string }, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const text = await readRequestBody(req);
  const body = text === undefined ? undefined : parseJsonBody(text);
  const mode = (body as { mode?: unknown } | undefined)?.mode;
  const json = { 'content-type': 'application/json' };
  if (typeof mode !== 'string' || !(FAULT_MODES as readonly string[]).includes(mode)) {
    sendText(res, 400, JSON.stringify({ error: { code: 'invalid_mode', message: `mode must be one of ${FAULT_MODES.join(', ')}` } }), json);
    return;
  }
  await target.store.put(target.channel, MODE_KEY, { mode });
  sendText(res, 200, JSON.stringify({ channel: target.channel, mode }), json);
}

/** Holds the connection open until the caller gives up, at most a minute, then drops it unanswered. */
async function holdUnanswered(req: IncomingMessage, res: ServerResponse): Promise<void> {
  req.resume();
  await new Promise<void>((done) => {
    const timer = setTimeout(done, HOLD_MAX_MS);
    timer.unref();
    res.once('close', () => {
      clearTimeout(timer);
      done();
    });
  });
  res.destroy();
}

const json503 = (body: unknown) => ({ status: 503, contentType: 'application/json', body: JSON.stringify(body) });

/** Everything but the sandbox's own paths (payer simulation, bills, activity, the knob itself). */
const isSandboxPath = (path: string): boolean =>
  path.startsWith('/sandbox/') || path.startsWith('/bills/') || /\/complete$/.test(path) || /^\/agreements\//.test(path) || path === '/mode';

/** The fault behaviour of the emulators that take the generic knob, by channel id. */
export const CHANNEL_FAULTS: Readonly<Record<string, ChannelFaults>> = {
  // Card acquirers: every write but the technical reversal (/voids), which the failover needs to answer.
  card_a: { affects: (m, p) => m === 'POST' && p !== '/voids' && !isSandboxPath(p), systemError: json503({ error_type: 'service_unavailable' }) },
  card_b: { affects: (m, p) => m === 'POST' && p !== '/voids' && !isSandboxPath(p), systemError: json503({ error_type: 'service_unavailable' }) },
  // Alipay's whole API is one gateway endpoint.
  alipay: {
    affects: (m, p) => m === 'POST' && p === '/gateway.do',
    systemError: { status: 503, contentType: 'text/html; charset=utf-8', body: '<html><body>Service Currently Unavailable</body></html>' },
  },
  netbank: { affects: (m, p) => m === 'POST' && !p.startsWith('/pay/') && !isSandboxPath(p), systemError: json503({ code: 'SYSTEM_ERROR', message: 'system busy' }) },
  unionpay: { affects: (m, p) => m === 'POST' && p !== UNIONPAY_PATHS.query && !isSandboxPath(p), systemError: { status: 503, contentType: 'text/plain', body: 'Service Unavailable' } },
};
