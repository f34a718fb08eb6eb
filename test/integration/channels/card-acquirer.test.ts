import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardAcquirerEmulator, requestHash } from '../../../infra/local/sandbox/card-acquirer/emulator.js';
import type { PaymentRecord } from '../../../infra/local/sandbox/card-acquirer/acquirer.js';
import type { SandboxStore } from '../../../infra/local/sandbox/sandbox-store.js';
import { CardAcquirerAdapter } from '../../../shared/channels/card-acquirer/adapter.js';
import { generateSandboxCardAcquirerKeys, type CardAcquirerCredentials } from '../../../shared/channels/card-acquirer/credentials.js';
import { toPaymentBody } from '../../../shared/channels/card-acquirer/transformers.js';
import { SANDBOX_CARDS, SANDBOX_OTP, SANDBOX_REFUND_ANSWER_LOST } from '../../../shared/channels/sandbox-card.js';
import { newId } from '../../../shared/domain/ids.js';
import type { CreatePaymentRequest } from '../../../shared/ports/channel-flows.js';
import { ChannelRejectedError, ChannelTimeoutError } from '../../../shared/ports/payment-channel.js';
import { freshSandboxStore, listen, serveEmulator, type Listening } from './harness.js';

/** The card acquirer adapter against the sandbox acquirer over real HTTP: card_a (primary) and card_b. */
let store: SandboxStore;
const keys = { card_a: generateSandboxCardAcquirerKeys(), card_b: generateSandboxCardAcquirerKeys() };
const gateways: Record<string, Listening> = {};

/**
 * The adapter's timeout: generous for calls that must be answered (a cold DynamoDB Local can be slow), short for the
 * calls the sandbox answers late (the emulator holds those answers until the adapter has given up, however long).
 */
const TIMEOUT_MS = 5000;
const IMPATIENT_MS = 1000;

beforeAll(async () => {
  store = await freshSandboxStore();
  for (const [channel, primary] of [['card_a', true], ['card_b', false]] as const) {
    gateways[channel] = await serveEmulator(channel, new CardAcquirerEmulator({ store, keys: keys[channel].channel, channel, primary }));
  }
});

afterAll(async () => {
  for (const gateway of Object.values(gateways)) await gateway.close();
});

const baseUrl = (channel: 'card_a' | 'card_b', url = gateways[channel]!.url) => `${url}/sandbox/channels/${channel}`;

function adapter(channel: 'card_a' | 'card_b' = 'card_a', credentials: CardAcquirerCredentials = keys[channel].platform, url = baseUrl(channel)) {
  return new CardAcquirerAdapter({ id: channel, baseUrl: url, credentials, timeoutMs: TIMEOUT_MS });
}

/** The adapter for a call the sandbox answers late. */
const impatient = (channel: 'card_a' | 'card_b' = 'card_a') =>
  new CardAcquirerAdapter({ id: channel, baseUrl: baseUrl(channel), credentials: keys[channel].platform, timeoutMs: IMPATIENT_MS });

function cardPayment(number: string, overrides: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest {
  return {
    paymentId: newId('pay'),
    orderId: newId('ord'),
    merchantId: 'mer_1',
    amount: 1999,
    currency: 'CNY',
    subject: 'Coffee',
    expiresAt: new Date(Date.now() + 30 * 60_000).toISOString(),
    capture: true,
    card: { number, expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: '737' },
    callbackUrl: 'http://127.0.0.1:9/callbacks/card_a',
    ...overrides,
  };
}

/** The acquirer's own records of one payment (what its report shows). */
async function record(channel: 'card_a' | 'card_b', reference: string): Promise<PaymentRecord | undefined> {
  return (await store.get<PaymentRecord>(channel, `payment#${reference}`))?.value;
}

/** A man in the middle between the adapter and card_a: records what went over the wire, may rewrite answers. */
async function proxy(rewrite: (answer: { status: number; body: string; headers: Headers }) => { status: number; body: string; headers: Record<string, string> }) {
  const seen: { url: string; headers: Record<string, string>; body: string }[] = [];
  const server = await listen(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    seen.push({ url: req.url ?? '', headers, body });
    const forward = Object.fromEntries(Object.entries(headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)));
    const upstream = await fetch(`${gateways.card_a!.url}${req.url}`, { method: req.method, headers: forward, ...(req.method === 'POST' ? { body } : {}) });
    const out = rewrite({ status: upstream.status, body: await upstream.text(), headers: upstream.headers });
    res.writeHead(out.status, out.headers).end(out.body);
  });
  return { ...server, seen };
}

