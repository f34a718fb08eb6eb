import { isIP } from 'node:net';
import { ValidationError } from './errors.js';

/**
 * A notify URL must be https and must not name an internal address. This is the syntactic check at order creation;
 * the notifier checks again after DNS resolution, at delivery time. Local mode also allows http to loopback.
 */
export function assertNotifyUrl(raw: string, localMode: boolean, param = 'notifyUrl'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError('notify_url_invalid', `${param} is not a valid URL.`, param);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const loopback = isLoopback(host);
  if (localMode && loopback && (url.protocol === 'http:' || url.protocol === 'https:')) return url.toString();
  if (url.protocol !== 'https:') {
    throw new ValidationError('notify_url_invalid', `${param} must use https.`, param);
  }
  if (loopback || isInternalAddress(host) || host.endsWith('.internal') || host.endsWith('.local')) {
    throw new ValidationError('notify_url_forbidden', `${param} must not point to an internal address.`, param);
  }
  return url.toString();
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Private, link-local, metadata, unspecified and carrier-grade NAT ranges, IPv4 and IPv6. */
export function isInternalAddress(host: string): boolean {
  const kind = isIP(host);
  if (kind === 4) {
    const [a = 0, b = 0] = host.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      a >= 224
    );
  }
  if (kind === 6) {
    const h = host.toLowerCase();
    if (h.startsWith('::ffff:')) return isInternalAddress(h.slice(7));
    return h === '::' || h === '::1' || /^f[cd]/.test(h) || /^fe[89ab]/.test(h) || h.startsWith('fd00:ec2');
  }
  return host === 'metadata.google.internal' || host === 'instance-data';
}
