import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isInternalAddress } from '../../domain/notify-url.js';
import { DELIVERY_TIMEOUT_MS } from '../../domain/webhook.js';
import type { WebhookDelivery, WebhookTransport } from '../../ports/notifications.js';

export interface TransportOptions {
  /** Local mode: loopback targets (and plain http to them) are allowed, nothing else internal. */
  readonly allowLoopback: boolean;
  readonly timeoutMs?: number;
  /** For tests: resolve names without the system resolver. Same contract as dns.lookup with `all: true`. */
  readonly resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

const isLoopbackAddress = (address: string) => /^127\./.test(address) || address === '::1' || address === '::ffff:127.0.0.1';

/** Refusal reason for an address the platform must never call, or null. */
export function refusedAddress(address: string, allowLoopback: boolean): string | null {
  if (allowLoopback && isLoopbackAddress(address)) return null;
  return isInternalAddress(address) ? `refused: ${address} is a loopback, private, link-local or metadata address` : null;
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
    const done = (httpStatus: number | null, error: string | null): WebhookDelivery => ({
      httpStatus,
      latencyMs: Math.round(performance.now() - started),
      error,
    });
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return done(null, 'refused: not a valid URL');
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const literal = isIP(host) !== 0;
    const loopbackTarget = literal ? isLoopbackAddress(host) : host === 'localhost';
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.options.allowLoopback && loopbackTarget)) {
      return done(null, 'refused: notifyUrl must use https');
    }
    if (literal) {
      const refused = refusedAddress(host, this.options.allowLoopback);
      if (refused) return done(null, refused);
    }

    const lookup: LookupFunction = (hostname, _options, callback) => {
      const resolved = this.options.resolve
        ? this.options.resolve(hostname)
        : new Promise<LookupAddress[]>((resolve, reject) =>
            dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
          );
      resolved.then(
        (addresses) => {
          const refused = addresses.map((a) => refusedAddress(a.address, this.options.allowLoopback)).find((r) => r !== null);
          if (refused) return callback(Object.assign(new Error(refused), { code: 'EREFUSEDADDRESS' }), '', 0);
          const first = addresses[0];
          if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
          // Node asks for all addresses when autoSelectFamily is on; answer in the form it asked for.
          if ((_options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
          return callback(null, first.address, first.family);
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
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<WebhookDelivery>((resolve) => {
      let settled = false;
      const finish = (delivery: WebhookDelivery) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve(delivery);
      };
      const req = send(url, requestOptions, (res) => {
        res.resume(); // the body is not read: only the status counts
        res.on('end', () => finish(done(res.statusCode ?? null, null)));
        res.on('error', (error) => finish(done(res.statusCode ?? null, error.message)));
      });
      // Whole-exchange deadline (the socket timeout alone only covers inactivity).
      const deadline = setTimeout(() => {
        req.destroy(new Error(`timed out after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      req.on('timeout', () => req.destroy(new Error(`timed out after ${this.timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        finish(done(null, error.code === 'EREFUSEDADDRESS' ? error.message : `${error.code ?? 'error'}: ${error.message}`));
      });
      req.end(body);
    });
  }
}
