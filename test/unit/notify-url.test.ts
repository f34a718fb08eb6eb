import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/domain/errors.js';
import { assertNotifyUrl, classifyAddress, type AddressClass } from '../../shared/domain/notify-url.js';

/** Every form the security review found, plus the usual ranges: [address as a resolver or socket writes it, class]. */
const ADDRESSES: readonly (readonly [string, AddressClass])[] = [
  // IPv4 loopback and the usual internal ranges
  ['127.0.0.1', 'loopback'],
  ['127.8.9.10', 'loopback'],
  ['0.0.0.0', 'special'],
  ['10.1.2.3', 'special'],
  ['100.64.0.1', 'special'],
  ['169.254.169.254', 'special'],
  ['172.16.0.1', 'special'],
  ['172.31.255.255', 'special'],
  ['192.168.1.1', 'special'],
  // the rest of the IANA IPv4 special-purpose registry
  ['192.0.0.1', 'special'],
  ['192.0.0.170', 'special'],
  ['192.0.2.10', 'special'],
  ['192.31.196.1', 'special'],
  ['192.52.193.1', 'special'],
  ['192.88.99.1', 'special'],
  ['192.175.48.1', 'special'],
  ['198.18.0.1', 'special'],
  ['198.19.255.254', 'special'],
  ['198.51.100.7', 'special'],
  ['203.0.113.7', 'special'],
  ['224.0.0.251', 'special'],
  ['240.0.0.1', 'special'],
  ['255.255.255.255', 'special'],
  // public IPv4 just outside those ranges
  ['93.184.216.34', 'public'],
  ['8.8.8.8', 'public'],
  ['172.32.0.1', 'public'],
  ['198.20.0.1', 'public'],
  ['100.128.0.1', 'public'],
  // IPv6 loopback, unspecified, link-local, unique local, site-local, multicast, discard
  ['::1', 'loopback'],
  ['::', 'special'],
  ['fe80::1', 'special'],
  ['fc00::1', 'special'],
  ['fd00:ec2::254', 'special'],
  ['fec0::1', 'special'],
  ['ff02::1', 'special'],
  ['100::1', 'special'],
  // IPv4-mapped: the IPv4 address it carries, in both spellings
  ['::ffff:169.254.169.254', 'special'],
  ['::ffff:a9fe:a9fe', 'special'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:10.0.0.1', 'special'],
  ['::ffff:93.184.216.34', 'public'],
  // NAT64 well-known prefix: public only when the embedded IPv4 is; embedded loopback is not this host
  ['64:ff9b::a9fe:a9fe', 'special'],
  ['64:ff9b::169.254.169.254', 'special'],
  ['64:ff9b::7f00:1', 'special'],
  ['64:ff9b::5db8:d822', 'public'],
  // local-use NAT64, 6to4, Teredo, IPv4-compatible: refused whatever they carry
  ['64:ff9b:1::a9fe:a9fe', 'special'],
  ['64:ff9b:1::5db8:d822', 'special'],
  ['2002:a9fe:a9fe::', 'special'],
  ['2002:5db8:d822::1', 'special'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'special'],
  ['::a9fe:a9fe', 'special'],
  ['::127.0.0.1', 'special'],
  // the IANA IPv6 special-purpose blocks inside global unicast, and outside it
  ['2001:db8::1', 'special'],
  ['2001:2::1', 'special'],
  ['2001:20::1', 'special'],
  ['2620:4f:8000::1', 'special'],
  ['3fff::1', 'special'],
  ['5f00::1', 'special'],
  ['4000::1', 'special'],
  // public IPv6
  ['2606:4700:4700::1111', 'public'],
  ['2a00:1450:4001:82a::200e', 'public'],
  // brackets as URLs write them, and text that is no address at all
  ['[::ffff:a9fe:a9fe]', 'special'],
  ['not-an-address', 'special'],
  ['', 'special'],
];

describe('classifyAddress: the IANA special-purpose registries, after normalisation', () => {
  it.each(ADDRESSES)('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });
});

/** [URL, allowed outside local mode, allowed in local mode] */
const URLS: readonly (readonly [string, boolean, boolean])[] = [
  ['https://merchant.example/notify', true, true],
  ['https://93.184.216.34/notify', true, true],
  ['https://[64:ff9b::5db8:d822]/notify', true, true],
  // the review's forms: the URL parser rewrites the first to [::ffff:a9fe:a9fe]
  ['https://[::ffff:169.254.169.254]/', false, false],
  ['https://[64:ff9b::a9fe:a9fe]/', false, false],
  ['https://[2002:a9fe:a9fe::]/', false, false],
  ['https://192.0.0.170/', false, false],
  ['https://198.18.0.1/', false, false],
  // legacy IPv4 spellings the URL parser normalises
  ['https://2852039166/', false, false],
  ['https://0xa9.0xfe.0xa9.0xfe/', false, false],
  ['https://0177.0.0.1/', false, true],
  // loopback in all its forms: local mode only, http or https
  ['http://127.0.0.1:4000/hook', false, true],
  ['https://[::1]/hook', false, true],
  ['https://[::ffff:127.0.0.1]:4000/hook', false, true],
  ['http://localhost:4000/hook', false, true],
  ['http://api.localhost/hook', false, true],
  // internal names, and plain http to anything that is not loopback
  ['https://metadata.google.internal/', false, false],
  ['https://printer.local/', false, false],
  ['https://intranet/', false, false],
  ['http://merchant.example/notify', false, false],
  ['http://10.0.0.1/', false, false],
  ['ftp://merchant.example/', false, false],
  ['not a url', false, false],
];

describe('assertNotifyUrl: at order and merchant creation and for webhook tests', () => {
  it.each(URLS)('%s: allowed %s, in local mode %s', (url, allowed, allowedLocally) => {
    for (const [localMode, expected] of [[false, allowed], [true, allowedLocally]] as const) {
      const check = () => assertNotifyUrl(url, localMode);
      if (expected) expect(check, `localMode=${localMode}`).not.toThrow();
      else expect(check, `localMode=${localMode}`).toThrow(ValidationError);
    }
  });

  it('names the parameter it refuses', () => {
    expect(() => assertNotifyUrl('https://[::ffff:169.254.169.254]/', false, 'url')).toThrow(
      expect.objectContaining({ code: 'notify_url_forbidden', param: 'url' }),
    );
  });
});
