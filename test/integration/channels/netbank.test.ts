import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../shared/domain/ids.js';
import { NetbankAdapter } from '../../../shared/channels/netbank/adapter.js';
import { generateSandboxNetbankKeys, type NetbankCredentials } from '../../../shared/channels/netbank/credentials.js';
import { NETBANK_HEADERS, netbankHeaderRecord, signNetbankMessage } from '../../../shared/channels/netbank/signature.js';
import { NetbankEmulator } from '../../../infra/local/sandbox/netbank/netbank-emulator.js';
import type { NotifyRecord } from '../../../infra/local/sandbox/netbank/notifier.js';
import type { SandboxStore } from '../../../infra/local/sandbox/sandbox-store.js';
import { CallbackRejectedError, type CreatePaymentRequest, type VerifiedCallback } from '../../../shared/ports/channel-flows.js';
import { ChannelRejectedError, ChannelTimeoutError } from '../../../shared/ports/payment-channel.js';
import { callbackEndpoint, freshSandboxStore, listen, serveEmulator, type Listening } from './harness.js';

/** The netbank adapter against the sandbox bank over real HTTP, the bank notifying a callback endpoint on loopback. */
const TIME_SCALE = 0.0005; // 1, 2, 4, 8, 16 minutes → 30 ms … 480 ms

let store: SandboxStore;
let keys: ReturnType<typeof generateSandboxNetbankKeys>;
let emulator: NetbankEmulator;
let bank: Listening;
let baseUrl: string;
let counter = 0;

beforeAll(async () => {
  store = await freshSandboxStore();
  keys = generateSandboxNetbankKeys();
  emulator = new NetbankEmulator({ store, keys: keys.channel, timeScale: TIME_SCALE });
  await emulator.start();
  bank = await serveEmulator('netbank', emulator);
  baseUrl = `${bank.url}/sandbox/channels/netbank`;
});

afterAll(async () => {
  await emulator.stop();
  await bank.close();
});

function adapter(credentials: NetbankCredentials = keys.platform, extra: Partial<ConstructorParameters<typeof NetbankAdapter>[0]> = {}) {
  return new NetbankAdapter({ id: 'netbank', baseUrl, credentials, ...extra });
}

