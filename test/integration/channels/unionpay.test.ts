import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../shared/domain/ids.js';
import { UnionpayEmulator, UNIONPAY_SANDBOX_CARDS } from '../../../infra/local/sandbox/unionpay/unionpay-emulator.js';
import type { SandboxStore } from '../../../infra/local/sandbox/sandbox-store.js';
import { UnionpayAdapter } from '../../../shared/channels/unionpay/adapter.js';
import { generateSandboxUnionpayKeys, type UnionpayCredentials } from '../../../shared/channels/unionpay/credentials.js';
import { decodeUnionpayForm, encodeUnionpayForm } from '../../../shared/channels/unionpay/signature.js';
import type { CreatePaymentRequest } from '../../../shared/ports/channel-flows.js';
import { ChannelRejectedError, ChannelTimeoutError } from '../../../shared/ports/payment-channel.js';
import { freshSandboxStore, listen, serveEmulator, type Listening } from './harness.js';

/** The UnionPay adapter against the sandbox gateway over real HTTP. */
let store: SandboxStore;
let keys: ReturnType<typeof generateSandboxUnionpayKeys>;
let emulator: UnionpayEmulator;
let gateway: Listening;
let baseUrl: string;
let counter = 0;

beforeAll(async () => {
  store = await freshSandboxStore();
  keys = generateSandboxUnionpayKeys();
  emulator = new UnionpayEmulator({ store, keys: keys.channel, timeScale: 1 });
  await emulator.start();
  gateway = await serveEmulator('unionpay', emulator);
  baseUrl = `${gateway.url}/sandbox/channels/unionpay`;
});

afterAll(async () => {
  await emulator.stop();
  await gateway.close();
});

function adapter(credentials: UnionpayCredentials = keys.platform, url = baseUrl): UnionpayAdapter {
  return new UnionpayAdapter({ id: 'unionpay', baseUrl: url, credentials });
}

function cardPayment(number: string, overrides: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest {
  counter += 1;
  return {
    paymentId: newId('pay'),
    orderId: `ord_${counter}`,
    merchantId: 'mer_1',
    amount: 8800,
    currency: 'CNY',
    subject: 'Headphones',
    expiresAt: new Date(Date.now() + 30 * 60_000).toISOString(),
    capture: true,
    card: { number, expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: '737' },
    callbackUrl: 'http://127.0.0.1:9/callbacks/unionpay',
    ...overrides,
  };
}

/** A man in the middle that records request bodies and may rewrite the gateway's answers. */
async function proxy(rewrite: (answer: string) => string = (a) => a) {
  const bodies: { url: string; body: string }[] = [];
  const server = await listen(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    bodies.push({ url: req.url ?? '', body });
    const upstream = await fetch(`${gateway.url}${req.url}`, { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? '' }).end(rewrite(await upstream.text()));
  });
  return { ...server, bodies, baseUrl: `${server.url}/sandbox/channels/unionpay` };
}

