import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SANDBOX_CARDS, SANDBOX_OTP } from '../../shared/channels/sandbox-card.js';
import { createMerchant } from '../../shared/services/merchants.js';
import { acquirerActivity } from '../support/acquirer.js';
import type { ApiClient } from '../support/api-client.js';
import { useTestRuntime } from '../support/runtime.js';
import { useWebhookReceivers } from '../support/use-webhook-receivers.js';
import { eventually } from '../support/webhook-receiver.js';

/**
 * Agreements and recurring debits over HTTP against the local runtime (contract, "Agreements and recurring
 * debits"): a card agreement signed with the payer's OTP at the sandbox card acquirer (tokenization), debits without
 * card or OTP as merchant-initiated payments with the token, refusals before any channel call, termination here and
 * at the acquirer, and the agreement's webhooks. Each test uses a merchant of its own.
 */

const env = useTestRuntime();
const receiver = useWebhookReceivers();
const card = (number: string = SANDBOX_CARDS.succeeds) => ({ number, expMonth: 12, expYear: 2030, cvc: '123' });

async function merchant(): Promise<ApiClient> {
  return env.api.as(await createMerchant(env.runtime.deps, { name: `Utility ${randomBytes(3).toString('hex')}` }));
}

async function customerOf(api: ApiClient): Promise<string> {
  const res = await api.post('/v1/customers', { outCustomerNo: `u-${randomBytes(4).toString('hex')}`, name: 'Han Meimei' });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function sign(api: ApiClient, overrides: Record<string, unknown> = {}) {
  const customerId = await customerOf(api);
  const res = await api.post('/v1/agreements', {
    outAgreementNo: `AG-${randomBytes(4).toString('hex')}`,
    customerId,
    method: 'card',
    card: card(),
    currency: 'CNY',
    maxAmountPerDebit: 5000,
    ...overrides,
  });
  return res;
}

/** A signed and confirmed (ACTIVE) card agreement. */
async function activeAgreement(api: ApiClient, overrides: Record<string, unknown> = {}) {
  const pending = await sign(api, overrides);
  expect(pending.status).toBe(201);
  const confirmed = await api.post(`/v1/agreements/${pending.body.id}/confirm`, { otp: SANDBOX_OTP });
  expect(confirmed.status).toBe(200);
  return confirmed.body;
}

function debit(api: ApiClient, orderId: string, agreementId: string) {
  return api.post(`/v1/orders/${orderId}/pay`, { method: 'agreement', agreementId });
}

describe('agreements', () => {
  it('signs by OTP (PENDING → ACTIVE with token, brand and last4, never the card), debits twice, terminates, then refuses a debit 409', async () => {
    const api = await merchant();
    const pending = await sign(api);
    expect(pending.status).toBe(201);
    expect(pending.body).toMatchObject({ object: 'agreement', status: 'PENDING', method: 'card', channel: 'card_a', nextAction: { type: 'otp' }, brand: null, last4: null });
    expect(pending.body.id).toMatch(/^agr_[0-9a-z]{26}$/);
    expect(JSON.stringify(pending.body)).not.toContain(SANDBOX_CARDS.succeeds);

    const active = await api.post(`/v1/agreements/${pending.body.id}/confirm`, { otp: SANDBOX_OTP });
    expect(active.status).toBe(200);
    expect(active.body).toMatchObject({ status: 'ACTIVE', brand: 'visa', last4: '4242', nextAction: null, version: 2 });
    expect(active.body.channelAgreementId).toMatch(/^src_/);
    expect(JSON.stringify(active.body)).not.toContain(SANDBOX_CARDS.succeeds);
    expect((await api.get(`/v1/agreements/${pending.body.id}`)).body).toEqual(active.body);
    const listed = await api.get(`/v1/agreements?customerId=${pending.body.customerId}`);
    expect(listed.body.data.map((a: { id: string }) => a.id)).toEqual([pending.body.id]);

    const debits = [];
    for (const amount of [1200, 5000]) {
      const order = await api.createOrder({ amount });
      const paid = await debit(api, order.id, active.body.id);
      expect(paid.status).toBe(200);
      expect(paid.body).toMatchObject({ status: 'SUCCEEDED', amountCaptured: amount, payment: { method: 'agreement', channel: 'card_a', card: null } });
      debits.push(paid.body.payment.id as string);
    }
    // At the acquirer: two merchant-initiated charges with the stored credential, each captured.
    const atAcquirer = await acquirerActivity(env.runtime, { paymentIds: debits });
    expect(atAcquirer.map((e) => `${e.kind}:${e.outcome}:${e.amount}`)).toEqual(['charge:succeeded:1200', 'charge:succeeded:5000']);

    const terminated = await api.post(`/v1/agreements/${active.body.id}/terminate`, {});
    expect(terminated.status).toBe(200);
    // Version 3 is the termination (its event's); 4 records the acquirer's confirmation of the revocation.
    expect(terminated.body).toMatchObject({ status: 'TERMINATED', terminatedBy: 'merchant', version: 4, revokedAtChannelAt: expect.any(String) });
    const late = await api.createOrder({ amount: 100 });
    const refused = await debit(api, late.id, active.body.id);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('agreement_not_active');
    expect((await api.get(`/v1/orders/${late.id}`)).body.status).toBe('CREATED');
    expect(await acquirerActivity(env.runtime, { orderId: late.id })).toEqual([]);
    // Terminating again answers it as it is: the revocation is confirmed, nothing is owed to the acquirer.
    const again = await api.post(`/v1/agreements/${active.body.id}/terminate`, {});
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(4);
  });

  it('refuses before any channel call: above maxAmountPerDebit 402, another currency 400, a PENDING agreement 409', async () => {
    const api = await merchant();
    const agreement = await activeAgreement(api, { maxAmountPerDebit: 1000 });
    const tooMuch = await api.createOrder({ amount: 1001 });
    const limit = await debit(api, tooMuch.id, agreement.id);
    expect(limit.status).toBe(402);
    expect(limit.body.error.code).toBe('agreement_limit_exceeded');
    const usd = await api.createOrder({ amount: 500, currency: 'USD' });
    const currency = await debit(api, usd.id, agreement.id);
    expect(currency.status).toBe(400);
    expect(currency.body.error).toMatchObject({ code: 'currency_mismatch', param: 'currency' });
    const pending = await sign(api);
    const notYet = await api.createOrder({ amount: 100 });
    const inactive = await debit(api, notYet.id, pending.body.id);
    expect(inactive.status).toBe(409);
    expect(inactive.body.error.code).toBe('agreement_not_active');
    for (const order of [tooMuch, usd, notYet]) {
      expect((await api.get(`/v1/orders/${order.id}`)).body.status).toBe('CREATED');
      expect(await acquirerActivity(env.runtime, { orderId: order.id })).toEqual([]);
    }
  });

  it('a wrong OTP is 402 authentication_failed and leaves the agreement PENDING; the right one then activates it', async () => {
    const api = await merchant();
    const pending = await sign(api);
    const wrong = await api.post(`/v1/agreements/${pending.body.id}/confirm`, { otp: '000000' });
    expect(wrong.status).toBe(402);
    expect(wrong.body.error.code).toBe('authentication_failed');
    expect((await api.get(`/v1/agreements/${pending.body.id}`)).body.status).toBe('PENDING');
    const right = await api.post(`/v1/agreements/${pending.body.id}/confirm`, { otp: SANDBOX_OTP });
    expect(right.body.status).toBe('ACTIVE');
    const twice = await api.post(`/v1/agreements/${pending.body.id}/confirm`, { otp: SANDBOX_OTP });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('agreement_not_confirmable');
  });

  it("another merchant's agreement is 404 everywhere, and it cannot debit with it", async () => {
    const owner = await merchant();
    const other = await merchant();
    const agreement = await activeAgreement(owner);
    for (const res of [
      await other.get(`/v1/agreements/${agreement.id}`),
      await other.post(`/v1/agreements/${agreement.id}/confirm`, { otp: SANDBOX_OTP }),
      await other.post(`/v1/agreements/${agreement.id}/terminate`, {}),
      await debit(other, (await other.createOrder({ amount: 100 })).id, agreement.id),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('resource_missing');
    }
    // Nor can it sign one for the owner's customer.
    const foreign = await other.post('/v1/agreements', { outAgreementNo: 'AG-x', customerId: agreement.customerId, method: 'card', card: card(), currency: 'CNY', maxAmountPerDebit: 100 });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.param).toBe('customerId');
  });

  it('validates the request: a card required for card and UnionPay agreements, outAgreementNo unique (409 naming the first)', async () => {
    const api = await merchant();
    // Wallet agreements sign by QR code (test/e2e/wallet-agreements.test.ts), UnionPay ones as here (test/e2e/agreement-signing.test.ts).
    for (const method of ['card', 'unionpay']) {
      expect((await sign(api, { method, card: undefined })).body.error).toMatchObject({ code: 'parameter_missing', param: 'card' });
    }
    expect((await sign(api, { card: card('4242424242424241') })).body.error.code).toBe('invalid_card_number');
    const first = await sign(api, { outAgreementNo: 'AG-dup' });
    const second = await sign(api, { outAgreementNo: 'AG-dup' });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'duplicate_out_agreement_no', agreementId: first.body.id });
    const order = await api.createOrder({ amount: 100 });
    expect((await api.post(`/v1/orders/${order.id}/pay`, { method: 'agreement' })).body.error).toMatchObject({ code: 'parameter_missing', param: 'agreementId' });
  });

  it('sandbox card 0341 signs, and every debit through it is declined 402 card_declined; the order stays CREATED', async () => {
    const api = await merchant();
    const agreement = await activeAgreement(api, { card: card(SANDBOX_CARDS.agreementDebitsDeclined) });
    expect(agreement).toMatchObject({ status: 'ACTIVE', last4: '0341' });
    const order = await api.createOrder({ amount: 300 });
    const declined = await debit(api, order.id, agreement.id);
    expect(declined.status).toBe(402);
    expect(declined.body.error.code).toBe('card_declined');
    expect((await api.get(`/v1/orders/${order.id}`)).body).toMatchObject({ status: 'CREATED', lastPaymentError: { code: 'card_declined' } });
  });

  it('concurrent terminate and debit: the debit either committed before the termination and succeeded, or is refused 409 with nothing at the acquirer', async () => {
    const api = await merchant();
    const outcomes: string[] = [];
    for (let round = 0; round < 4; round += 1) {
      const agreement = await activeAgreement(api);
      const order = await api.createOrder({ amount: 700 });
      const [paid, terminated] = await Promise.all([debit(api, order.id, agreement.id), api.post(`/v1/agreements/${agreement.id}/terminate`, {})]);
      expect(terminated.status).toBe(200);
      const charges = await acquirerActivity(env.runtime, { orderId: order.id });
      if (paid.status === 200) {
        expect(paid.body.status).toBe('SUCCEEDED');
        expect(charges.map((e) => e.outcome)).toEqual(['succeeded']);
      } else if (paid.status === 409) {
        expect(paid.body.error.code).toBe('agreement_not_active');
        expect(charges).toEqual([]);
      } else {
        // Claimed before the termination, but the revocation reached the acquirer before the charge: declined there.
        expect(paid.status).toBe(402);
        expect(charges.map((e) => e.outcome)).toEqual(['declined']);
        expect((await api.get(`/v1/orders/${order.id}`)).body.status).toBe('CREATED');
      }
      outcomes.push(String(paid.status));
    }
    expect(outcomes).toHaveLength(4);
  });

  it("the hosted checkout page signs it: the merchant, the limit per debit and the OTP form; a wrong code says so, the right one activates it", async () => {
    const api = await merchant();
    const pending = await sign(api, { maxAmountPerDebit: 8800 });
    const url: string = pending.body.nextAction.url;
    expect(url).toMatch(new RegExp(`^${env.runtime.url}/checkout/[A-Za-z0-9_-]{43}$`));
    const page = await (await fetch(url)).text();
    expect(page).toContain('id="otp-form"');
    expect(page).toContain('Authorize recurring debits');
    expect(page).toMatch(/88\.00/);
    const form = (otp: string) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ otp }).toString(), redirect: 'manual' as const });
    const wrong = await fetch(`${url}/otp`, form('000000'));
    expect(wrong.status).toBe(303);
    expect(new URL(wrong.headers.get('location')!, `${url}/otp`).toString()).toBe(`${url}?error=authentication_failed`);
    expect((await api.get(`/v1/agreements/${pending.body.id}`)).body.status).toBe('PENDING');
    const right = await fetch(`${url}/otp`, form(SANDBOX_OTP));
    expect(right.status).toBe(303);
    expect((await api.get(`/v1/agreements/${pending.body.id}`)).body).toMatchObject({ status: 'ACTIVE', last4: '4242' });
    expect(await (await fetch(`${url}/status`)).json()).toMatchObject({ state: 'succeeded' });
    expect(await (await fetch(url)).text()).toContain('Agreement signed');
  });

  it("sends agreement.activated and agreement.terminated, signed, to the agreement's notifyUrl", async () => {
    const api = await merchant();
    const hooks = await receiver();
    const agreement = await activeAgreement(api, { notifyUrl: hooks.url });
    await api.post(`/v1/agreements/${agreement.id}/terminate`, {});
    const received = await eventually(() => (hooks.received.length >= 2 ? hooks.received : undefined));
    const bodies = received.map((r) => JSON.parse(r.rawBody));
    expect(bodies.map((b) => b.type).sort()).toEqual(['agreement.activated', 'agreement.terminated']);
    expect(bodies.map((b) => [b.data.object.id, b.data.object.version, b.data.object.status]).sort()).toEqual([
      [agreement.id, 2, 'ACTIVE'],
      [agreement.id, 3, 'TERMINATED'],
    ]);
    expect(received.every((r) => typeof r.headers['x-signature'] === 'string' && r.headers['x-key-id'])).toBe(true);
  });
});