const passThrough = (answer: { status: number; body: string; headers: Headers }) => ({
  status: answer.status,
  body: answer.body,
  headers: { 'content-type': 'application/json', 'acquirer-signature': answer.headers.get('acquirer-signature') ?? '' },
});

describe('card acquirer: the contract sandbox cards over HTTP', () => {
  it('4242 captures; retrieve by id and lookup by reference agree; the record keeps no card number', async () => {
    const request = cardPayment(SANDBOX_CARDS.succeeds);
    const created = await adapter().createPayment(request);
    expect(created).toEqual({ outcome: 'succeeded', channelPaymentId: expect.stringMatching(/^acq_[0-9a-f]{24}$/) });
    const channelPaymentId = (created as { channelPaymentId: string }).channelPaymentId;
    const expected = { status: 'succeeded', channelPaymentId, paymentId: request.paymentId, amount: 1999, currency: 'CNY' };
    expect(await adapter().queryPayment({ paymentId: request.paymentId, channelPaymentId })).toEqual(expected);
    expect(await adapter().queryPayment({ paymentId: request.paymentId, channelPaymentId: null })).toEqual(expected);
    expect((await adapter().queryPayment({ paymentId: newId('pay'), channelPaymentId: null })).status).toBe('not_found');
    // Every record the acquirer keeps: payments, id pointers and the kept answers of idempotency keys.
    const stored = JSON.stringify(await Promise.all(['payment#', 'id#', 'idem#'].map((prefix) => store.list('card_a', prefix))));
    expect(stored).toContain(request.paymentId);
    expect(stored).not.toContain(SANDBOX_CARDS.succeeds);
    expect(stored).not.toContain('"737"');
    expect((await record('card_a', request.paymentId))?.card).toMatchObject({ last4: '4242', scheme: 'visa' });
  });

  it('0002 and 9995 decline with their codes; the query says failed with the code', async () => {
    const declined = cardPayment(SANDBOX_CARDS.declined);
    expect(await adapter().createPayment(declined)).toMatchObject({ outcome: 'declined', code: 'card_declined' });
    expect(await adapter().queryPayment({ paymentId: declined.paymentId, channelPaymentId: null })).toMatchObject({ status: 'failed', code: 'card_declined' });
    expect(await adapter().createPayment(cardPayment(SANDBOX_CARDS.insufficientFunds))).toMatchObject({ outcome: 'declined', code: 'insufficient_funds' });
    expect(await adapter().createPayment(cardPayment(SANDBOX_CARDS.succeeds, { card: undefined }))).toMatchObject({ outcome: 'declined', channelPaymentId: null });
  });

  it('3220 challenges with an OTP; a wrong OTP is authentication_failed and leaves it open, 123456 captures it', async () => {
    const request = cardPayment(SANDBOX_CARDS.otpChallenge);
    const created = await adapter().createPayment(request);
    expect(created).toMatchObject({ outcome: 'requires_action', action: { type: 'otp' } });
    const ref = { paymentId: request.paymentId, channelPaymentId: (created as { channelPaymentId: string }).channelPaymentId, capture: true };
    expect(await adapter().confirmPayment({ ...ref, otp: '000000' })).toMatchObject({ outcome: 'declined', code: 'authentication_failed' });
    expect((await adapter().queryPayment(ref)).status).toBe('pending');
    expect(await adapter().confirmPayment({ ...ref, otp: SANDBOX_OTP })).toEqual({ outcome: 'succeeded', channelPaymentId: ref.channelPaymentId });
    expect((await adapter().queryPayment(ref)).status).toBe('succeeded');
    expect((await record('card_a', request.paymentId))?.actions.map((a) => `${a.kind}:${a.outcome}`)).toEqual(['charge:requires_action', 'confirm:bad_otp', 'confirm:ok']);
    // The risk engine's strong authentication challenges any card.
    expect(await adapter().createPayment(cardPayment(SANDBOX_CARDS.succeeds, { requireOtp: true }))).toMatchObject({ outcome: 'requires_action' });
  });

  it('a pre-authorization is authorized, then captured (once, whatever the retries), then refundable', async () => {
    const request = cardPayment(SANDBOX_CARDS.succeeds, { capture: false, amount: 5000 });
    const created = await adapter().createPayment(request);
    expect(created).toMatchObject({ outcome: 'authorized' });
    const ref = { paymentId: request.paymentId, channelPaymentId: (created as { channelPaymentId: string }).channelPaymentId };
    expect((await adapter().queryPayment(ref)).status).toBe('authorized');
    const refundBefore = { refundId: newId('rf'), paymentId: request.paymentId, channelPaymentId: ref.channelPaymentId, amount: 100, paymentAmount: 5000, currency: 'CNY' as const, callbackUrl: 'http://x' };
    expect(await adapter().refund(refundBefore)).toMatchObject({ status: 'failed', code: 'payment_not_refundable' });
    expect(await adapter().capture({ ...ref, amount: 4000, currency: 'CNY' })).toMatchObject({ status: 'succeeded', amount: 4000 });
    expect(await adapter().capture({ ...ref, amount: 4000, currency: 'CNY' })).toMatchObject({ status: 'succeeded', amount: 4000 });
    expect((await record('card_a', request.paymentId))?.actions.filter((a) => a.kind === 'capture')).toHaveLength(1);
    const refund = { ...refundBefore, refundId: newId('rf'), amount: 4001 };
    expect(await adapter().refund(refund)).toMatchObject({ status: 'failed', code: 'refund_amount_exceeds_balance' });
  });

  it('0119 times out at card_a only (nothing happened there); card_b charges it', async () => {
    const request = cardPayment(SANDBOX_CARDS.firstChannelTimesOut);
    await expect(impatient('card_a').createPayment(request)).rejects.toBeInstanceOf(ChannelTimeoutError);
    expect((await adapter('card_a').queryPayment({ paymentId: request.paymentId, channelPaymentId: null })).status).toBe('not_found');
    expect(await adapter('card_a').void({ paymentId: request.paymentId, channelPaymentId: null })).toMatchObject({ status: 'closed', channelPaymentId: null });
    const retry = { ...request, paymentId: newId('pay') };
    expect(await adapter('card_b').createPayment(retry)).toMatchObject({ outcome: 'succeeded' });
    expect((await record('card_a', request.paymentId))?.actions.map((a) => `${a.kind}:${a.outcome}`)).toEqual(['charge:timeout', 'cancel:cancelled']);
  });

  it('a create arriving after a void by its reference is refused, as processing_error', async () => {
    const request = cardPayment(SANDBOX_CARDS.succeeds);
    await adapter().void({ paymentId: request.paymentId, channelPaymentId: null });
    expect(await adapter().createPayment(request)).toMatchObject({ outcome: 'declined', code: 'processing_error' });
    expect((await adapter().queryPayment({ paymentId: request.paymentId, channelPaymentId: null })).status).toBe('not_found');
  });

  it('0259: card_a captures and its answer is lost, then its first reversal too; a query finds it captured', async () => {
    const request = cardPayment(SANDBOX_CARDS.capturedThenLost);
    const ref = { paymentId: request.paymentId, channelPaymentId: null };
    await expect(impatient('card_a').createPayment(request)).rejects.toBeInstanceOf(ChannelTimeoutError);
    await expect(impatient('card_a').void(ref)).rejects.toBeInstanceOf(ChannelTimeoutError);
    expect(await adapter('card_a').queryPayment(ref)).toMatchObject({ status: 'succeeded', amount: 1999 });
    // card_b times out on it too, having done nothing.
    const atB = { ...request, paymentId: newId('pay') };
    await expect(impatient('card_b').createPayment(atB)).rejects.toBeInstanceOf(ChannelTimeoutError);
    expect((await adapter('card_b').queryPayment({ paymentId: atB.paymentId, channelPaymentId: null })).status).toBe('not_found');
    // A later reversal is answered (the acquirer recovered) and reverses the capture.
    expect(await adapter('card_a').void(ref)).toMatchObject({ status: 'closed' });
    expect((await adapter('card_a').queryPayment(ref)).status).toBe('closed');
  });

  it('0267: nothing is captured and the first reversal times out; the second is answered', async () => {
    const request = cardPayment(SANDBOX_CARDS.nothingThenLost);
    const ref = { paymentId: request.paymentId, channelPaymentId: null };
    await expect(impatient('card_a').createPayment(request)).rejects.toBeInstanceOf(ChannelTimeoutError);
    await expect(impatient('card_a').void(ref)).rejects.toBeInstanceOf(ChannelTimeoutError);
    expect((await adapter('card_a').queryPayment(ref)).status).toBe('not_found');
    expect(await adapter('card_a').void(ref)).toMatchObject({ status: 'closed' });
    expect((await record('card_a', request.paymentId))?.actions.map((a) => `${a.kind}:${a.outcome}`)).toEqual(['charge:timeout', 'cancel:timeout', 'cancel:cancelled']);
  });

  it('refunds once per refund id; "sandbox: refund answer lost" refunds but answers late, and the query finds it', async () => {
    const request = cardPayment(SANDBOX_CARDS.succeeds, { amount: 3000 });
    const created = (await adapter().createPayment(request)) as { channelPaymentId: string };
    const refund = { refundId: newId('rf'), paymentId: request.paymentId, channelPaymentId: created.channelPaymentId, amount: 1200, paymentAmount: 3000, currency: 'CNY' as const, callbackUrl: 'http://x' };
    expect(await adapter().queryRefund(refund)).toMatchObject({ status: 'not_found' });
    await expect(impatient().refund({ ...refund, reason: SANDBOX_REFUND_ANSWER_LOST })).rejects.toBeInstanceOf(ChannelTimeoutError);
    const found = await adapter().queryRefund(refund);
    expect(found).toEqual({ status: 'succeeded', refundId: refund.refundId, channelRefundId: expect.stringMatching(/^act_/) });
    // The same refund asked again gets the first refund's answer: still one refund of 1200 at the acquirer.
    expect(await adapter().refund({ ...refund, reason: SANDBOX_REFUND_ANSWER_LOST })).toEqual(found);
    const refunds = (await record('card_a', request.paymentId))?.actions.filter((a) => a.kind === 'refund');
    expect(refunds?.map((a) => a.amount)).toEqual([1200]);
  });
});