function paymentRequest(callbackUrl: string, overrides: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest {
  counter += 1;
  return {
    paymentId: newId('pay'),
    orderId: `ord_${counter}`,
    merchantId: 'mer_1',
    amount: 1999,
    currency: 'CNY',
    subject: 'Tea set',
    expiresAt: new Date(Date.now() + 30 * 60_000).toISOString(),
    capture: true,
    callbackUrl,
    returnUrl: 'https://shop.example/return?order=1',
    ...overrides,
  };
}

async function createRedirect(request: CreatePaymentRequest): Promise<{ channelPaymentId: string; url: string }> {
  const created = await adapter().createPayment(request);
  if (created.outcome !== 'requires_action' || created.action.type !== 'redirect') throw new Error(`unexpected ${created.outcome}`);
  return { channelPaymentId: created.channelPaymentId, url: created.action.url };
}

function pageToken(html: string): string {
  return /name="pageToken" value="([0-9a-f]+)"/.exec(html)![1]!;
}

async function complete(channelPaymentId: string, outcome?: 'succeeded' | 'failed'): Promise<Response> {
  return fetch(`${baseUrl}/payments/${channelPaymentId}/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: outcome ? JSON.stringify({ outcome }) : '',
  });
}

function payment(callback: VerifiedCallback | Error) {
  if (callback instanceof Error || callback.kind !== 'payment') throw new Error(`not a verified payment callback: ${String(callback)}`);
  return callback;
}

describe('netbank: redirect, the bank page, the signed notify', () => {
  it('creates an order whose redirect is the bank page, escaped and under a strict CSP', async () => {
    const endpoint = await callbackEndpoint(adapter());
    const request = paymentRequest(endpoint.url, { subject: '<script>alert("x")</script> & "tea"' });
    const { url } = await createRedirect(request);
    expect(url.startsWith(`${baseUrl}/pay/`)).toBe(true);

    const page = await fetch(url);
    const html = await page.text();
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#34;tea&#34;');
    expect(html).toContain('19.99 CNY');
    expect(html).toContain('name="bank" value="ICBC"');
    await endpoint.close();
  });

  it('the payer confirms on the page: the order is paid, the notify verifies, the page links back to the merchant', async () => {
    const endpoint = await callbackEndpoint(adapter());
    const request = paymentRequest(endpoint.url);
    const { channelPaymentId, url } = await createRedirect(request);
    const form = new URLSearchParams({ pageToken: pageToken(await (await fetch(url)).text()), bank: 'CMB', action: 'confirm' });

    const posted = await fetch(url, { method: 'POST', body: form, redirect: 'manual' });
    expect(posted.status).toBe(303);
    const result = await fetch(new URL(posted.headers.get('location')!, url));
    const html = await result.text();
    expect(html).toContain('data-status="paid"');
    expect(html).toContain('href="https://shop.example/return?order=1"');

    const [notice] = await endpoint.waitFor(1);
    const verified = payment(notice!.result);
    expect(verified.state).toMatchObject({ status: 'succeeded', paymentId: request.paymentId, channelPaymentId, amount: 1999, currency: 'CNY' });
    expect(notice!.ack.statusCode).toBe(200);
    expect(JSON.parse(notice!.rawBody).bankCode).toBe('CMB');

    const queried = await adapter().queryPayment({ paymentId: request.paymentId, channelPaymentId });
    expect(queried).toMatchObject({ status: 'succeeded', amount: 1999, channelPaymentId });
    const closed = await adapter().closePayment({ paymentId: request.paymentId, channelPaymentId });
    expect(closed).toMatchObject({ outcome: 'already_paid', state: { status: 'succeeded' } });
    await endpoint.close();
  });

  it('refuses a form without the page token and changes nothing', async () => {
    const endpoint = await callbackEndpoint(adapter());
    const request = paymentRequest(endpoint.url, { bank: 'ICBC' });
    const { channelPaymentId, url } = await createRedirect(request);
    const forged = await fetch(url, { method: 'POST', body: new URLSearchParams({ pageToken: 'f'.repeat(32), action: 'confirm' }), redirect: 'manual' });
    expect(forged.status).toBe(403);
    expect((await adapter().queryPayment({ paymentId: request.paymentId, channelPaymentId })).status).toBe('pending');
    await endpoint.close();
  });

  it('the payer cancels: a failed notify with the cancellation reason', async () => {
    const endpoint = await callbackEndpoint(adapter());
    const request = paymentRequest(endpoint.url, { bank: 'ABC' });
    const { url } = await createRedirect(request);
    const html = await (await fetch(url)).text();
    expect(html).toContain('Agricultural Bank of China');
    await fetch(url, { method: 'POST', body: new URLSearchParams({ pageToken: pageToken(html), action: 'cancel' }), redirect: 'manual' });
    const [notice] = await endpoint.waitFor(1);
    expect(payment(notice!.result).state).toMatchObject({ status: 'failed', code: 'PAYER_CANCELLED' });
    expect(await (await fetch(url)).text()).toContain('data-status="cancelled"');
    await endpoint.close();
  });

  it('the sandbox complete endpoint twice sends two notifies with one identity', async () => {
    const endpoint = await callbackEndpoint(adapter());
    const request = paymentRequest(endpoint.url);
    const { channelPaymentId } = await createRedirect(request);
    expect((await complete(channelPaymentId)).status).toBe(200);
    await endpoint.waitFor(1);
    // A body of `{}` names no outcome: succeeded, as the contract's default says.
    const again = await fetch(`${baseUrl}/payments/${channelPaymentId}/complete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(again.status).toBe(200);
    const notices = await endpoint.waitFor(2);
    const [first, second] = notices.map((n) => payment(n.result));
    expect(first!.callbackId).toBe(second!.callbackId);
    expect(first!.state.status).toBe('succeeded');
    // Each delivery is signed afresh: a new nonce, the same notification.
    expect(notices[0]!.headers[NETBANK_HEADERS.nonce]).not.toBe(notices[1]!.headers[NETBANK_HEADERS.nonce]);
    expect((await complete(channelPaymentId, 'failed')).status).toBe(409);
    await endpoint.close();
  });

  it('complete with outcome failed notifies a failure', async () => {
    const endpoint = await callbackEndpoint(adapter());
    const { channelPaymentId } = await createRedirect(paymentRequest(endpoint.url));
    await complete(channelPaymentId, 'failed');
    const [notice] = await endpoint.waitFor(1);
    expect(payment(notice!.result).state).toMatchObject({ status: 'failed', code: 'PAYMENT_FAILED' });
    await endpoint.close();
  });

  it('retries an unacknowledged notify on the scaled cadence until acknowledged, with the same notifyId', async () => {
    const endpoint = await callbackEndpoint(adapter(), { refuseFirst: 3 });
    const { channelPaymentId } = await createRedirect(paymentRequest(endpoint.url));
    await complete(channelPaymentId);
    const notices = await endpoint.waitFor(4);
    expect(notices.slice(0, 3).every((n) => n.ack.statusCode === 503)).toBe(true);
    expect(notices[3]!.ack.statusCode).toBe(200);
    expect(new Set(notices.map((n) => JSON.parse(n.rawBody).notifyId)).size).toBe(1);
    const record = await waitForRecord(`NTF${channelPaymentId}`, (r) => r.acked);
    expect(record).toMatchObject({ acked: true, attempts: 4, nextAt: null });
    await endpoint.close();
  });

  it('a restarted bank resumes the retries it had pending', async () => {
    const endpoint = await callbackEndpoint(adapter(), { refuseFirst: 1 });
    const slow = new NetbankEmulator({ store, keys: keys.channel, timeScale: 1 }); // the next retry is a minute away
    const slowBank = await serveEmulator('netbank', slow);
    const created = await new NetbankAdapter({ id: 'netbank', baseUrl: `${slowBank.url}/sandbox/channels/netbank`, credentials: keys.platform }).createPayment(
      paymentRequest(endpoint.url),
    );
    await fetch(`${slowBank.url}/sandbox/channels/netbank/payments/${created.channelPaymentId}/complete`, { method: 'POST' });
    await endpoint.waitFor(1);
    await waitForRecord(`NTF${created.channelPaymentId}`, (r) => r.attempts === 1);
    await slow.stop();
    await slowBank.close();

    // A new process over the same store, whose clock says the retry is due.
    const later = new NetbankEmulator({ store, keys: keys.channel, timeScale: 1, now: () => new Date(Date.now() + 61_000) });
    await later.start();
    const notices = await endpoint.waitFor(2);
    expect(payment(notices[1]!.result).callbackId).toBe(`NTF${created.channelPaymentId}`);
    await later.stop();
    await endpoint.close();
  });
});

