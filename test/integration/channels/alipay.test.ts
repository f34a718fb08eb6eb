import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { localDynamoDbClient } from '../../../infra/local/dynamodb-local.js';
import { AlipayEmulator } from '../../../infra/local/sandbox/alipay/emulator.js';
import { SandboxStore } from '../../../infra/local/sandbox/sandbox-store.js';
import { createDocumentClient } from '../../../shared/adapters/dynamodb/client.js';
import { AlipayAdapter } from '../../../shared/channels/alipay/adapter.js';
import { generateAlipayKeyPair, generateSandboxAlipayKeys, type AlipayCredentials } from '../../../shared/channels/alipay/credentials.js';
import { CallbackRejectedError, type CreatePaymentRequest, type VerifiedCallback } from '../../../shared/ports/channel-flows.js';
import { ChannelRejectedError, ChannelTimeoutError } from '../../../shared/ports/payment-channel.js';

/**
 * The Alipay adapter against the sandbox Alipay over real HTTP on 127.0.0.1: the adapter signs and the emulator
 * verifies requests; the emulator signs and the adapter verifies answers; the emulator's notifications reach a
 * callback endpoint that runs parseCallback and answers callbackAck, as the platform's POST /callbacks/alipay will.
 */

/** Alipay's 4m, 10m, 10m, 1h, 2h, 6h, 15h become 4 ms … 900 ms: the whole cadence takes about 1.5 s. */
const TIME_SCALE = 1 / 60_000;

const db = createDocumentClient({ endpoint: inject('dynamoEndpoint'), region: 'local' });
const store = new SandboxStore(db, `sandbox-${randomBytes(6).toString('hex')}`);
const keys = generateSandboxAlipayKeys();
const servers: Server[] = [];

interface Delivery {
  readonly rawBody: string;
  readonly result: VerifiedCallback | CallbackRejectedError;
  readonly answered: string;
}

/** The platform's callback endpoint: verifies with `adapter`, answers per `acknowledge(n)` for a notification's n-th sending. */
class CallbackEndpoint {
  readonly deliveries: Delivery[] = [];
  url = '';
  constructor(
    private readonly adapter: AlipayAdapter,
    public acknowledge: (n: number) => boolean = () => true,
  ) {}

  async start(): Promise<this> {
    this.url = await listen(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const result = await this.adapter
        .parseCallback({ headers: req.headers as Record<string, string>, rawBody })
        .catch((error: unknown) => error as CallbackRejectedError);
      const notifyId = new URLSearchParams(rawBody).get('notify_id');
      const sending = this.deliveries.filter((each) => new URLSearchParams(each.rawBody).get('notify_id') === notifyId).length + 1;
      const accepted = !(result instanceof CallbackRejectedError) && this.acknowledge(sending);
      const ack = this.adapter.callbackAck(accepted ? 'ok' : 'rejected');
      this.deliveries.push({ rawBody, result, answered: ack.body });
      res.writeHead(ack.statusCode, ack.headers).end(ack.body);
    });
    return this;
  }

  /** POSTs a body as Alipay would, for forged and replayed notifications; returns the answer's body. */
  async post(body: string): Promise<{ status: number; body: string }> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    });
    return { status: response.status, body: await response.text() };
  }
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An emulator served under /sandbox/channels/alipay, as the local gateway mounts it. */
async function serveEmulator(emulator: AlipayEmulator): Promise<string> {
  const prefix = '/sandbox/channels/alipay';
  const origin = await listen((req, res) => {
    const url = req.url ?? '/';
    if (!url.startsWith(prefix)) return void res.writeHead(404).end();
    void emulator.handle(req, res, url.slice(prefix.length));
  });
  return `${origin}${prefix}`;
}

const emulators: AlipayEmulator[] = [];
function newEmulator(sendCallback?: ConstructorParameters<typeof AlipayEmulator>[0]['sendCallback']): AlipayEmulator {
  const emulator = new AlipayEmulator({ store, keys: keys.channel, timeScale: TIME_SCALE, ...(sendCallback ? { sendCallback } : {}) });
  emulators.push(emulator);
  return emulator;
}

let emulator: AlipayEmulator;
let baseUrl: string;
let adapter: AlipayAdapter;
let endpoint: CallbackEndpoint;

