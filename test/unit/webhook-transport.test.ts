import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/dynamodb-local.js';
import { HttpWebhookTransport } from '../../shared/adapters/http/webhook-transport.js';

let server: Server;
let port = 0;
let hits = 0;
let status = 200;
let hang = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits += 1;
    req.resume();
    if (hang) return; // never answers
    res.writeHead(status).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const headers = { 'Content-Type': 'application/json' };

describe('webhook transport: delivery', () => {
  it('POSTs to loopback in local mode and reports the status and latency; any 2xx counts', async () => {
    const transport = new HttpWebhookTransport({ allowLoopback: true });
    status = 204;
    expect(await transport.post(`http://127.0.0.1:${port}/hook`, headers, '{}')).toMatchObject({ httpStatus: 204, error: null });
    status = 503;
    const failed = await transport.post(`http://127.0.0.1:${port}/hook`, headers, '{}');
    expect(failed).toMatchObject({ httpStatus: 503, error: 'http_status' });
    expect(failed.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('reports a failure class only, never the socket error: connection_failed, tls_error', async () => {
    const transport = new HttpWebhookTransport({ allowLoopback: true });
    const closed = await freePort();
    // Nothing listens there: ECONNREFUSED inside, a class outside.
    expect(await transport.post(`http://127.0.0.1:${closed}/hook`, headers, '{}')).toMatchObject({ httpStatus: null, error: 'connection_failed' });
    // TLS spoken to a plain HTTP server: EPROTO and OpenSSL's text inside, a class outside.
    expect(await transport.post(`https://127.0.0.1:${port}/hook`, headers, '{}')).toMatchObject({ httpStatus: null, error: 'tls_error' });
  });

  it('gives up after the timeout with an error, not a status', async () => {
    hang = true;
    try {
      const result = await new HttpWebhookTransport({ allowLoopback: true, timeoutMs: 200 }).post(`http://127.0.0.1:${port}/slow`, headers, '{}');
      expect(result.httpStatus).toBeNull();
      expect(result.error).toBe('timeout');
    } finally {
      hang = false;
    }
  });
});

describe('webhook transport: SSRF protection at delivery time', () => {
  const strict = new HttpWebhookTransport({ allowLoopback: false });

  it('refuses loopback outside local mode, before connecting', async () => {
    const before = hits;
    for (const url of [`https://127.0.0.1:${port}/x`, `http://127.0.0.1:${port}/x`, `https://[::1]:${port}/x`]) {
      const result = await strict.post(url, headers, '{}');
      expect(result.httpStatus, url).toBeNull();
      expect(result.error, url).toBe('refused');
    }
    expect(hits).toBe(before);
  });

  it('refuses every loopback form, IPv4-mapped included, against a real local server', async () => {
    const before = hits;
    // The same URLs reach the server when loopback is allowed, so a refusal below is the check, not a dead port.
    const local = new HttpWebhookTransport({ allowLoopback: true });
    status = 200;
    expect((await local.post(`http://[::ffff:127.0.0.1]:${port}/x`, headers, '{}')).httpStatus).toBe(200);
    expect(hits).toBe(before + 1);
    for (const url of [`https://[::ffff:127.0.0.1]:${port}/x`, `http://[::ffff:127.0.0.1]:${port}/x`, `https://[::ffff:7f00:1]:${port}/x`, `https://127.1:${port}/x`, `https://2130706433:${port}/x`]) {
      expect(await strict.post(url, headers, '{}'), url).toMatchObject({ httpStatus: null, error: 'refused' });
    }
    expect(hits).toBe(before + 1);
  });

  it('refuses names resolving to IPv4-mapped, NAT64, 6to4 or special IPv4 forms of internal addresses', async () => {
    for (const address of ['::ffff:169.254.169.254', '::ffff:127.0.0.1', '64:ff9b::a9fe:a9fe', '2002:a9fe:a9fe::', '192.0.0.170', '198.18.0.1']) {
      const transport = new HttpWebhookTransport({ allowLoopback: false, resolve: async () => [{ address, family: address.includes(':') ? 6 : 4 }] });
      expect(await transport.post('https://merchant.example/hook', headers, '{}'), address).toMatchObject({ httpStatus: null, error: 'refused' });
    }
  });

  it('refuses metadata, private, link-local and ULA literals, and plain http anywhere but local loopback', async () => {
    for (const url of ['https://169.254.169.254/latest/meta-data', 'https://10.0.0.1/', 'https://172.16.0.1/', 'https://192.168.1.1/', 'https://[fd00::1]/', 'https://100.64.0.1/']) {
      expect((await strict.post(url, headers, '{}')).error, url).toBe('refused');
    }
    expect((await strict.post('http://example.com/hook', headers, '{}')).error).toBe('refused');
  });

  it('refuses a name that resolves to a forbidden address, even when another of its addresses is public', async () => {
    const resolving = (addresses: string[]) =>
      new HttpWebhookTransport({
        allowLoopback: false,
        resolve: async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      });
    for (const addresses of [['169.254.169.254'], ['10.0.0.1'], ['93.184.216.34', '10.0.0.1'], ['fe80::1']]) {
      const result = await resolving(addresses).post('https://merchant.example/hook', headers, '{}');
      expect(result.error, addresses.join(',')).toBe('refused');
    }
  });

  it('refuses localhost outside local mode', async () => {
    const result = await strict.post(`https://localhost:${port}/x`, headers, '{}');
    expect(result.error).toBe('refused');
  });
});