describe('netbank: forged, tampered, unknown-key and stale notifies are refused', () => {
  async function genuineNotice() {
    const endpoint = await callbackEndpoint(adapter());
    const { channelPaymentId } = await createRedirect(paymentRequest(endpoint.url));
    await complete(channelPaymentId);
    const [notice] = await endpoint.waitFor(1);
    await endpoint.close();
    return notice!;
  }

  async function refusal(headers: Record<string, string>, rawBody: string, verifier = adapter()): Promise<CallbackRejectedError> {
    const error = await verifier.parseCallback({ headers, rawBody }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CallbackRejectedError);
    return error as CallbackRejectedError;
  }

  it('a tampered amount', async () => {
    const notice = await genuineNotice();
    const tampered = notice.rawBody.replace('"19.99"', '"0.01"');
    expect(tampered).not.toBe(notice.rawBody);
    expect((await refusal(notice.headers, tampered)).reason).toBe('signature');
  });

  it('a notify signed by someone else under the bank key id', async () => {
    const notice = await genuineNotice();
    const impostor = generateSandboxNetbankKeys();
    const forged = signNetbankMessage({ keyId: keys.channel.signingKey.keyId, privateKeyPem: impostor.channel.signingKey.privateKeyPem }, notice.rawBody, new Date());
    expect((await refusal(netbankHeaderRecord(forged), notice.rawBody)).reason).toBe('signature');
  });

  it('a notify under a key id the platform does not hold', async () => {
    const notice = await genuineNotice();
    const stranger = generateSandboxNetbankKeys();
    const forged = signNetbankMessage(stranger.channel.signingKey, notice.rawBody, new Date());
    expect((await refusal(netbankHeaderRecord(forged), notice.rawBody)).reason).toBe('unknown_key');
  });

  it('a replay of a genuine notify ten minutes later', async () => {
    const notice = await genuineNotice();
    const later = adapter(keys.platform, { now: () => new Date(Date.now() + 10 * 60_000) });
    expect((await refusal(notice.headers, notice.rawBody, later)).reason).toBe('stale');
  });

  it('a notify without signature headers, over HTTP: answered 400 in the bank format', async () => {
    const endpoint = await callbackEndpoint(adapter());
    const notice = await genuineNotice();
    const answer = await fetch(endpoint.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: notice.rawBody });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ code: 'FAIL' });
    expect(endpoint.received[0]!.result).toBeInstanceOf(CallbackRejectedError);
    await endpoint.close();
  });

  it('after a key rotation the platform holding both keys accepts notifies under the new one', async () => {
    const next = generateSandboxNetbankKeys(keys.platform.merchantNo);
    const rotatedBank = new NetbankEmulator({ store, keys: { ...keys.channel, signingKey: next.channel.signingKey }, timeScale: TIME_SCALE });
    const server = await serveEmulator('netbank', rotatedBank);
    const both: NetbankCredentials = { ...keys.platform, bankPublicKeys: [...keys.platform.bankPublicKeys, ...next.platform.bankPublicKeys] };
    const endpoint = await callbackEndpoint(adapter(both));
    const rotatedAdapter = new NetbankAdapter({ id: 'netbank', baseUrl: `${server.url}/sandbox/channels/netbank`, credentials: both });
    const created = await rotatedAdapter.createPayment(paymentRequest(endpoint.url));
    await fetch(`${server.url}/sandbox/channels/netbank/payments/${created.channelPaymentId}/complete`, { method: 'POST' });
    const [notice] = await endpoint.waitFor(1);
    expect(notice!.headers[NETBANK_HEADERS.keyId]).toBe(next.channel.signingKey.keyId);
    expect(payment(notice!.result).state.status).toBe('succeeded');
    await rotatedBank.stop();
    await server.close();
    await endpoint.close();
  });
});