beforeAll(async () => {
  const admin = localDynamoDbClient(inject('dynamoEndpoint'));
  await SandboxStore.ensureTable(admin, store.tableName);
  admin.destroy();
  emulator = newEmulator();
  await emulator.start();
  baseUrl = await serveEmulator(emulator);
  adapter = new AlipayAdapter({ baseUrl, credentials: keys.platform });
  endpoint = await new CallbackEndpoint(adapter).start();
});

afterEach(() => {
  endpoint.acknowledge = () => true;
});

afterAll(async () => {
  for (const each of emulators) each.stop();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  db.destroy();
});

function payment(overrides: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest {
  return {
    paymentId: `pay_${randomBytes(8).toString('hex')}`,
    orderId: `ord_${randomBytes(8).toString('hex')}`,
    merchantId: 'm_test',
    amount: 1999,
    currency: 'CNY',
    subject: 'Coffee & cake',
    expiresAt: new Date(Date.now() + 30 * 60_000).toISOString(),
    capture: true,
    callbackUrl: endpoint.url,
    ...overrides,
  };
}

async function payerActs(channelPaymentId: string, outcome?: 'succeeded' | 'failed' | 'scanned') {
  const response = await fetch(`${baseUrl}/payments/${channelPaymentId}/complete`, {
    method: 'POST',
    ...(outcome ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outcome }) } : {}),
  });
  return { status: response.status, body: (await response.json()) as { notifyId: string | null; tradeStatus?: string } };
}

function deliveriesOf(notifyId: string): Delivery[] {
  return endpoint.deliveries.filter((each) => new URLSearchParams(each.rawBody).get('notify_id') === notifyId);
}

/** A QR payment the payer has paid, with its verified notification received. */
async function paidPayment(amount = 1999) {
  const request = payment({ amount });
  const created = await adapter.createPayment!(request);
  if (created.outcome !== 'requires_action') throw new Error(`precreate answered ${created.outcome}`);
  const { body } = await payerActs(created.channelPaymentId);
  await vi.waitFor(() => expect(deliveriesOf(body.notifyId!)).toHaveLength(1));
  return { request, channelPaymentId: created.channelPaymentId, notifyId: body.notifyId!, delivery: deliveriesOf(body.notifyId!)[0]! };
}

describe('alipay: precreate, pay, notify', () => {
  it('precreates a QR code, knows no trade before the scan, and reports the payment by a verified notification and the query', async () => {
    const request = payment();
    const created = await adapter.createPayment!(request);
    expect(created).toMatchObject({ outcome: 'requires_action', channelPaymentId: request.paymentId, action: { type: 'qr_code' } });
    if (created.outcome !== 'requires_action' || created.action.type !== 'qr_code') throw new Error('no QR code');
    expect(created.action.qrCode).toMatch(/^https:\/\/qr\.alipay\.com\/[a-z0-9]+$/);
    // Alipay creates the trade when the payer scans: before that, a query finds nothing.
    await expect(adapter.queryPayment!({ paymentId: request.paymentId, channelPaymentId: null })).resolves.toMatchObject({ status: 'not_found' });

    const { status, body } = await payerActs(created.channelPaymentId);
    expect(status).toBe(200);
    await vi.waitFor(() => expect(deliveriesOf(body.notifyId!)).toHaveLength(1));
    const [delivery] = deliveriesOf(body.notifyId!);
    expect(delivery!.answered).toBe('success');
    expect(delivery!.result).toMatchObject({
      kind: 'payment',
      callbackId: body.notifyId,
      state: { status: 'succeeded', paymentId: request.paymentId, channelPaymentId: request.paymentId, amount: 1999, currency: 'CNY' },
    });
    // The wire format is Alipay's: yuan with two decimals, RSA2, the trade number assigned at the scan.
    const wire = new URLSearchParams(delivery!.rawBody);
    expect(wire.get('total_amount')).toBe('19.99');
    expect(wire.get('sign_type')).toBe('RSA2');
    expect(wire.get('trade_no')).toMatch(/^\d{28}$/);

    const state = await adapter.queryPayment!({ paymentId: request.paymentId, channelPaymentId: created.channelPaymentId });
    expect(state).toMatchObject({ status: 'succeeded', amount: 1999, currency: 'CNY' });
    expect(Date.parse(state.paidAt!)).not.toBeNaN();
    // A create retried after the payer paid (its first answer lost): Alipay says paid, the query confirms it.
    await expect(adapter.createPayment!(request)).resolves.toEqual({ outcome: 'succeeded', channelPaymentId: request.paymentId });
  });

  it('precreating the same out_trade_no again gives the same QR code; a different amount is refused', async () => {
    const request = payment();
    const first = await adapter.createPayment!(request);
    await expect(adapter.createPayment!(request)).resolves.toEqual(first);
    await expect(adapter.createPayment!({ ...request, amount: 2000 })).resolves.toMatchObject({
      outcome: 'declined',
      code: 'ACQ.CONTEXT_INCONSISTENT',
    });
  });

  it('completing twice sends the notification twice with the same notify_id', async () => {
    const { channelPaymentId, notifyId } = await paidPayment();
    const again = await payerActs(channelPaymentId);
    expect(again.body.notifyId).toBe(notifyId);
    await vi.waitFor(() => expect(deliveriesOf(notifyId)).toHaveLength(2));
    const ids = deliveriesOf(notifyId).map((each) => (each.result as VerifiedCallback).callbackId);
    expect(ids).toEqual([notifyId, notifyId]);
  });

  it('a payer who abandons the payment: the trade closes and the notification says so', async () => {
    const request = payment();
    const created = await adapter.createPayment!(request);
    const { body } = await payerActs(created.channelPaymentId!, 'failed');
    await vi.waitFor(() => expect(deliveriesOf(body.notifyId!)).toHaveLength(1));
    expect(deliveriesOf(body.notifyId!)[0]!.result).toMatchObject({
      kind: 'payment',
      state: { status: 'failed', code: 'TRADE_CLOSED', paymentId: request.paymentId },
    });
  });

  it('refuses currencies other than CNY before calling Alipay', async () => {
    const request = payment({ currency: 'USD' });
    await expect(adapter.createPayment!(request)).rejects.toBeInstanceOf(ChannelRejectedError);
    expect(await store.get('alipay', `trade#${request.paymentId}`)).toBeUndefined();
  });
});

