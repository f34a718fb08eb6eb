import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { RequestOptions } from 'node:http';
import type { LookupFunction } from 'node:net';
import { classifyAddress, hostClass } from '../../domain/notify-url.js';
import { DELIVERY_TIMEOUT_MS, isDelivered } from '../../domain/webhook.js';
import type { DeliveryFailure, WebhookDelivery, WebhookTransport } from '../../ports/notifications.js';

/**
 * node:http and node:https, loaded at the first delivery rather than at import. Imported as ES modules, Node 24 builds
 * each one's namespace by reading every export, and node:http's lazy ones load undici (its fetch): about 40 ms of
 * every cold start of the functions that deliver webhooks, spent before the first request (npm run bench:bundles).
 */
function httpClients(): { http: typeof import('node:http'); https: typeof import('node:https') } {
  return { http: process.getBuiltinModule('node:http'), https: process.getBuiltinModule('node:https') };
}

export interface TransportOptions {
  /** Local mode: loopback targets (and plain http to them) are allowed, nothing else internal. */
  readonly allowLoopback: boolean;
  readonly timeoutMs?: number;
  /** For tests: resolve names without the system resolver. Same contract as dns.lookup with `all: true`. */
  readonly resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

/** Whether the platform may connect to this address: public always, loopback only in local mode. */
export function addressAllowed(address: string, allowLoopback: boolean): boolean {
  const kind = classifyAddress(address);
  return kind === 'public' || (kind === 'loopback' && allowLoopback);
}

/** Raised inside the socket's lookup when a resolved address is not allowed. */
const REFUSED = 'EREFUSEDADDRESS';
const TIMED_OUT = 'ETIMEDOUTDELIVERY';

/**
 * What a merchant may learn about a failed attempt: a class, never the socket's text. Errno strings and addresses
 * would turn `POST /v1/webhooks/test` into a port scanner (which ports answer, which speak TLS, which names resolve).
 */
export function failureClass(error: NodeJS.ErrnoException): DeliveryFailure {
  const code = error.code ?? '';
  if (code === REFUSED) return 'refused';
  if (code === TIMED_OUT || code === 'ETIMEDOUT') return 'timeout';
  if (/^(EPROTO|ERR_SSL_|ERR_TLS_|ERR_OSSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|HOSTNAME_MISMATCH)/.test(code)) return 'tls_error';
  return 'connection_failed';
}

/**
 * POSTs webhooks with SSRF protection at delivery time: the URL must be https (http only to loopback in local mode),
 * and every address the name resolves to is checked inside the socket's own DNS lookup, so the address that is
 * checked is the address that is connected to (no window for DNS rebinding). 10 s for the whole exchange.
 */
export class HttpWebhookTransport implements WebhookTransport {
  private readonly timeoutMs: number;

  constructor(private readonly options: TransportOptions) {
    this.timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  }

  async post(rawUrl: string, headers: Readonly<Record<string, string>>, body: string): Promise<WebhookDelivery> {
    const started = performance.now();
    const done = (httpStatus: number | null, error: DeliveryFailure | null): WebhookDelivery => ({
      httpStatus,
      latencyMs: Math.round(performance.now() - started),
      error,
    });
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return done(null, 'refused');
    }
    const target = hostClass(url);
    const plainHttpAllowed = url.protocol === 'http:' && this.options.allowLoopback && target === 'loopback';
    if (url.protocol !== 'https:' && !plainHttpAllowed) return done(null, 'refused');
    // A literal is connected to without a lookup, so it is judged here; a name is judged by what it resolves to.
    if (target === 'special' || (target === 'loopback' && !this.options.allowLoopback)) return done(null, 'refused');

    const lookup: LookupFunction = (hostname, options, callback) => {
      const resolved = this.options.resolve
        ? this.options.resolve(hostname)
        : new Promise<LookupAddress[]>((resolve, reject) =>
            dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
          );
      resolved.then(
        (addresses) => {
          // Every address must be allowed, not only the first: the socket may fall back to any of them.
          if (addresses.length === 0 || !addresses.every((a) => addressAllowed(a.address, this.options.allowLoopback))) {
            return callback(Object.assign(new Error('refused'), { code: REFUSED }), '', 0);
          }
          // Node asks for all addresses when autoSelectFamily is on; answer in the form it asked for.
          if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
          return callback(null, addresses[0]!.address, addresses[0]!.family);
        },
        (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
      );
    };

    const requestOptions: RequestOptions = {
      method: 'POST',
      headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
      lookup,
      timeout: this.timeoutMs,
    };
    const send = url.protocol === 'https:' ? httpClients().https.request : httpClients().http.request;
    return new Promise<WebhookDelivery>((resolve) => {
      let settled = false;
      const finish = (delivery: WebhookDelivery) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve(delivery);
      };
      const timedOut = () => req.destroy(Object.assign(new Error('timed out'), { code: TIMED_OUT }));
      const req = send(url, requestOptions, (res) => {
        const status = res.statusCode ?? null;
        res.resume(); // the body is not read: only the status counts
        res.on('end', () => finish(done(status, isDelivered(status) ? null : 'http_status')));
        res.on('error', () => finish(done(status, 'connection_failed')));
      });
      // Whole-exchange deadline (the socket timeout alone only covers inactivity).
      const deadline = setTimeout(timedOut, this.timeoutMs);
      req.on('timeout', timedOut);
      req.on('error', (error: NodeJS.ErrnoException) => finish(done(null, failureClass(error))));
      req.end(body);
    });
  }
}
