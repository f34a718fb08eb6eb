import { createHash, createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConnectionError, OpenPayError, signRequest, stringToSign, verifyWebhook, WebhookKeyCache, WebhookVerificationError } from '../../sdk/src/index.js';
import { apiError, client, credentials, json, order } from './scripted-fetch.js';

describe('SDK signing', () => {
  it('signs exactly the contract string with the UTF-8 secret, target as sent', () => {
    const rawBody = '{"amount":1}';
    const headers = signRequest(credentials, { method: 'post', pathWithQuery: '/v1/orders?limit=5', rawBody }, 1_795_560_000_123, 'nonce_nonce_nonce_1');
    const expected = ['POST', '/v1/orders?limit=5', '1795560000', 'nonce_nonce_nonce_1', createHash('sha256').update(rawBody).digest('hex')].join('\n');
    expect(stringToSign('post', '/v1/orders?limit=5', '1795560000', 'nonce_nonce_nonce_1', rawBody)).toBe(expected);
    expect(headers).toEqual({
      'X-Merchant-Id': 'm_01test',
      'X-Timestamp': '1795560000',
      'X-Nonce': 'nonce_nonce_nonce_1',
      'X-Signature': `v1=${createHmac('sha256', Buffer.from(credentials.secret, 'utf8')).update(expected).digest('hex')}`,
    });
  });

  it('sends the signed target exactly, with encoded query values', async () => {
    const { sdk, seen } = client([json(200, { data: [] })]);
    await sdk.orders.retrieveByOutTradeNo('A 1&b');
    expect(seen[0]!.url).toBe('http://api.test/v1/orders?outTradeNo=A%201%26b');
    const { 'X-Timestamp': ts, 'X-Nonce': nonce, 'X-Signature': sig } = seen[0]!.headers as Record<string, string>;
    const expected = signRequest(credentials, { method: 'GET', pathWithQuery: '/v1/orders?outTradeNo=A%201%26b', rawBody: '' }, Number(ts) * 1000, nonce);
    expect(sig).toBe(expected['X-Signature']);
  });
});

describe('SDK retries', () => {
  it('gives every POST an Idempotency-Key and reuses it, with the same body, on every retry; fresh nonces each time', async () => {
    const { sdk, seen } = client([new TypeError('fetch failed'), apiError(503, 'service_unavailable'), apiError(502, 'bad_gateway'), json(201, { id: 'ord_1' })]);
    expect(await sdk.orders.create(order)).toEqual({ id: 'ord_1' });
    expect(seen).toHaveLength(4);
    const keys = new Set(seen.map((s) => s.headers['Idempotency-Key']));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(seen.map((s) => s.body)).size).toBe(1);
    expect(new Set(seen.map((s) => s.headers['X-Nonce'])).size).toBe(4);
  });

  it('uses a given Idempotency-Key, and a new one for a new call', async () => {
    const { sdk, seen } = client([json(201, {}), json(201, {}), json(201, {})]);
    await sdk.orders.create(order, { idempotencyKey: 'my-key-1' });
    await sdk.orders.create(order);
    await sdk.orders.create(order);
    expect(seen[0]!.headers['Idempotency-Key']).toBe('my-key-1');
    expect(seen[1]!.headers['Idempotency-Key']).not.toBe(seen[2]!.headers['Idempotency-Key']);
  });

  it('honours Retry-After on 429 and retries 409 request_in_progress', async () => {
    const { sdk, sleeps, seen } = client([
      new Response('{}', { status: 429, headers: { 'Retry-After': '2' } }),
      apiError(409, 'request_in_progress', 'conflict'),
      json(200, { ok: true }),
    ]);
    await sdk.orders.pay('ord_1', { method: 'card' });
    expect(seen).toHaveLength(3);
    expect(sleeps[0]).toBe(2000);
    expect(sleeps[1]).toBeLessThanOrEqual(400);
  });

  it('never retries other 4xx, and raises the contract error', async () => {
    for (const [status, code, type] of [[400, 'amount_invalid', 'invalid_request'], [401, 'invalid_signature', 'authentication'], [402, 'card_declined', 'payment'], [404, 'resource_missing', 'invalid_request'], [409, 'order_not_payable', 'conflict'], [422, 'idempotency_key_reused', 'invalid_request']] as const) {
      const { sdk, seen } = client([apiError(status, code, type)]);
      const error = await sdk.orders.create(order).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenPayError);
      expect(error).toMatchObject({ status, code, type, requestId: 'req_1' });
      expect(seen).toHaveLength(1);
    }
  });

  it('gives up after maxRetries: the last API error, or a network error', async () => {
    const failing = client([apiError(503, 'a'), apiError(503, 'b'), apiError(503, 'c')], 2);
    await expect(failing.sdk.balance.retrieve()).rejects.toMatchObject({ status: 503, code: 'c' });
    expect(failing.seen).toHaveLength(3);
    const offline = client([new TypeError('x'), new TypeError('y')], 1);
    const error = await offline.sdk.balance.retrieve().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ type: 'connection', code: 'connection_failed', status: undefined, cause: expect.objectContaining({ message: 'y' }) });
  });
});

