import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useTestRuntime } from '../support/runtime.js';

/**
 * The contract's "Errors": any request target, header or body, however malformed, gets a 4xx JSON error with
 * X-Request-Id, never a 5xx and never a bare answer. These requests are written on a raw socket, byte for byte,
 * because an HTTP client library refuses to send most of them.
 */
const env = useTestRuntime({ demoMerchant: true });

interface RawAnswer {
  readonly status: number;
  readonly headers: Map<string, string>;
  readonly body: any;
}

function raw(request: string | Buffer): Promise<RawAnswer> {
  const { port } = new URL(env.runtime.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const bodyText = rest.join('\r\n\r\n');
      let body: unknown;
      try {
        body = JSON.parse(bodyText);
      } catch {
        body = bodyText;
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    socket.end(request);
  });
}

function expectJsonError(answer: RawAnswer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  const requestId = answer.headers.get('x-request-id');
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(answer.body.error).toMatchObject({ code, requestId });
}

const get = (target: string, extra = '') => `GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${extra}\r\n`;

describe('request targets the gateway cannot route', () => {
  it('answers a malformed percent escape in an id with 400 naming the parameter', async () => {
    for (const target of ['/v1/orders/%', '/v1/orders/%zz', '/v1/refunds/%E0%A4%A']) {
      const answer = await raw(get(target));
      expectJsonError(answer, 400, 'parameter_invalid');
      expect(answer.body.error.param, target).toBe('id');
    }
  });

  it('answers targets starting with // with 404 JSON, and targets that are no path with 4xx JSON', async () => {
    for (const target of ['//', '//evil.example/v1/orders', '//v1/orders']) {
      expectJsonError(await raw(get(target)), 404, 'route_not_found');
    }
    // Node's parser refuses these before the gateway sees them.
    for (const target of ['*', 'v1/orders', '/v1/orders#frag ment']) {
      const answer = await raw(get(target));
      expect(answer.status, target).toBeGreaterThanOrEqual(400);
      expect(answer.status, target).toBeLessThan(500);
      expectJsonError(answer, answer.status, answer.status === 404 ? 'route_not_found' : 'parameter_invalid');
    }
  });

  it('serves an absolute-form target like its path', async () => {
    const answer = await raw(get(`${env.runtime.url}/v1/balance`));
    expectJsonError(answer, 401, 'missing_signature');
  });

  it('answers query keys that name Object.prototype members as ordinary keys', async () => {
    for (const key of ['__proto__', 'constructor', 'hasOwnProperty', 'toString']) {
      // Unsigned: the gateway builds the event, the handler refuses the signature (no crash on the way).
      expectJsonError(await raw(get(`/v1/orders?${key}=x`)), 401, 'missing_signature');
      // Signed: the strict query schema names the key.
      const signed = await env.api.get(`/v1/orders?${key}=x`);
      expect(signed.status, key).toBe(400);
      expect(signed.body.error, key).toMatchObject({ code: 'parameter_unknown', param: key });
      expect(signed.headers.get('x-request-id')).toBe(signed.body.error.requestId);
    }
  });

  it('keeps header names that name Object.prototype members apart from the rest', async () => {
    const answer = await raw(get('/v1/balance', '__proto__: x\r\nconstructor: y\r\nhasOwnProperty: z\r\n'));
    expectJsonError(answer, 401, 'missing_signature');
  });
});

describe('requests Node\'s HTTP parser refuses', () => {
  it('answers an unknown method with 405 JSON', async () => {
    expectJsonError(await raw('FROB /v1/orders HTTP/1.1\r\nHost: localhost\r\n\r\n'), 405, 'method_not_allowed');
  });

  it('answers a known method the route does not take with 405 JSON', async () => {
    expectJsonError(await raw(get('/v1/orders').replace('GET', 'DELETE')), 405, 'method_not_allowed');
  });

  it('answers malformed header lines, bad Content-Length and garbage with 400 JSON', async () => {
    for (const request of [
      'GET /v1/balance HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n',
      'GET /v1/balance HTTP/1.1\r\nHost: localhost\r\nX-Nonce: a\u0001b\r\n\r\n',
      'POST /v1/orders HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n',
      'POST /v1/orders HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ]) {
      expectJsonError(await raw(request), 400, 'parameter_invalid');
    }
    // Bytes that are no method at all read as an unknown method.
    expectJsonError(await raw('\u0000\u0001\u0002 garbage\r\n\r\n'), 405, 'method_not_allowed');
  });

  it('answers headers larger than the parser takes with 400 JSON', async () => {
    expectJsonError(await raw(get('/v1/balance', `X-Big: ${'a'.repeat(20_000)}\r\n`)), 400, 'parameter_invalid');
  });
});

describe('bodies', () => {
  it('answers a chunked body over 64 KiB with 413 JSON', async () => {
    const chunk = 'a'.repeat(70_000);
    const request = `POST /v1/orders HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`;
    expectJsonError(await raw(request), 413, 'body_too_large');
  });

  it('answers deeply nested, truncated and non-object JSON with 400', async () => {
    for (const body of ['['.repeat(30_000), `{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}`, '{"outTradeNo":', '"just a string"', 'null', '\uFEFF{}']) {
      const res = await env.api.post('/v1/orders', undefined, { rawBody: body });
      expect(res.status, body.slice(0, 20)).toBe(400);
      expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
    }
  });
});

describe('order metadata: any string key a merchant chooses', () => {
  it('stores keys named after Object.prototype members exactly', async () => {
    const metadata = { constructor: 'x', hasOwnProperty: 'y', toString: 'z', valueOf: 'v', isPrototypeOf: 'i', 'a.b': 'dotted' };
    const order = await env.api.createOrder({ metadata });
    expect(order.metadata).toEqual(metadata);
    const read = await env.api.get(`/v1/orders/${order.id}`);
    expect(read.status).toBe(200);
    expect(read.body.metadata).toEqual(metadata);
  });

  it('refuses __proto__ with 400 naming it, and stores nothing', async () => {
    const outTradeNo = `PROTO-${Date.now()}`;
    const body = `{"outTradeNo":"${outTradeNo}","amount":100,"currency":"CNY","subject":"s","metadata":{"sku":"1","__proto__":"x"}}`;
    const res = await env.api.post('/v1/orders', undefined, { rawBody: body });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request', code: 'parameter_invalid', param: 'metadata.__proto__' });
    expect((await env.api.get(`/v1/orders?outTradeNo=${outTradeNo}`)).status).toBe(404);
  });

  it('refuses a top-level __proto__ as an unknown parameter', async () => {
    const res = await env.api.post('/v1/orders', undefined, { rawBody: '{"__proto__":{"amount":1}}' });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('__proto__');
  });
});