describe('unionpay: the sandbox rows', () => {
  it('6200000000000005 succeeds as a purchase; the query agrees', async () => {
    const request = cardPayment(UNIONPAY_SANDBOX_CARDS.succeeds);
    const created = await adapter().createPayment(request);
    expect(created).toMatchObject({ outcome: 'succeeded' });
    const channelPaymentId = (created as { channelPaymentId: string }).channelPaymentId;
    expect(channelPaymentId).toMatch(/^\d{21}$/);
    expect(await adapter().queryPayment({ paymentId: request.paymentId, channelPaymentId })).toEqual({
      status: 'succeeded',
      channelPaymentId,
      paymentId: request.paymentId,
      amount: 8800,
      currency: 'CNY',
    });
  });

  it('6200000000000047 is declined with card_declined', async () => {
    const request = cardPayment(UNIONPAY_SANDBOX_CARDS.declined);
    const created = await adapter().createPayment(request);
    expect(created).toMatchObject({ outcome: 'declined', code: 'card_declined' });
    expect((await adapter().queryPayment({ paymentId: request.paymentId, channelPaymentId: null })).status).toBe('failed');
  });

  it('a card that is not UnionPay is refused as an invalid number', async () => {
    expect(await adapter().createPayment(cardPayment('4242424242424242'))).toMatchObject({ outcome: 'declined', code: 'invalid_card_number' });
  });

  it('a pre-authorization is authorized, then captured once; a repeated capture is the same capture', async () => {
    const request = cardPayment(UNIONPAY_SANDBOX_CARDS.succeeds, { capture: false });
    const created = await adapter().createPayment(request);
    expect(created.outcome).toBe('authorized');
    const ref = { paymentId: request.paymentId, channelPaymentId: created.channelPaymentId };
    expect((await adapter().queryPayment(ref)).status).toBe('authorized');

    const captured = await adapter().capture({ ...ref, amount: 8000, currency: 'CNY' });
    expect(captured).toMatchObject({ status: 'succeeded', amount: 8000, channelPaymentId: created.channelPaymentId });
    expect(await adapter().capture({ ...ref, amount: 8000, currency: 'CNY' })).toMatchObject({ status: 'succeeded' });
    expect(await adapter().queryPayment(ref)).toMatchObject({ status: 'succeeded', amount: 8000 });
    await expect(adapter().void(ref)).rejects.toThrow(ChannelRejectedError);

    const base = { paymentId: request.paymentId, channelPaymentId: created.channelPaymentId!, paymentAmount: 8000, currency: 'CNY' as const, callbackUrl: 'http://127.0.0.1:9/cb' };
    expect(await adapter().refund({ ...base, refundId: `rf_up${counter}aaaaaaaa`, amount: 5000 })).toMatchObject({ status: 'succeeded' });
    expect(await adapter().refund({ ...base, refundId: `rf_up${counter}bbbbbbbb`, amount: 3001 })).toMatchObject({ status: 'failed', code: 'refund_amount_exceeded' });
  });

  it('a pre-authorization voided is closed, and can no longer be captured', async () => {
    const request = cardPayment(UNIONPAY_SANDBOX_CARDS.succeeds, { capture: false });
    const created = await adapter().createPayment(request);
    const ref = { paymentId: request.paymentId, channelPaymentId: created.channelPaymentId };
    expect(await adapter().void(ref)).toMatchObject({ status: 'closed', amount: 8800 });
    expect((await adapter().queryPayment(ref)).status).toBe('closed');
    await expect(adapter().capture({ ...ref, amount: 8800, currency: 'CNY' })).rejects.toThrow(ChannelRejectedError);
  });

  it('refunds a purchase, queries the refund; a repeated refund is the same refund', async () => {
    const request = cardPayment(UNIONPAY_SANDBOX_CARDS.succeeds);
    const created = await adapter().createPayment(request);
    const refund = {
      refundId: `rf_up${counter}cccccccc`,
      paymentId: request.paymentId,
      channelPaymentId: created.channelPaymentId!,
      amount: 8800,
      paymentAmount: 8800,
      currency: 'CNY' as const,
      callbackUrl: 'http://127.0.0.1:9/cb',
    };
    const first = await adapter().refund(refund);
    expect(first).toMatchObject({ status: 'succeeded', refundId: refund.refundId });
    expect(await adapter().refund(refund)).toEqual(first);
    expect(await adapter().queryRefund({ refundId: refund.refundId, paymentId: request.paymentId })).toEqual(first);
    expect((await adapter().queryRefund({ refundId: 'rf_missing1', paymentId: request.paymentId })).status).toBe('not_found');
  });

  it('a create retried with the same payment id is answered with the first result', async () => {
    const request = cardPayment(UNIONPAY_SANDBOX_CARDS.succeeds);
    const first = await adapter().createPayment(request);
    expect(await adapter().createPayment(request)).toEqual(first);
  });

  it('JPY amounts travel as integer yen with the numeric currency code', async () => {
    const through = await proxy();
    const request = cardPayment(UNIONPAY_SANDBOX_CARDS.succeeds, { amount: 1500, currency: 'JPY' });
    const created = await adapter(keys.platform, through.baseUrl).createPayment(request);
    const sent = decodeUnionpayForm(through.bodies[0]!.body)!;
    expect(sent).toMatchObject({ txnAmt: '1500', currencyCode: '392', txnType: '01' });
    expect(await adapter().queryPayment({ paymentId: request.paymentId, channelPaymentId: created.channelPaymentId })).toMatchObject({ amount: 1500, currency: 'JPY' });
    await through.close();
  });

  it('a payment the risk engine wants challenged is refused before anything reaches the gateway', async () => {
    const through = await proxy();
    await expect(adapter(keys.platform, through.baseUrl).createPayment(cardPayment(UNIONPAY_SANDBOX_CARDS.succeeds, { requireOtp: true }))).rejects.toThrow(
      ChannelRejectedError,
    );
    expect(through.bodies).toHaveLength(0);
    await through.close();
  });

  it('the sandbox complete endpoint answers that card payments are synchronous', async () => {
    const answer = await fetch(`${baseUrl}/payments/123/complete`, { method: 'POST' });
    expect(answer.status).toBe(409);
  });
});

