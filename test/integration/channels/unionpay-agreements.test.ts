import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../shared/domain/ids.js';
import { SANDBOX_OTP } from '../../../shared/channels/sandbox-card.js';
import { UnionpayEmulator, UNIONPAY_SANDBOX_CARDS } from '../../../infra/local/sandbox/unionpay/unionpay-emulator.js';
import type { OpeningRecord } from '../../../infra/local/sandbox/unionpay/tokens.js';
import type { SandboxStore } from '../../../infra/local/sandbox/sandbox-store.js';
import { UnionpayAdapter } from '../../../shared/channels/unionpay/adapter.js';
import { generateSandboxUnionpayKeys } from '../../../shared/channels/unionpay/credentials.js';
import { decodeUnionpayForm } from '../../../shared/channels/unionpay/signature.js';
import type { AgreementChannelResult, CreatePaymentRequest } from '../../../shared/ports/channel-flows.js';
import { ChannelTimeoutError } from '../../../shared/ports/payment-channel.js';
import { freshSandboxStore, listen, serveEmulator, type Listening } from './harness.js';

/** UnionPay's token product (agreements) through the adapter against the sandbox gateway over real HTTP. */
let store: SandboxStore;
let keys: ReturnType<typeof generateSandboxUnionpayKeys>;
let emulator: UnionpayEmulator;
let gateway: Listening;
let baseUrl: string;

beforeAll(async () => {
  store = await freshSandboxStore();
  keys = generateSandboxUnionpayKeys();
  emulator = new UnionpayEmulator({ store, keys: keys.channel, timeScale: 1 });
  gateway = await serveEmulator('unionpay', emulator);
  baseUrl = `${gateway.url}/sandbox/channels/unionpay`;
});

afterAll(async () => {
  await gateway.close();
});

const adapter = (url = baseUrl) => new UnionpayAdapter({ id: 'unionpay', baseUrl: url, credentials: keys.platform });
const card = (number: string) => ({ number, expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: '737' });

async function sign(number: string = UNIONPAY_SANDBOX_CARDS.succeeds) {
  const agreementId = newId('agr');
  const result = await adapter().signAgreement({ agreementId, merchantId: 'mer_1', currency: 'CNY', card: card(number), callbackUrl: 'http://127.0.0.1:9/callbacks/unionpay' });
  expect(result).toMatchObject({ outcome: 'requires_action', action: { type: 'otp' } });
  return { agreementId, channelAgreementId: (result as { channelAgreementId: string }).channelAgreementId };
}

async function opened(number?: string) {
  const ref = await sign(number);
  const result = await adapter().confirmAgreement({ ...ref, otp: SANDBOX_OTP });
  expect(result.outcome).toBe('active');
  return { ...ref, token: (result as Extract<AgreementChannelResult, { outcome: 'active' }>).token };
}

function debit(token: string, amount = 1200): CreatePaymentRequest {
  return {
    paymentId: newId('pay'), orderId: newId('ord'), merchantId: 'mer_1', amount, currency: 'CNY', subject: 'Water bill',
    expiresAt: new Date(Date.now() + 60_000).toISOString(), capture: true, agreementToken: token, callbackUrl: 'http://127.0.0.1:9/callbacks/unionpay',
  };
}

async function openingsOf(agreementId: string): Promise<OpeningRecord[]> {
  const res = await fetch(`${baseUrl}/sandbox/tokens/${agreementId}`);
  return ((await res.json()) as { data: OpeningRecord[] }).data;
}