describe('netbank: query, close, refund, and answers that cannot be trusted', () => {
  it('closes an unpaid order; the payer can no longer pay it', async () => {
    const endpoint = await callbackEndpoint(adapter());
    const request = paymentRequest(endpoint.url);
    const { channelPaymentId, url } = await createRedirect(request);
    expect(await adapter().closePayment({ paymentId: request.paymentId, channelPaymentId })).toEqual({ outcome: 'closed' });
    expect((await complete(channelPaymentId)).status).toBe(409);
    expect(await (await fetch(url)).text()).toContain('data-status="closed"');
    expect((await adapter().queryPayment({ paymentId: request.paymentId, channelPaymentId })).status).toBe('closed');
    await endpoint.close();
  });

  it('close racing the payer: exactly one wins, and the bank says which', async () => {
    const endpoint = await callbackEndpoint(adapter());
    for (let round = 0; round < 4; round += 1) {
      const request = paymentRequest(endpoint.url);
      const { channelPaymentId } = await createRedirect(request);
      const [closed, paid] = await Promise.all([adapter().closePayment({ paymentId: request.paymentId, channelPaymentId }), complete(channelPaymentId)]);
      const final = await adapter().queryPayment({ paymentId: request.paymentId, channelPaymentId });
      if (closed.outcome === 'closed') {
        expect(paid.status).toBe(409);
        expect(final.status).toBe('closed');
      } else {
        expect(paid.status).toBe(200);
        expect(final.status).toBe('succeeded');
      }
    }
    await endpoint.close();
  });

  it('past its expiry an unpaid order is closed: the page, the query and the payer all see it', async () => {
    const endpoint = await callbackEndpoint(adapter());
    const request = paymentRequest(endpoint.url, { expiresAt: new Date(Date.now() + 60_000).toISOString() });
    const { channelPaymentId } = await createRedirect(request);
    const later = new NetbankEmulator({ store, keys: keys.channel, timeScale: TIME_SCALE, now: () => new Date(Date.now() + 120_000) });
    const laterBank = await serveEmulator('netbank', later);
    const laterUrl = `${laterBank.url}/sandbox/channels/netbank`;
    const laterAdapter = new NetbankAdapter({ id: 'netbank', baseUrl: laterUrl, credentials: keys.platform, now: () => new Date(Date.now() + 120_000) });
    expect(await laterAdapter.queryPayment({ paymentId: request.paymentId, channelPaymentId })).toMatchObject({ status: 'closed', code: 'ORDER_EXPIRED' });
    expect(await (await fetch(`${laterUrl}/pay/${channelPaymentId}`)).text()).toContain('data-status="closed"');
    expect((await fetch(`${laterUrl}/payments/${channelPaymentId}/complete`, { method: 'POST' })).status).toBe(409);
    await later.stop();
    await laterBank.close();
    await endpoint.close();
  });

  it('confirming without choosing a bank is refused and changes nothing', async () => {
    const request = paymentRequest('http://127.0.0.1:9/cb');
    const { channelPaymentId, url } = await createRedirect(request);
    const html = await (await fetch(url)).text();
    const posted = await fetch(url, { method: 'POST', body: new URLSearchParams({ pageToken: pageToken(html), action: 'confirm' }), redirect: 'manual' });
    expect(posted.status).toBe(400);
    expect((await adapter().queryPayment({ paymentId: request.paymentId, channelPaymentId })).status).toBe('pending');
  });

  it('an unknown order is not_found; closing it is closed', async () => {
    const ref = { paymentId: 'pay_neverseen', channelPaymentId: null };
    expect((await adapter().queryPayment(ref)).status).toBe('not_found');
    expect(await adapter().closePayment(ref)).toEqual({ outcome: 'closed' });
  });

  it('a repeated create with the same order number returns the same bank order', async () => {
    const request = paymentRequest('http://127.0.0.1:9/cb');
    const first = await createRedirect(request);
    const again = await createRedirect(request);
    expect(again.channelPaymentId).toBe(first.channelPaymentId);
  });

  it('refunds up to the paid amount, queries the refund, refuses more', async () => {
    const endpoint = await callbackEndpoint(adapter());
    const request = paymentRequest(endpoint.url, { amount: 5000 });
    const { channelPaymentId } = await createRedirect(request);
    await complete(channelPaymentId);
    await endpoint.waitFor(1);
    const base = { paymentId: request.paymentId, channelPaymentId, paymentAmount: 5000, currency: 'CNY' as const, callbackUrl: endpoint.url };
    const refunded = await adapter().refund({ ...base, refundId: `rf_a${counter}`, amount: 3000 });
    expect(refunded).toMatchObject({ status: 'succeeded', refundId: `rf_a${counter}` });
    expect(refunded.channelRefundId).toMatch(/^NBR/);
    expect(await adapter().refund({ ...base, refundId: `rf_a${counter}`, amount: 3000 })).toEqual(refunded);
    expect(await adapter().refund({ ...base, refundId: `rf_b${counter}`, amount: 2001 })).toMatchObject({ status: 'failed', code: 'refund_amount_exceeded' });
    expect(await adapter().queryRefund({ refundId: `rf_a${counter}`, paymentId: request.paymentId })).toEqual(refunded);
    expect((await adapter().queryRefund({ refundId: 'rf_nothing', paymentId: request.paymentId })).status).toBe('not_found');
    await endpoint.close();
  });

  it('JPY travels without decimals', async () => {
    const endpoint = await callbackEndpoint(adapter());
    const { channelPaymentId } = await createRedirect(paymentRequest(endpoint.url, { amount: 1500, currency: 'JPY' }));
    await complete(channelPaymentId);
    const [notice] = await endpoint.waitFor(1);
    expect(JSON.parse(notice!.rawBody).amount).toBe('1500');
    expect(payment(notice!.result).state).toMatchObject({ amount: 1500, currency: 'JPY' });
    await endpoint.close();
  });

  it('a request the bank cannot verify is refused by the bank', async () => {
    const wrongKey = generateSandboxNetbankKeys(keys.platform.merchantNo).platform;
    const impostor = adapter({ ...keys.platform, signingKey: { ...wrongKey.signingKey, keyId: keys.platform.signingKey.keyId } });
    await expect(impostor.createPayment(paymentRequest('http://127.0.0.1:9/cb'))).rejects.toThrow(ChannelRejectedError);
  });

  it('an answer whose signature does not verify leaves the outcome unknown', async () => {
    const otherBank = generateSandboxNetbankKeys().platform.bankPublicKeys;
    const misled = adapter({ ...keys.platform, bankPublicKeys: otherBank });
    await expect(misled.createPayment(paymentRequest('http://127.0.0.1:9/cb'))).rejects.toThrow(ChannelTimeoutError);
  });

  it('no answer in time, or an unsigned gateway page, is ChannelTimeoutError', async () => {
    const silent = await listen(() => new Promise<void>(() => undefined));
    const hanging = new NetbankAdapter({ id: 'netbank', baseUrl: silent.url, credentials: keys.platform, timeoutMs: 200 });
    await expect(hanging.queryPayment({ paymentId: 'pay_x', channelPaymentId: null })).rejects.toThrow(ChannelTimeoutError);
    await silent.close();
    const proxy = await listen((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":"SUCCESS","status":"CLOSED"}'));
    const unsigned = new NetbankAdapter({ id: 'netbank', baseUrl: proxy.url, credentials: keys.platform });
    await expect(unsigned.closePayment({ paymentId: 'pay_x', channelPaymentId: null })).rejects.toThrow(ChannelTimeoutError);
    await proxy.close();
  });
});

/** Polls the bank's notify record until `done` holds (the test's timeout bounds it; nothing is timed). */
async function waitForRecord(notifyId: string, done: (record: NotifyRecord) => boolean): Promise<NotifyRecord> {
  for (;;) {
    const stored = await store.get<NotifyRecord>('netbank', `notify#${notifyId}`);
    if (stored && done(stored.value)) return stored.value;
    await new Promise((r) => setTimeout(r, 20));
  }
}