describe('alipay: notification retries', () => {
  it('re-sends an unacknowledged notification with the same notify_id until the platform answers success', async () => {
    endpoint.acknowledge = (n) => n > 3;
    const { notifyId } = await paidPayment();
    await vi.waitFor(() => expect(deliveriesOf(notifyId)).toHaveLength(4), { timeout: 10_000 });
    expect(deliveriesOf(notifyId).map((each) => each.answered)).toEqual(['fail', 'fail', 'fail', 'success']);
    await vi.waitFor(async () => expect((await store.get<{ state: string }>('alipay', `notify#${notifyId}`))?.value.state).toBe('delivered'));
    expect((await store.get<{ sendings: number }>('alipay', `notify#${notifyId}`))!.value.sendings).toBe(4);
  });

  it('gives up after Alipay’s 8 sendings when nobody ever answers success', async () => {
    endpoint.acknowledge = () => false;
    const { notifyId } = await paidPayment();
    await vi.waitFor(
      async () => expect((await store.get<{ state: string }>('alipay', `notify#${notifyId}`))?.value.state).toBe('abandoned'),
      { timeout: 20_000, interval: 100 },
    );
    expect(deliveriesOf(notifyId)).toHaveLength(8);
    // Every sending is freshly signed and verifies; only the acknowledgement was missing.
    expect(deliveriesOf(notifyId).every((each) => !(each.result instanceof CallbackRejectedError))).toBe(true);
  });

  it('a restarted emulator resumes the pending retries from its store', async () => {
    const first = newEmulator();
    await first.start();
    const firstUrl = await serveEmulator(first);
    const viaFirst = new AlipayAdapter({ baseUrl: firstUrl, credentials: keys.platform });
    endpoint.acknowledge = () => false;
    const created = await viaFirst.createPayment!(payment());
    const response = await fetch(`${firstUrl}/payments/${created.channelPaymentId}/complete`, { method: 'POST' });
    const { notifyId } = (await response.json()) as { notifyId: string };
    await vi.waitFor(() => expect(deliveriesOf(notifyId).length).toBeGreaterThanOrEqual(1));
    first.stop();
    endpoint.acknowledge = () => true;

    const second = newEmulator();
    await second.start();
    await vi.waitFor(async () => expect((await store.get<{ state: string }>('alipay', `notify#${notifyId}`))?.value.state).toBe('delivered'), {
      timeout: 10_000,
    });
    expect(deliveriesOf(notifyId).at(-1)!.answered).toBe('success');
  });
});