describe('SDK webhook verification', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keys = { keys: [{ keyId: 'k1', algorithm: 'ECDSA_P256_SHA256', publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), status: 'active' as const }] };
  const now = 1_795_560_000_000;
  const body = JSON.stringify({ id: 'evt_1', type: 'order.succeeded', createdAt: '2026-11-24T00:00:00.000Z', data: { object: { id: 'ord_1', amount: 1999 } } });
  const signed = (rawBody: string, timestamp = String(now / 1000), eventId = 'evt_1', keyId = 'k1') => ({
    'X-Event-Id': eventId,
    'X-Timestamp': timestamp,
    'X-Key-Id': keyId,
    'X-Signature': sign('sha256', Buffer.from(`${timestamp}.${rawBody}`), privateKey).toString('base64'),
  });

  it('accepts a genuine webhook (string or Buffer body, any header case) and returns the event', () => {
    const headers = signed(body);
    expect(verifyWebhook({ rawBody: body, headers, keys, nowMs: now }).data.object).toEqual({ id: 'ord_1', amount: 1999 });
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(verifyWebhook({ rawBody: Buffer.from(body), headers: new Headers(lower), keys, nowMs: now }).id).toBe('evt_1');
  });

  it('rejects a tampered body, timestamp, unknown key, stale time, mismatched event id, missing headers', () => {
    const headers = signed(body);
    const cases: Array<[string, () => unknown]> = [
      ['body', () => verifyWebhook({ rawBody: body.replace('1999', '1'), headers, keys, nowMs: now })],
      ['timestamp', () => verifyWebhook({ rawBody: body, headers: { ...headers, 'X-Timestamp': String(now / 1000 + 1) }, keys, nowMs: now })],
      ['key', () => verifyWebhook({ rawBody: body, headers: { ...headers, 'X-Key-Id': 'k2' }, keys, nowMs: now })],
      ['stale', () => verifyWebhook({ rawBody: body, headers, keys, nowMs: now + 301_000 })],
      ['event id', () => verifyWebhook({ rawBody: body, headers: signed(body, undefined, 'evt_2'), keys, nowMs: now })],
      ['missing', () => verifyWebhook({ rawBody: body, headers: {}, keys, nowMs: now })],
      ['garbage signature', () => verifyWebhook({ rawBody: body, headers: { ...headers, 'X-Signature': 'AAAA' }, keys, nowMs: now })],
    ];
    for (const [name, run] of cases) expect(run, name).toThrow(WebhookVerificationError);
  });

  it('refreshes cached platform keys once when a webhook names a new key id', async () => {
    const { privateKey: newKey, publicKey: newPublic } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    let fetched = 0;
    const cache = new WebhookKeyCache(async () => {
      fetched += 1;
      return fetched === 1 ? keys : { keys: [...keys.keys, { keyId: 'k2', algorithm: 'ECDSA_P256_SHA256', publicKeyPem: newPublic.export({ type: 'spki', format: 'pem' }).toString(), status: 'active' as const }] };
    });
    await cache.verify({ rawBody: body, headers: signed(body), nowMs: now });
    const ts = String(now / 1000);
    const rotated = { ...signed(body), 'X-Key-Id': 'k2', 'X-Signature': sign('sha256', Buffer.from(`${ts}.${body}`), newKey).toString('base64') };
    expect((await cache.verify({ rawBody: body, headers: rotated, nowMs: now })).id).toBe('evt_1');
    expect(fetched).toBe(2);
  });

  it('refreshes for unknown key ids at most once per interval, and never for a request without a key id', async () => {
    let fetched = 0;
    let clockMs = 1_000_000;
    const cache = new WebhookKeyCache(
      async () => {
        fetched += 1;
        return keys;
      },
      { minRefreshIntervalMs: 60_000, now: () => clockMs },
    );
    await expect(cache.verify({ rawBody: body, headers: {}, nowMs: now })).rejects.toBeInstanceOf(WebhookVerificationError);
    expect(fetched).toBe(0);
    const forged = (keyId: string) => cache.verify({ rawBody: body, headers: { ...signed(body), 'X-Key-Id': keyId }, nowMs: now });
    await expect(forged('random-1')).rejects.toBeInstanceOf(WebhookVerificationError);
    expect(fetched).toBe(2); // the first load, and one refresh for the unknown id
    await expect(forged('random-2')).rejects.toBeInstanceOf(WebhookVerificationError);
    await expect(forged('random-3')).rejects.toBeInstanceOf(WebhookVerificationError);
    expect(fetched).toBe(2);
    clockMs += 60_000;
    await expect(forged('random-4')).rejects.toBeInstanceOf(WebhookVerificationError);
    expect(fetched).toBe(3);
  });
});
