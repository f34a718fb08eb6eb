import ipaddr from 'ipaddr.js';
import { ValidationError } from './errors.js';

/**
 * Where the platform may send a webhook. Every address, written in the URL or resolved from a name, is normalised
 * (IPv4-mapped IPv6 is the IPv4 address it carries) and classified against the IANA special-purpose registries,
 * IPv4 and IPv6. Only ordinary global unicast is `public`; loopback is its own class because local mode allows it;
 * everything else is `special` and never called. Addresses that carry an IPv4 address inside an IPv6 one (NAT64,
 * 6to4, Teredo, IPv4-compatible) are judged by the embedded IPv4 too: the well-known NAT64 prefix is how an
 * IPv6-only network (AWS DNS64) reaches public IPv4 hosts, so it is public exactly when its IPv4 address is; the
 * other embeddings are deprecated tunnels or site-local prefixes and are refused whatever they carry.
 */
export type AddressClass = 'public' | 'loopback' | 'special';

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];
/** Parsed at the first check, not at import: the tables are on no cold start's path (npm run bench:bundles). */
const cidrs = (list: readonly string[]): (() => readonly Cidr[]) => {
  let parsed: Cidr[] | undefined;
  return () => (parsed ??= list.map((cidr) => ipaddr.parseCIDR(cidr)));
};

/** IANA IPv4 Special-Purpose Address Registry, plus multicast, all of it refused. 127/8 is classified apart. */
const SPECIAL_V4 = cidrs([
  '0.0.0.0/8', // "this network"
  '10.0.0.0/8', // private
  '100.64.0.0/10', // shared address space (carrier-grade NAT)
  '169.254.0.0/16', // link-local, cloud metadata endpoints
  '172.16.0.0/12', // private
  '192.0.0.0/24', // IETF protocol assignments (DS-Lite, NAT64 discovery, PCP and TURN anycast)
  '192.0.2.0/24', // documentation (TEST-NET-1)
  '192.31.196.0/24', // AS112
  '192.52.193.0/24', // AMT
  '192.88.99.0/24', // deprecated 6to4 relay anycast
  '192.168.0.0/16', // private
  '192.175.48.0/24', // AS112 direct delegation
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // documentation (TEST-NET-2)
  '203.0.113.0/24', // documentation (TEST-NET-3)
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, and 255.255.255.255 (limited broadcast)
]);
const LOOPBACK_V4 = cidrs(['127.0.0.0/8']);

/** Only global unicast (2000::/3) is ever public; the IANA IPv6 special-purpose blocks inside it are refused. */
const GLOBAL_UNICAST_V6 = cidrs(['2000::/3']);
const SPECIAL_V6 = cidrs([
  '2001::/23', // IETF protocol assignments: Teredo, benchmarking, AMT, AS112, ORCHID, drone remote ID
  '2001:db8::/32', // documentation
  '2002::/16', // 6to4
  '2620:4f:8000::/48', // AS112 direct delegation
  '3fff::/20', // documentation
]);
const NAT64_WELL_KNOWN = cidrs(['64:ff9b::/96']);

const within = (address: ipaddr.IPv4 | ipaddr.IPv6, table: () => readonly Cidr[]) =>
  table().some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));

function classifyV4(address: ipaddr.IPv4): AddressClass {
  if (within(address, LOOPBACK_V4)) return 'loopback';
  return within(address, SPECIAL_V4) ? 'special' : 'public';
}

/** The IPv4 address an IPv6 address carries in its last 32 bits. */
function embeddedV4(address: ipaddr.IPv6): ipaddr.IPv4 {
  const bytes = address.toByteArray();
  return new ipaddr.IPv4(bytes.slice(12, 16));
}

function classifyV6(address: ipaddr.IPv6): AddressClass {
  // ::ffff:a.b.c.d is how a dual-stack socket writes an IPv4 peer: it is that IPv4 address.
  if (address.isIPv4MappedAddress()) return classifyV4(address.toIPv4Address());
  if (address.range() === 'loopback') return 'loopback';
  // NAT64 reaches the embedded IPv4 address through a translator: public only when that address is. Even an
  // embedded 127/8 is not this host's loopback, so it is special, not loopback.
  if (within(address, NAT64_WELL_KNOWN)) return classifyV4(embeddedV4(address)) === 'public' ? 'public' : 'special';
  if (!within(address, GLOBAL_UNICAST_V6) || within(address, SPECIAL_V6)) return 'special';
  return 'public';
}

/**
 * An address in any textual form Node or a resolver produces (IPv4, IPv6, IPv4-mapped, bracketed, with a zone).
 * IPv6 text is first written canonically by the WHATWG URL parser: ipaddr.js reads `::a.b.c.d` as IPv4-mapped,
 * while sockets and URLs mean the deprecated IPv4-compatible `::a.b.c.d`.
 */
function parseAddress(raw: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const text = raw.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!text.includes(':')) return ipaddr.IPv4.isValid(text) ? ipaddr.IPv4.parse(text) : undefined;
  let canonical: string;
  try {
    canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  return ipaddr.IPv6.isValid(canonical) ? ipaddr.IPv6.parse(canonical) : undefined;
}

/** The class of an IP address; anything that does not parse as one is `special`: never called. */
export function classifyAddress(raw: string): AddressClass {
  const address = parseAddress(raw);
  if (!address) return 'special';
  return address.kind() === 'ipv4' ? classifyV4(address as ipaddr.IPv4) : classifyV6(address as ipaddr.IPv6);
}

export function isIpLiteral(host: string): boolean {
  return parseAddress(host) !== undefined;
}

/** Names that always mean this host or an internal network, whatever DNS says (RFC 6761, 6762; cloud metadata). */
function nameClass(host: string): AddressClass | 'name' {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return 'loopback';
  if (
    name.endsWith('.internal') ||
    name.endsWith('.local') ||
    name.endsWith('.localdomain') ||
    name.endsWith('.home.arpa') ||
    name === 'instance-data' ||
    !name.includes('.')
  ) {
    return 'special';
  }
  return 'name';
}

/**
 * The class of a URL's host as written: an IP literal by its address, a name by the names that are always
 * internal (`name` otherwise: it is classified again after resolution, at delivery).
 */
export function hostClass(url: URL): AddressClass | 'name' {
  const host = url.hostname;
  return isIpLiteral(host) ? classifyAddress(host) : nameClass(host);
}

/**
 * A notify URL must be https and must not name an internal address. This is the check at creation (order, merchant,
 * webhook test); the transport checks every resolved address again at delivery. Local mode also allows loopback
 * (any of its forms, http or https), and nothing else internal.
 */
export function assertNotifyUrl(raw: string, localMode: boolean, param = 'notifyUrl'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError('notify_url_invalid', `${param} is not a valid URL.`, param);
  }
  const target = hostClass(url);
  if (localMode && target === 'loopback' && (url.protocol === 'http:' || url.protocol === 'https:')) return url.toString();
  if (url.protocol !== 'https:') {
    throw new ValidationError('notify_url_invalid', `${param} must use https.`, param);
  }
  if (target !== 'public' && target !== 'name') {
    throw new ValidationError('notify_url_forbidden', `${param} must not point to an internal address.`, param);
  }
  return url.toString();
}