describe('alipay: close, refund', () => {
  it('closes an unscanned QR (no trade yet), a scanned unpaid trade, and reports a paid one as already paid', async () => {
    const unscanned = await adapter.createPayment!(payment());
    await expect(adapter.closePayment!({ paymentId: unscanned.channelPaymentId!, channelPaymentId: unscanned.channelPaymentId })).resolves.toEqual({
      outcome: 'closed',
    });

    const scanned = await adapter.createPayment!(payment());
    const ref = { paymentId: scanned.channelPaymentId!, channelPaymentId: scanned.channelPaymentId };
    await payerActs(scanned.channelPaymentId!, 'scanned');
    await expect(adapter.queryPayment!(ref)).resolves.toMatchObject({ status: 'pending' });
    await expect(adapter.closePayment!(ref)).resolves.toEqual({ outcome: 'closed' });
    await expect(adapter.queryPayment!(ref)).resolves.toMatchObject({ status: 'closed' });
    // Closing again: Alipay refuses (status error), the query shows it closed, so it is closed.
    await expect(adapter.closePayment!(ref)).resolves.toEqual({ outcome: 'closed' });
    expect((await payerActs(scanned.channelPaymentId!)).status).toBe(409);

    const { channelPaymentId } = await paidPayment();
    const paid = await adapter.closePayment!({ paymentId: channelPaymentId, channelPaymentId });
    expect(paid).toMatchObject({ outcome: 'already_paid', state: { status: 'succeeded', amount: 1999 } });
  });

  it('refunds synchronously, answers a repeated refund from the refund query, and refuses more than was paid', async () => {
    const { request, channelPaymentId } = await paidPayment(1999);
    const refund = (refundId: string, amount: number) =>
      adapter.refund!({ refundId, paymentId: request.paymentId, channelPaymentId, amount, paymentAmount: 1999, currency: 'CNY', callbackUrl: endpoint.url });

    await expect(refund('rf_one', 500)).resolves.toMatchObject({ status: 'succeeded', refundId: 'rf_one' });
    // The same out_request_no again: fund_change N, the refund query confirms the earlier refund.
    await expect(refund('rf_one', 500)).resolves.toMatchObject({ status: 'succeeded', refundId: 'rf_one' });
    await expect(refund('rf_two', 1500)).resolves.toMatchObject({ status: 'failed', code: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL' });
    await expect(adapter.queryRefund!({ refundId: 'rf_one', paymentId: request.paymentId })).resolves.toMatchObject({ status: 'succeeded' });
    await expect(adapter.queryRefund!({ refundId: 'rf_never', paymentId: request.paymentId })).resolves.toMatchObject({ status: 'not_found' });
    // The rest refunded: the trade closes, and the payment itself still reads as succeeded.
    await expect(refund('rf_three', 1499)).resolves.toMatchObject({ status: 'succeeded' });
    await expect(adapter.queryPayment!({ paymentId: request.paymentId, channelPaymentId })).resolves.toMatchObject({ status: 'succeeded' });
  });

  it('past time_expire the payer can no longer pay, and a scanned unpaid trade reads closed', async () => {
    const request = payment({ expiresAt: new Date(Date.now() + 1_500).toISOString() });
    const created = await adapter.createPayment!(request);
    await payerActs(created.channelPaymentId!, 'scanned');
    const ref = { paymentId: request.paymentId, channelPaymentId: created.channelPaymentId };
    await vi.waitFor(async () => expect(await adapter.queryPayment!(ref)).toMatchObject({ status: 'closed' }), { timeout: 10_000, interval: 200 });
    expect(await payerActs(created.channelPaymentId!)).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
  });

  it('a refund of an unpaid trade is refused as a failed refund', async () => {
    const created = await adapter.createPayment!(payment());
    await payerActs(created.channelPaymentId!, 'scanned');
    await expect(
      adapter.refund!({
        refundId: 'rf_unpaid',
        paymentId: created.channelPaymentId!,
        channelPaymentId: created.channelPaymentId!,
        amount: 100,
        paymentAmount: 1999,
        currency: 'CNY',
        callbackUrl: endpoint.url,
      }),
    ).resolves.toMatchObject({ status: 'failed', code: 'ACQ.TRADE_STATUS_ERROR' });
  });
});

describe('alipay: signatures both ways', () => {
  it('refuses forged and tampered notifications with 4xx and not success', async () => {
    const { delivery } = await paidPayment();
    const tampered = new URLSearchParams(delivery.rawBody);
    tampered.set('total_amount', '0.01');
    const forged = new URLSearchParams(delivery.rawBody);
    forged.set('out_trade_no', 'pay_someone_else');

    for (const body of [tampered.toString(), forged.toString()]) {
      const answer = await endpoint.post(body);
      expect(answer).toEqual({ status: 400, body: 'fail' });
      expect(endpoint.deliveries.at(-1)!.result).toMatchObject({ name: 'CallbackRejectedError', reason: 'signature' });
    }
    // The genuine one replayed is a duplicate with the same identity, harmless to the platform.
    expect((await endpoint.post(delivery.rawBody)).body).toBe('success');
  });

  it('a request signed with a key Alipay does not hold is refused by the gateway: a definite rejection', async () => {
    const stranger = generateAlipayKeyPair();
    const credentials: AlipayCredentials = { ...keys.platform, appPrivateKeyPem: stranger.privateKeyPem };
    await expect(new AlipayAdapter({ baseUrl, credentials }).createPayment!(payment())).rejects.toMatchObject({
      name: 'ChannelRejectedError',
      reason: expect.stringContaining('isv.invalid-signature'),
    });
  });

  it('a request whose timestamp is far from Alipay’s clock is refused by the gateway', async () => {
    const skewed = new AlipayAdapter({ baseUrl, credentials: keys.platform, now: () => new Date(Date.now() + 3_600_000) });
    await expect(skewed.createPayment!(payment())).rejects.toMatchObject({
      name: 'ChannelRejectedError',
      reason: expect.stringContaining('isv.invalid-timestamp'),
    });
  });

  it('an answer changed in transit does not verify: outcome unknown, never success', async () => {
    const tampering: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const body = (await response.text()).replace('https://qr.alipay.com/', 'https://evil.example/');
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const viaProxy = new AlipayAdapter({ baseUrl, credentials: keys.platform, fetch: tampering });
    await expect(viaProxy.createPayment!(payment())).rejects.toBeInstanceOf(ChannelTimeoutError);
  });

  it('a channel that does not answer is a timeout, never a success', async () => {
    const silent = await listen(() => undefined);
    const slow = new AlipayAdapter({ baseUrl: silent, credentials: keys.platform, timeoutMs: 200 });
    await expect(slow.createPayment!(payment())).rejects.toBeInstanceOf(ChannelTimeoutError);
  });

  it('an Alipay key rotation: with both keys listed nothing is dropped; with the old one only, nothing new is trusted', async () => {
    const next = generateAlipayKeyPair();
    const rotated = newEmulator();
    rotated.rotateSigningKey({ certSn: next.certSn, privateKeyPem: next.privateKeyPem });
    await rotated.start();
    const rotatedUrl = await serveEmulator(rotated);
    const both = new AlipayAdapter({
      baseUrl: rotatedUrl,
      credentials: { ...keys.platform, alipayPublicKeys: [...keys.platform.alipayPublicKeys, { certSn: next.certSn, publicKeyPem: next.publicKeyPem }] },
    });
    const oldOnly = new AlipayAdapter({ baseUrl: rotatedUrl, credentials: keys.platform });
    const bothEndpoint = await new CallbackEndpoint(both).start();
    const oldEndpoint = await new CallbackEndpoint(oldOnly).start();

    await expect(oldOnly.createPayment!(payment())).rejects.toBeInstanceOf(ChannelTimeoutError);
    const created = await both.createPayment!(payment({ callbackUrl: bothEndpoint.url }));
    expect(created.outcome).toBe('requires_action');
    await fetch(`${rotatedUrl}/payments/${created.channelPaymentId}/complete`, { method: 'POST' });
    await vi.waitFor(() => expect(bothEndpoint.deliveries).toHaveLength(1));
    expect(bothEndpoint.deliveries[0]!.result).toMatchObject({ kind: 'payment', state: { status: 'succeeded' } });
    // The same notification at an endpoint that knows only the old key is refused.
    expect(await oldEndpoint.post(bothEndpoint.deliveries[0]!.rawBody)).toEqual({ status: 400, body: 'fail' });
    expect(oldEndpoint.deliveries[0]!.result).toMatchObject({ reason: 'signature' });
  });
});