describe('unionpay agreements: the token product', () => {
  it('opens with the SMS code (a wrong one leaves it pending), debits with the token, deletes it, and then refuses it', async () => {
    const ref = await sign();
    expect(ref.channelAgreementId).toMatch(/^\d{21}$/);
    expect(await adapter().confirmAgreement({ ...ref, otp: '000000' })).toMatchObject({ outcome: 'declined', code: 'authentication_failed' });
    const active = await adapter().confirmAgreement({ ...ref, otp: SANDBOX_OTP });
    expect(active).toMatchObject({ outcome: 'active', channelAgreementId: ref.channelAgreementId, brand: 'unionpay', last4: '0005' });
    const token = (active as { token: string }).token;
    expect(token).toMatch(/^62\d{17}$/);
    // A repeated code answers the same token: the opening is made once.
    expect(await adapter().confirmAgreement({ ...ref, otp: SANDBOX_OTP })).toEqual(active);

    const first = debit(token, 1200);
    const charged = await adapter().createPayment(first);
    expect(charged).toMatchObject({ outcome: 'succeeded' });
    const channelPaymentId = (charged as { channelPaymentId: string }).channelPaymentId;
    expect(await adapter().queryPayment({ paymentId: first.paymentId, channelPaymentId })).toMatchObject({ status: 'succeeded', amount: 1200, currency: 'CNY' });
    expect(await adapter().refund({ refundId: newId('rf'), paymentId: first.paymentId, channelPaymentId, amount: 200, paymentAmount: 1200, currency: 'CNY', callbackUrl: 'http://127.0.0.1:9/x' })).toMatchObject({ status: 'succeeded' });

    expect(await adapter().terminateAgreement({ ...ref, token })).toEqual({ outcome: 'terminated', channelAgreementId: ref.channelAgreementId });
    expect(await adapter().terminateAgreement({ ...ref, token })).toEqual({ outcome: 'terminated', channelAgreementId: ref.channelAgreementId });
    expect(await adapter().createPayment(debit(token))).toMatchObject({ outcome: 'declined', code: 'card_declined' });
    expect(await openingsOf(ref.agreementId)).toEqual([expect.objectContaining({ status: 'deleted', last4: '0005', deletions: 2, token })]);
  });

  it('an opening deleted while it waits for its code can never be opened by the right code', async () => {
    const ref = await sign();
    expect(await adapter().terminateAgreement(ref)).toMatchObject({ outcome: 'terminated' });
    expect(await adapter().confirmAgreement({ ...ref, otp: SANDBOX_OTP })).toMatchObject({ outcome: 'terminated' });
    expect(await openingsOf(ref.agreementId)).toEqual([expect.objectContaining({ status: 'deleted', token: null })]);
  });

  it('sandbox card 6200000000000047 opens, and every debit with its token is declined', async () => {
    const { token } = await opened(UNIONPAY_SANDBOX_CARDS.declined);
    expect(await adapter().createPayment(debit(token))).toMatchObject({ outcome: 'declined', code: 'card_declined' });
  });

  it('a card that fails the checks is declined at signing and nothing is kept', async () => {
    const agreementId = newId('agr');
    const result = await adapter().signAgreement({ agreementId, merchantId: 'mer_1', currency: 'CNY', card: card('6200000000000006'), callbackUrl: 'http://127.0.0.1:9/x' });
    expect(result).toMatchObject({ outcome: 'declined', code: 'invalid_card_number' });
    expect(await openingsOf(agreementId)).toEqual([]);
  });

  it('the card travels only encrypted, once; the token messages carry the token, never the card', async () => {
    const bodies: string[] = [];
    const through = await listen(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      bodies.push(body);
      const upstream = await fetch(`${gateway.url}${req.url}`, { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? '' }).end(await upstream.text());
    });
    const viaProxy = adapter(`${through.url}/sandbox/channels/unionpay`);
    const agreementId = newId('agr');
    const signed = await viaProxy.signAgreement({ agreementId, merchantId: 'mer_1', currency: 'CNY', card: card(UNIONPAY_SANDBOX_CARDS.succeeds), callbackUrl: 'http://127.0.0.1:9/x' });
    const ref = { agreementId, channelAgreementId: (signed as { channelAgreementId: string }).channelAgreementId };
    const active = await viaProxy.confirmAgreement({ ...ref, otp: SANDBOX_OTP });
    await viaProxy.createPayment(debit((active as { token: string }).token));
    const sent = bodies.map((b) => decodeUnionpayForm(b)!);
    expect(sent.map((f) => `${f.txnType}/${f.txnSubType}/${f.bizType}`)).toEqual(['77/00/000902', '79/00/000902', '01/01/000902']);
    expect(bodies.join('\n')).not.toContain(UNIONPAY_SANDBOX_CARDS.succeeds);
    expect(bodies.join('\n')).not.toContain(SANDBOX_OTP);
    expect(sent[0]!.accNo).toMatch(/^[A-Za-z0-9+/=]{300,}$/);
    expect(sent.slice(1).every((f) => f.accNo === undefined)).toBe(true);
    expect(sent[2]!.tokenPayData).toContain(`token=${(active as { token: string }).token}`);
    const records = JSON.stringify(await store.list('unionpay', 'opening#'));
    expect(records).not.toContain(UNIONPAY_SANDBOX_CARDS.succeeds);
    expect(records).not.toMatch(/"(cvn2|cvc|customerInfo|accNo|expired|smsCode)":/i);
    await through.close();
  });

  it('the sandbox knob refuses the next deletion with a 503 (outcome unknown to the adapter); the one after goes through', async () => {
    const { token, ...ref } = await opened();
    const knob = await fetch(`${baseUrl}/sandbox/faults/token-deletion`, { method: 'POST', body: JSON.stringify({ times: 1 }) });
    expect(knob.status).toBe(204);
    await expect(adapter().terminateAgreement({ ...ref, token })).rejects.toThrow(ChannelTimeoutError);
    expect(await openingsOf(ref.agreementId)).toEqual([expect.objectContaining({ status: 'open', deletions: 0 })]);
    expect(await adapter().terminateAgreement({ ...ref, token })).toMatchObject({ outcome: 'terminated' });
    expect(await openingsOf(ref.agreementId)).toEqual([expect.objectContaining({ status: 'deleted', deletions: 1 })]);
  });
});