describe('unionpay: card data and signatures', () => {
  it('the card number and CVN2 travel only encrypted in the body; the gateway keeps last4 and a fingerprint', async () => {
    const through = await proxy();
    const request = cardPayment(UNIONPAY_SANDBOX_CARDS.succeeds);
    await adapter(keys.platform, through.baseUrl).createPayment(request);
    const [sent] = through.bodies;
    expect(sent!.url).not.toContain('6200');
    expect(sent!.body).not.toContain(UNIONPAY_SANDBOX_CARDS.succeeds);
    expect(decodeUnionpayForm(sent!.body)!.accNo).toMatch(/^[A-Za-z0-9+/=]{300,}$/);
    expect(sent!.body).not.toContain('cvn2');

    const records = JSON.stringify(await store.list('unionpay', 'txn#'));
    expect(records).not.toContain(UNIONPAY_SANDBOX_CARDS.succeeds);
    // Not the CVN2 (three digits would also turn up inside random ids), and no field that could hold card data: field
    // names, matched as JSON keys (a random id may well contain the letters "cvc").
    expect(records).not.toMatch(/"(cvn2|cvc|customerInfo|accNo|expired)":/i);
    expect(records).toContain('"last4":"0005"');
    expect(records).toMatch(/"fingerprint":"[0-9a-f]{32}"/);
    await through.close();
  });

  it('a request signed with another key under the merchant certificate id is refused (respCode 11)', async () => {
    const other = generateSandboxUnionpayKeys(keys.platform.merId).platform;
    const impostor = adapter({ ...keys.platform, signingCert: { ...other.signingCert, certId: keys.platform.signingCert.certId } });
    await expect(impostor.createPayment(cardPayment(UNIONPAY_SANDBOX_CARDS.succeeds))).rejects.toThrow('respCode 11');
  });

  it('an answer rewritten on the way (a decline turned into a success) leaves the outcome unknown', async () => {
    const through = await proxy((answer) => {
      const fields = decodeUnionpayForm(answer)!;
      return encodeUnionpayForm({ ...fields, respCode: '00' });
    });
    await expect(adapter(keys.platform, through.baseUrl).createPayment(cardPayment(UNIONPAY_SANDBOX_CARDS.declined))).rejects.toThrow(ChannelTimeoutError);
    await through.close();
  });

  it('an answer signed under a certificate the platform does not hold leaves the outcome unknown', async () => {
    const stranger = generateSandboxUnionpayKeys().platform.verifyCerts;
    await expect(adapter({ ...keys.platform, verifyCerts: stranger }).createPayment(cardPayment(UNIONPAY_SANDBOX_CARDS.succeeds))).rejects.toThrow(ChannelTimeoutError);
  });

  it('after UnionPay rolls its certificate, a platform holding both verifies the new one', async () => {
    const next = generateSandboxUnionpayKeys(keys.platform.merId);
    const rolled = new UnionpayEmulator({ store, keys: { ...keys.channel, signingCert: next.channel.signingCert }, timeScale: 1 });
    const server = await serveEmulator('unionpay', rolled);
    const both = { ...keys.platform, verifyCerts: [...keys.platform.verifyCerts, ...next.platform.verifyCerts] };
    const created = await adapter(both, `${server.url}/sandbox/channels/unionpay`).createPayment(cardPayment(UNIONPAY_SANDBOX_CARDS.succeeds));
    expect(created.outcome).toBe('succeeded');
    await server.close();
  });

  it('no answer in time is ChannelTimeoutError, never success', async () => {
    const silent = await listen(() => new Promise<void>(() => undefined));
    const hanging = new UnionpayAdapter({ id: 'unionpay', baseUrl: silent.url, credentials: keys.platform, timeoutMs: 200 });
    await expect(hanging.createPayment(cardPayment(UNIONPAY_SANDBOX_CARDS.succeeds))).rejects.toThrow(ChannelTimeoutError);
    await silent.close();
  });
});
