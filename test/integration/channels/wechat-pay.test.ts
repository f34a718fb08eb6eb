import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createDocumentClient } from '../../../shared/adapters/dynamodb/client.js';
import { newId } from '../../../shared/domain/ids.js';
import { CallbackRejectedError, type CreatePaymentRequest, type VerifiedCallback } from '../../../shared/ports/channel-flows.js';
import { ChannelRejectedError, ChannelTimeoutError } from '../../../shared/ports/payment-channel.js';
import {
  generateSandboxWechatPayKeys,
  rotateSandboxWechatPayPlatformKey,
  WechatPayAdapter,
  type WechatPayCredentials,
} from '../../../shared/channels/wechat-pay/adapter.js';
import { localDynamoDbClient } from '../../../infra/local/dynamodb-local.js';
import { SandboxStore } from '../../../infra/local/sandbox/sandbox-store.js';
import { WechatPayEmulator, type WechatPayEmulatorOptions } from '../../../infra/local/sandbox/wechat-pay/emulator.js';

/**
 * The WeChat Pay adapter against the WeChat Pay sandbox over real HTTP on 127.0.0.1: adapter → emulator for the API,
 * emulator → a callback endpoint that runs `parseCallback` and answers `callbackAck`, as the platform's
 * `POST /callbacks/wechat_pay` will. The emulator keeps its records in DynamoDB Local.
 */

const PREFIX = '/sandbox/channels/wechat_pay';
/** WeChat's 15 s first retry becomes 30 ms. */
const TIME_SCALE = 0.002;

interface Received {
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly result: VerifiedCallback | CallbackRejectedError;
  readonly answered: number;
}