describe('card acquirer: authentication, signatures and idempotency', () => {
  it('a retried create with the same idempotency key replays the first answer: one charge at the acquirer', async () => {
    const request = cardPayment(SANDBOX_CARDS.succeeds);
    const first = await adapter().createPayment(request);
    const second = await adapter().createPayment(request);
    expect(second).toEqual(first);
    expect((await record('card_a', request.paymentId))?.actions.filter((a) => a.kind === 'charge')).toHaveLength(1);
  });

  it('sends the secret key as a bearer token, our reference and an idempotency key; no card data in any URL', async () => {
    const middle = await proxy(passThrough);
    try {
      const request = cardPayment(SANDBOX_CARDS.succeeds);
      const via = new CardAcquirerAdapter({ id: 'card_a', baseUrl: `${middle.url}/sandbox/channels/card_a`, credentials: keys.card_a.platform, timeoutMs: TIMEOUT_MS });
      expect(await via.createPayment(request)).toMatchObject({ outcome: 'succeeded' });
      const create = middle.seen[0]!;
      expect(create.headers.authorization).toBe(`Bearer ${keys.card_a.platform.secretKey}`);
      expect(create.headers['idempotency-key']).toBe(request.paymentId);
      expect(JSON.parse(create.body)).toMatchObject({ reference: request.paymentId, amount: 1999, currency: 'CNY', capture: true, metadata: { order_id: request.orderId } });
      expect(middle.seen.every((s) => !s.url.includes(SANDBOX_CARDS.succeeds))).toBe(true);
    } finally {
      await middle.close();
    }
  });

  it('refuses a wrong secret key (401, a definite refusal) and charges nothing', async () => {
    const wrong = { ...keys.card_a.platform, secretKey: keys.card_b.platform.secretKey };
    const request = cardPayment(SANDBOX_CARDS.succeeds);
    await expect(adapter('card_a', wrong).createPayment(request)).rejects.toBeInstanceOf(ChannelRejectedError);
    expect(await record('card_a', request.paymentId)).toBeUndefined();
  });

  it('an answer whose signature does not verify, or signed by an unknown key, is an unknown outcome, never success', async () => {
    const tampered = await proxy((answer) => ({ ...passThrough(answer), body: answer.body.replace('"Captured"', '"Authorized"') }));
    const unsigned = await proxy((answer) => ({ ...passThrough(answer), headers: { 'content-type': 'application/json' } }));
    try {
      for (const middle of [tampered, unsigned]) {
        const via = new CardAcquirerAdapter({ id: 'card_a', baseUrl: `${middle.url}/sandbox/channels/card_a`, credentials: keys.card_a.platform, timeoutMs: TIMEOUT_MS });
        await expect(via.createPayment(cardPayment(SANDBOX_CARDS.succeeds))).rejects.toBeInstanceOf(ChannelTimeoutError);
      }
      // card_b's signing key is not one card_a's credentials accept.
      const otherKeys = { ...keys.card_a.platform, answerKeys: keys.card_b.platform.answerKeys };
      await expect(adapter('card_a', otherKeys).createPayment(cardPayment(SANDBOX_CARDS.succeeds))).rejects.toBeInstanceOf(ChannelTimeoutError);
    } finally {
      await tampered.close();
      await unsigned.close();
    }
  });

  it('an answer signed for another request is not accepted (the signature covers our request id)', async () => {
    let kept: { body: string; signature: string } | undefined;
    const replaying = await proxy((answer) => {
      kept ??= { body: answer.body, signature: answer.headers.get('acquirer-signature') ?? '' };
      return { status: answer.status, body: kept.body, headers: { 'content-type': 'application/json', 'acquirer-signature': kept.signature } };
    });
    try {
      const via = new CardAcquirerAdapter({ id: 'card_a', baseUrl: `${replaying.url}/sandbox/channels/card_a`, credentials: keys.card_a.platform, timeoutMs: TIMEOUT_MS });
      expect(await via.createPayment(cardPayment(SANDBOX_CARDS.succeeds))).toMatchObject({ outcome: 'succeeded' });
      await expect(via.createPayment(cardPayment(SANDBOX_CARDS.declined))).rejects.toBeInstanceOf(ChannelTimeoutError);
    } finally {
      await replaying.close();
    }
  });

  it('a rotation: credentials listing the old and the new answer key accept answers under either', async () => {
    const rotated = { ...keys.card_a.platform, answerKeys: [...keys.card_b.platform.answerKeys, ...keys.card_a.platform.answerKeys] };
    expect(await adapter('card_a', rotated).createPayment(cardPayment(SANDBOX_CARDS.succeeds))).toMatchObject({ outcome: 'succeeded' });
  });

  it('an acquirer that does not answer, or answers 5xx, is an unknown outcome', async () => {
    await expect(adapter('card_a', keys.card_a.platform, 'http://127.0.0.1:9/sandbox/channels/card_a').createPayment(cardPayment(SANDBOX_CARDS.succeeds))).rejects.toBeInstanceOf(ChannelTimeoutError);
    const failing = await proxy(() => ({ status: 502, body: 'bad gateway', headers: {} }));
    try {
      const via = new CardAcquirerAdapter({ id: 'card_a', baseUrl: `${failing.url}/sandbox/channels/card_a`, credentials: keys.card_a.platform, timeoutMs: TIMEOUT_MS });
      await expect(via.queryPayment({ paymentId: newId('pay'), channelPaymentId: null })).rejects.toBeInstanceOf(ChannelTimeoutError);
    } finally {
      await failing.close();
    }
  });

  it('the same idempotency key with a different request is refused (422), not treated as the first', async () => {
    const request = cardPayment(SANDBOX_CARDS.succeeds);
    await adapter().createPayment(request);
    await expect(adapter().createPayment({ ...request, amount: 2000 })).rejects.toBeInstanceOf(ChannelRejectedError);
  });

  it('a key whose first call died mid-way answers 409 (outcome unknown) until it is old enough to be taken over', async () => {
    let nowMs = Date.now();
    const clocked = new CardAcquirerEmulator({ store, keys: keys.card_a.channel, channel: 'card_a', primary: true, now: () => new Date(nowMs) });
    const gateway = await serveEmulator('card_a', clocked);
    try {
      const via = new CardAcquirerAdapter({ id: 'card_a', baseUrl: baseUrl('card_a', gateway.url), credentials: keys.card_a.platform, timeoutMs: TIMEOUT_MS });
      const request = cardPayment(SANDBOX_CARDS.succeeds);
      // What a process killed after taking the key leaves behind: the key held, no answer kept, no payment.
      const hash = requestHash(keys.card_a.channel.fingerprintKey, '/payments', JSON.stringify(toPaymentBody({ ...request, card: request.card! })));
      await store.put('card_a', `idem#${request.paymentId}`, { hash, at: nowMs }, 0);
      await expect(via.createPayment(request)).rejects.toBeInstanceOf(ChannelTimeoutError);
      expect(await record('card_a', request.paymentId)).toBeUndefined();
      nowMs += 31_000;
      expect(await via.createPayment(request)).toMatchObject({ outcome: 'succeeded' });
      expect((await record('card_a', request.paymentId))?.actions.filter((a) => a.kind === 'charge')).toHaveLength(1);
    } finally {
      await gateway.close();
    }
  });
});