/** The platform's callback endpoint, with knobs: answer a number of deliveries with 500, or not at all. */
class CallbackEndpoint {
  readonly received: Received[] = [];
  failNext = 0;
  hangNext = 0;
  credentials!: WechatPayCredentials;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/callbacks/wechat_pay`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((done) => this.server.close(() => done()));
  }

  forPayment(paymentId: string): Received[] {
    return this.received.filter((r) => !(r.result instanceof Error) && 'state' in r.result && 'paymentId' in r.result.state && r.result.state.paymentId === paymentId);
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    if (this.hangNext > 0) {
      this.hangNext -= 1;
      this.received.push({ headers, body, result: new CallbackRejectedError('wechat_pay', 'malformed', 'test: no answer'), answered: 0 });
      return; // never answers: the emulator's acknowledgement timeout must fire
    }
    const adapter = new WechatPayAdapter({ id: 'wechat_pay', baseUrl: 'http://unused.invalid', credentials: this.credentials });
    let result: VerifiedCallback | CallbackRejectedError;
    try {
      result = await adapter.parseCallback({ headers, rawBody: body });
    } catch (error) {
      if (!(error instanceof CallbackRejectedError)) throw error;
      result = error;
    }
    const forcedFailure = !(result instanceof Error) && this.failNext > 0;
    if (forcedFailure) this.failNext -= 1;
    const ack = forcedFailure
      ? { statusCode: 500, headers: {}, body: JSON.stringify({ code: 'FAIL', message: 'busy' }) }
      : adapter.callbackAck(result instanceof Error ? 'rejected' : 'ok');
    this.received.push({ headers, body, result, answered: ack.statusCode });
    res.writeHead(ack.statusCode, ack.headers).end(ack.body);
  }
}

const endpoint = new CallbackEndpoint();
let store: SandboxStore;
let channelServer: Server;
let baseUrl = '';
let keys = generateSandboxWechatPayKeys();
let emulator: WechatPayEmulator;
const extraEmulators: WechatPayEmulator[] = [];

function adapter(credentials: WechatPayCredentials = keys.platform): WechatPayAdapter {
  return new WechatPayAdapter({ id: 'wechat_pay', baseUrl: `${baseUrl}${PREFIX}`, credentials, timeoutMs: 5_000 });
}

async function useEmulator(options: Partial<WechatPayEmulatorOptions> = {}): Promise<WechatPayEmulator> {
  await emulator?.stop();
  emulator = new WechatPayEmulator({ store, keys: keys.channel, timeScale: TIME_SCALE, ...options });
  await emulator.start();
  return emulator;
}

function paymentRequest(overrides: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest {
  return {
    paymentId: newId('pay'),
    orderId: newId('ord'),
    merchantId: 'm_test',
    amount: 1999,
    currency: 'CNY',
    subject: 'Green tea, 2 boxes',
    expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    capture: true,
    callbackUrl: endpoint.url,
    ...overrides,
  };
}

async function complete(channelPaymentId: string, body?: unknown): Promise<Response> {
  return fetch(`${baseUrl}${PREFIX}/payments/${channelPaymentId}/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

beforeAll(async () => {
  const endpointUrl = inject('dynamoEndpoint');
  const tableName = `sandbox-${randomBytes(6).toString('hex')}`;
  await SandboxStore.ensureTable(localDynamoDbClient(endpointUrl), tableName);
  store = new SandboxStore(createDocumentClient({ endpoint: endpointUrl, region: 'local' }), tableName);
  await endpoint.start();
  endpoint.credentials = keys.platform;
  channelServer = createServer((req, res) => {
    const url = req.url ?? '';
    if (!url.startsWith(PREFIX)) return void res.writeHead(404).end();
    void emulator.handle(req, res, url.slice(PREFIX.length));
  });
  await new Promise<void>((done) => channelServer.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${(channelServer.address() as AddressInfo).port}`;
  await useEmulator();
});

afterEach(() => {
  endpoint.failNext = 0;
  endpoint.hangNext = 0;
});

afterAll(async () => {
  await emulator?.stop();
  for (const extra of extraEmulators) await extra.stop();
  channelServer?.closeAllConnections();
  await new Promise((done) => channelServer?.close(done));
  await endpoint.stop();
});

describe('WeChat Pay Native over HTTP', () => {
  it('creates a Native order whose code the payer scans, pays it through the sandbox, and reports it by callback and query', async () => {
    const wechat = adapter();
    const request = paymentRequest();

    const created = await wechat.createPayment(request);
    expect(created.outcome).toBe('requires_action');
    if (created.outcome !== 'requires_action') throw new Error('unreachable');
    expect(created.channelPaymentId).toBe(request.paymentId);
    expect(created.action).toMatchObject({ type: 'qr_code' });
    expect(created.action.type === 'qr_code' && created.action.qrCode).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=[\w-]+$/);
    expect(await wechat.queryPayment({ paymentId: request.paymentId, channelPaymentId: null })).toMatchObject({ status: 'pending' });

    expect((await complete(created.channelPaymentId)).status).toBe(200);

    await vi.waitFor(() => expect(endpoint.forPayment(request.paymentId)).toHaveLength(1), { timeout: 10_000, interval: 20 });
    const [callback] = endpoint.forPayment(request.paymentId);
    expect(callback!.answered).toBe(204);
    expect(callback!.headers['wechatpay-serial']).toBe(keys.platform.platformPublicKeys[0]!.serialNo);
    expect(JSON.parse(callback!.body)).toMatchObject({ event_type: 'TRANSACTION.SUCCESS', resource_type: 'encrypt-resource' });
    expect(callback!.body).not.toContain(request.paymentId); // the resource travels encrypted
    expect(callback!.result).toMatchObject({
      kind: 'payment',
      state: { status: 'succeeded', paymentId: request.paymentId, amount: 1999, currency: 'CNY' },
    });
    const queried = await wechat.queryPayment({ paymentId: request.paymentId, channelPaymentId: request.paymentId });
    expect(queried).toMatchObject({ status: 'succeeded', amount: 1999, currency: 'CNY' });
    expect(Date.parse(queried.paidAt!)).not.toBeNaN();
  });

  it('completing twice sends the callback twice with the same notification id', async () => {
    const request = paymentRequest();
    await adapter().createPayment(request);

    await complete(request.paymentId);
    await complete(request.paymentId, { outcome: 'succeeded' });

    await vi.waitFor(() => expect(endpoint.forPayment(request.paymentId)).toHaveLength(2), { timeout: 10_000, interval: 20 });
    const ids = endpoint.forPayment(request.paymentId).map((r) => (r.result as VerifiedCallback).callbackId);
    expect(ids[0]).toBe(ids[1]);
    expect(JSON.parse(endpoint.forPayment(request.paymentId)[0]!.body).id).toBe(ids[0]);
  });

  it('a failed payment ends PAYERROR: the query says failed and the sandbox reports it with a signed PAYERROR event', async () => {
    const wechat = adapter();
    const request = paymentRequest();
    await wechat.createPayment(request);

    const answer = await complete(request.paymentId, { outcome: 'failed' });
    expect(await answer.json()).toMatchObject({ trade_state: 'PAYERROR' });

    await vi.waitFor(() => expect(endpoint.forPayment(request.paymentId)).toHaveLength(1), { timeout: 10_000, interval: 20 });
    const [callback] = endpoint.forPayment(request.paymentId);
    expect(JSON.parse(callback!.body).event_type).toBe('TRANSACTION.PAYERROR');
    expect(callback!.result).toMatchObject({ kind: 'payment', state: { status: 'failed', code: 'PAYERROR' } });
    expect(await wechat.queryPayment({ paymentId: request.paymentId, channelPaymentId: null })).toMatchObject({ status: 'failed' });
    // A payment that failed cannot be paid later.
    expect((await complete(request.paymentId)).status).toBe(403);
  });

  it('a repeated create answers the same code, and the same number with another amount is refused', async () => {
    const wechat = adapter();
    const request = paymentRequest();
    const first = await wechat.createPayment(request);
    const again = await wechat.createPayment(request);
    expect(again).toEqual(first);
    await expect(wechat.createPayment({ ...request, amount: 2000 })).rejects.toBeInstanceOf(ChannelRejectedError);
  });

  it('after the payer paid, a repeated create reports success', async () => {
    const wechat = adapter();
    const request = paymentRequest();
    await wechat.createPayment(request);
    await complete(request.paymentId);
    expect(await wechat.createPayment(request)).toEqual({ outcome: 'succeeded', channelPaymentId: request.paymentId });
  });

  it('closes an unpaid order, after which the payer cannot pay; closing a paid order reports already_paid', async () => {
    const wechat = adapter();
    const unpaid = paymentRequest();
    await wechat.createPayment(unpaid);
    expect(await wechat.closePayment({ paymentId: unpaid.paymentId, channelPaymentId: unpaid.paymentId })).toEqual({ outcome: 'closed' });
    expect(await wechat.queryPayment({ paymentId: unpaid.paymentId, channelPaymentId: null })).toMatchObject({ status: 'closed' });
    const late = await complete(unpaid.paymentId);
    expect(late.status).toBe(400);
    expect(await late.json()).toMatchObject({ code: 'ORDER_CLOSED' });

    const paid = paymentRequest();
    await wechat.createPayment(paid);
    await complete(paid.paymentId);
    const closed = await wechat.closePayment({ paymentId: paid.paymentId, channelPaymentId: paid.paymentId });
    expect(closed).toMatchObject({ outcome: 'already_paid', state: { status: 'succeeded', amount: 1999 } });
  });

  it('an order past time_expire cannot be paid', async () => {
    const request = paymentRequest({ expiresAt: new Date(Date.now() + 60_000).toISOString() });
    await adapter().createPayment(request);
    const later = new Date(Date.now() + 120_000);
    await useEmulator({ now: () => later });
    try {
      const answer = await complete(request.paymentId);
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({ code: 'ORDER_CLOSED' });
    } finally {
      await useEmulator();
    }
  });

  it('refunds part of a paid order, reports it by REFUND.SUCCESS callback and query, and refuses more than is left', async () => {
    const wechat = adapter();
    const request = paymentRequest({ amount: 5000 });
    await wechat.createPayment(request);
    await complete(request.paymentId);
    const refundId = newId('rf');
    const refund = { refundId, paymentId: request.paymentId, channelPaymentId: request.paymentId, paymentAmount: 5000, currency: 'CNY' as const, callbackUrl: endpoint.url };

    const first = await wechat.refund({ ...refund, amount: 3000, reason: 'customer returned one box' });
    expect(first).toMatchObject({ status: 'processing', refundId });
    expect(first.channelRefundId).toMatch(/^\d{29}$/);
    // A retry of the same refund number is the same refund, not a second one.
    expect(await wechat.refund({ ...refund, amount: 3000 })).toMatchObject({ refundId, channelRefundId: first.channelRefundId });

    await vi.waitFor(
      () => expect(endpoint.received.filter((r) => (r.result as VerifiedCallback).kind === 'refund' && (r.result as { state: { refundId: string } }).state.refundId === refundId)).toHaveLength(1),
      { timeout: 10_000, interval: 20 },
    );
    expect(await wechat.queryRefund({ refundId, paymentId: request.paymentId })).toMatchObject({ status: 'succeeded', channelRefundId: first.channelRefundId });
    expect(await wechat.queryPayment({ paymentId: request.paymentId, channelPaymentId: null })).toMatchObject({ status: 'succeeded' });

    // A refund number that is a special property name in JavaScript is just a refund number.
    expect(await wechat.refund({ ...refund, refundId: '__proto__', amount: 1 })).toMatchObject({ status: 'processing', refundId: '__proto__' });
    const tooMuch = await wechat.refund({ ...refund, refundId: newId('rf'), amount: 2000 });
    expect(tooMuch).toMatchObject({ status: 'failed', code: 'NOT_ENOUGH' });
    expect(await wechat.queryRefund({ refundId: newId('rf'), paymentId: request.paymentId })).toMatchObject({ status: 'not_found' });
  });

  it('queries an order WeChat never had as not_found, and refuses a non-CNY payment before sending it', async () => {
    const wechat = adapter();
    expect(await wechat.queryPayment({ paymentId: newId('pay'), channelPaymentId: null })).toMatchObject({ status: 'not_found' });
    await expect(wechat.createPayment(paymentRequest({ currency: 'USD' }))).rejects.toBeInstanceOf(ChannelRejectedError);
  });
});

describe('sandbox faults', () => {
  async function setMode(mode: string): Promise<number> {
    const answer = await fetch(`${baseUrl}${PREFIX}/mode`, { method: 'POST', body: JSON.stringify({ mode }) });
    return answer.status;
  }

  it('error mode answers SYSTEM_ERROR without acting; timeout mode acts but never answers: both are unknown outcomes', async () => {
    const request = paymentRequest();
    const quick = new WechatPayAdapter({ id: 'wechat_pay', baseUrl: `${baseUrl}${PREFIX}`, credentials: keys.platform, timeoutMs: 300 });
    try {
      expect(await setMode('error')).toBe(200);
      await expect(quick.createPayment(request)).rejects.toBeInstanceOf(ChannelTimeoutError);
      expect(await setMode('normal')).toBe(200);
      expect(await quick.queryPayment({ paymentId: request.paymentId, channelPaymentId: null })).toMatchObject({ status: 'not_found' });

      expect(await setMode('timeout')).toBe(200);
      await expect(quick.createPayment(request)).rejects.toBeInstanceOf(ChannelTimeoutError);
      expect(await setMode('normal')).toBe(200);
      // The channel did create it: only a query tells.
      expect(await quick.queryPayment({ paymentId: request.paymentId, channelPaymentId: null })).toMatchObject({ status: 'pending' });
      expect(await setMode('sometimes')).toBe(400);
    } finally {
      await setMode('normal');
    }
  });
});

describe('signatures', () => {
  it('the sandbox refuses a request signed with a key it does not know for that serial (SIGN_ERROR)', async () => {
    const other = generateSandboxWechatPayKeys({ appId: keys.platform.appId, mchId: keys.platform.mchId });
    const forger = adapter({ ...keys.platform, merchantPrivateKeyPem: other.platform.merchantPrivateKeyPem });
    const request = paymentRequest();
    await expect(forger.createPayment(request)).rejects.toThrow(/401 SIGN_ERROR/);
    expect(await adapter().queryPayment({ paymentId: request.paymentId, channelPaymentId: null })).toMatchObject({ status: 'not_found' });
  });

  it('the adapter believes no answer that WeChat did not sign: an unknown platform key is an unknown outcome', async () => {
    const other = generateSandboxWechatPayKeys();
    const fooled = adapter({ ...keys.platform, platformPublicKeys: other.platform.platformPublicKeys });
    await expect(fooled.createPayment(paymentRequest())).rejects.toBeInstanceOf(ChannelTimeoutError);
  });

  it('a callback signed with a rotated platform key is refused until the platform adds the new key, then the retry is accepted', async () => {
    const rotated = rotateSandboxWechatPayPlatformKey(keys);
    const before = keys;
    keys = rotated;
    await useEmulator();
    try {
      endpoint.credentials = before.platform; // the platform still knows only the old key
      const request = paymentRequest();
      await adapter().createPayment(request);
      await complete(request.paymentId);
      await vi.waitFor(
        () => expect(endpoint.received.filter((r) => r.result instanceof CallbackRejectedError && r.result.reason === 'unknown_key').length).toBeGreaterThanOrEqual(1),
        { timeout: 10_000, interval: 20 },
      );
      endpoint.credentials = rotated.platform; // old and new key
      await vi.waitFor(() => expect(endpoint.forPayment(request.paymentId)).toHaveLength(1), { timeout: 10_000, interval: 20 });
      const rejected = endpoint.received.find((r) => r.result instanceof CallbackRejectedError && r.result.reason === 'unknown_key')!;
      expect(rejected.answered).toBe(400);
      expect(JSON.parse(rejected.body).id).toBe((endpoint.forPayment(request.paymentId)[0]!.result as VerifiedCallback).callbackId);
    } finally {
      keys = before;
      endpoint.credentials = before.platform;
      await useEmulator();
    }
  });

  it('a callback whose timestamp is more than 5 minutes off is refused as stale', async () => {
    const request = paymentRequest();
    await adapter().createPayment(request);
    // A WeChat clock 10 minutes slow: its callbacks look like replays of old ones.
    await useEmulator({ now: () => new Date(Date.now() - 10 * 60_000) });
    try {
      await complete(request.paymentId);
      await vi.waitFor(
        () => expect(endpoint.received.some((r) => r.result instanceof CallbackRejectedError && r.result.reason === 'stale')).toBe(true),
        { timeout: 10_000, interval: 20 },
      );
    } finally {
      await useEmulator();
    }
  });
});

describe('callback retries', () => {
  it('an unacknowledged callback is retried on the cadence until acknowledged, with the same id', async () => {
    const request = paymentRequest();
    await adapter().createPayment(request);
    endpoint.failNext = 3;

    const answer = (await (await complete(request.paymentId)).json()) as { notification_id: string };

    // A bound on the wait, not on the cadence: a loaded 2-core machine may stretch the scaled retries well past it.
    await vi.waitFor(async () => expect((await emulator.callbacks.jobsFor(answer.notification_id))[0]?.state).toBe('acknowledged'), {
      timeout: 50_000,
      interval: 20,
    });
    const deliveries = endpoint.forPayment(request.paymentId);
    expect(deliveries.map((d) => d.answered)).toEqual([500, 500, 500, 204]);
    expect(new Set(deliveries.map((d) => JSON.parse(d.body).id))).toEqual(new Set([answer.notification_id]));
    // Each delivery is signed afresh (its own nonce), the body is the same.
    expect(new Set(deliveries.map((d) => d.headers['wechatpay-nonce'])).size).toBe(4);
    expect(new Set(deliveries.map((d) => d.body)).size).toBe(1);
    const [job] = await emulator.callbacks.jobsFor(answer.notification_id);
    expect(job).toMatchObject({ state: 'acknowledged', attempts: 4, answers: [500, 500, 500, 204] });
  });

  it('a callback left without an answer past the acknowledgement timeout counts as not acknowledged and is sent again', async () => {
    const request = paymentRequest();
    await adapter().createPayment(request);
    endpoint.hangNext = 1;

    const answer = (await (await complete(request.paymentId)).json()) as { notification_id: string };

    await vi.waitFor(async () => expect((await emulator.callbacks.jobsFor(answer.notification_id))[0]?.state).toBe('acknowledged'), {
      timeout: 50_000,
      interval: 20,
    });
    expect(endpoint.forPayment(request.paymentId)).toHaveLength(1);
    const [job] = await emulator.callbacks.jobsFor(answer.notification_id);
    expect(job).toMatchObject({ state: 'acknowledged', answers: [0, 204] });
  });

  it('a restarted sandbox resumes the pending retries from its store', async () => {
    const request = paymentRequest();
    await adapter().createPayment(request);
    // Real cadence: the retry after the first failure is 15 s away, so this emulator will not send it itself.
    await useEmulator({ timeScale: 1 });
    endpoint.failNext = 1;
    const answer = (await (await complete(request.paymentId)).json()) as { notification_id: string };
    await vi.waitFor(async () => expect((await emulator.callbacks.jobsFor(answer.notification_id))[0]?.attempts).toBe(1), { timeout: 10_000, interval: 20 });
    await emulator.stop();

    // A new process, 20 s later: the retry is due and goes out.
    const later = () => new Date(Date.now() + 20_000);
    const resumed = new WechatPayEmulator({ store, keys: keys.channel, timeScale: 1, now: later });
    extraEmulators.push(resumed);
    await resumed.start();

    await vi.waitFor(async () => expect((await resumed.callbacks.jobsFor(answer.notification_id))[0]?.state).toBe('acknowledged'), {
      timeout: 10_000,
      interval: 20,
    });
    expect((await resumed.callbacks.jobsFor(answer.notification_id))[0]?.answers).toEqual([500, 204]);
    expect(endpoint.forPayment(request.paymentId).map((r) => r.answered)).toEqual([500, 204]);
    await resumed.stop();
    await useEmulator();
  });
});