describe('card acquirer: stored credentials for agreements (tokenization, merchant-initiated debits, revocation)', () => {
  const signRequest = (number: string = SANDBOX_CARDS.succeeds) => ({
    agreementId: `agr_${newId('req').slice(4)}`, // our agreement id's shape
    merchantId: 'mer_1',
    currency: 'CNY' as const,
    card: { number, expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: '737' },
    callbackUrl: 'http://127.0.0.1:9/callbacks/card_a',
  });

  it('signs pending an OTP, a wrong OTP leaves it pending, 123456 activates it; debits with the token capture; the acquirer keeps no card number', async () => {
    const request = signRequest();
    const signed = await adapter().signAgreement(request);
    expect(signed).toEqual({ outcome: 'requires_action', channelAgreementId: expect.stringMatching(/^src_[0-9a-f]{24}$/), action: { type: 'otp' } });
    const ref = { agreementId: request.agreementId, channelAgreementId: (signed as { channelAgreementId: string }).channelAgreementId };
    // A retried sign (same agreement id) is the same instrument, not a second one.
    expect(await adapter().signAgreement(request)).toEqual(signed);
    expect(await adapter().confirmAgreement({ ...ref, otp: '000000' })).toMatchObject({ outcome: 'declined', code: 'authentication_failed' });
    const active = await adapter().confirmAgreement({ ...ref, otp: SANDBOX_OTP });
    expect(active).toEqual({ outcome: 'active', channelAgreementId: ref.channelAgreementId, token: ref.channelAgreementId, brand: 'visa', last4: '4242' });

    const debit = cardPayment(SANDBOX_CARDS.succeeds, { card: undefined, agreementToken: ref.channelAgreementId });
    expect(await adapter().createPayment(debit)).toEqual({ outcome: 'succeeded', channelPaymentId: expect.stringMatching(/^acq_/) });
    expect((await record('card_a', debit.paymentId))?.card).toMatchObject({ last4: '4242', scheme: 'visa' });
    // The request on the wire names the instrument as a merchant-initiated recurring payment, with no card.
    expect(toPaymentBody(debit)).toMatchObject({ source: { type: 'id', id: ref.channelAgreementId }, merchant_initiated: true, payment_type: 'Recurring' });
    const stored = JSON.stringify(await Promise.all(['instrument#', 'instrument-ref#', 'payment#', 'idem#'].map((prefix) => store.list('card_a', prefix))));
    expect(stored).toContain(ref.channelAgreementId);
    expect(stored).not.toContain(SANDBOX_CARDS.succeeds);
    expect(stored).not.toContain('"737"');
  });

  it('a revoked instrument declines every later debit; revocation is idempotent; a pending one cannot pay either', async () => {
    const request = signRequest();
    const signed = (await adapter().signAgreement(request)) as { channelAgreementId: string };
    const ref = { agreementId: request.agreementId, channelAgreementId: signed.channelAgreementId };
    const beforeOtp = await adapter().createPayment(cardPayment(SANDBOX_CARDS.succeeds, { card: undefined, agreementToken: ref.channelAgreementId }));
    expect(beforeOtp).toMatchObject({ outcome: 'declined', code: 'card_declined' });
    await adapter().confirmAgreement({ ...ref, otp: SANDBOX_OTP });
    expect(await adapter().terminateAgreement(ref)).toEqual({ outcome: 'terminated', channelAgreementId: ref.channelAgreementId });
    expect(await adapter().terminateAgreement(ref)).toEqual({ outcome: 'terminated', channelAgreementId: ref.channelAgreementId });
    const after = await adapter().createPayment(cardPayment(SANDBOX_CARDS.succeeds, { card: undefined, agreementToken: ref.channelAgreementId }));
    expect(after).toMatchObject({ outcome: 'declined', code: 'card_declined' });
  });

  it('0341 signs and activates, and every debit with its token is declined', async () => {
    const request = signRequest(SANDBOX_CARDS.agreementDebitsDeclined);
    const signed = (await adapter().signAgreement(request)) as { channelAgreementId: string };
    const active = await adapter().confirmAgreement({ agreementId: request.agreementId, channelAgreementId: signed.channelAgreementId, otp: SANDBOX_OTP });
    expect(active).toMatchObject({ outcome: 'active', last4: '0341' });
    const debit = await adapter().createPayment(cardPayment(SANDBOX_CARDS.succeeds, { card: undefined, agreementToken: signed.channelAgreementId }));
    expect(debit).toMatchObject({ outcome: 'declined', code: 'card_declined' });
  });
});
