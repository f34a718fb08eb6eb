import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { OpeningRecord } from '../../infra/local/sandbox/unionpay/tokens.js';
import { UNIONPAY_SANDBOX_CARDS } from '../../infra/local/sandbox/unionpay/unionpay-emulator.js';
import { SANDBOX_OTP } from '../../shared/channels/sandbox-card.js';
import { AGREEMENT_OTP_ATTEMPTS } from '../../shared/services/agreement-confirm.js';
import { createMerchant } from '../../shared/services/merchants.js';
import type { ApiClient } from '../support/api-client.js';
import { sandboxCard, signCardAgreement } from '../support/card-agreements.js';
import { useTestRuntime } from '../support/runtime.js';
import { useWebhookReceivers } from '../support/use-webhook-receivers.js';
import { eventually } from '../support/webhook-receiver.js';

/**
 * UnionPay agreements (the token product), the OTP lockout of a signing, and the janitor's retry of a revocation the
 * channel refused, over HTTP against the local runtime and its sandbox UnionPay gateway (docs/decisions.md, 135-138).
 * The janitor's first retry comes a second after the failure (janitorAfterSeconds: 1).
 */

const env = useTestRuntime({ janitorAfterSeconds: 1 });
const receiver = useWebhookReceivers();

async function merchant(): Promise<ApiClient> {
  return env.api.as(await createMerchant(env.runtime.deps, { name: `Utility ${randomBytes(3).toString('hex')}` }));
}

function signUnionpay(api: ApiClient, overrides: Record<string, unknown> = {}) {
  return signCardAgreement(api, { method: 'unionpay', card: sandboxCard(UNIONPAY_SANDBOX_CARDS.succeeds), ...overrides });
}

/** The openings the sandbox gateway keeps for an agreement (its own records, read over its sandbox route). */
async function openings(agreementId: string): Promise<OpeningRecord[]> {
  const res = await fetch(`${env.runtime.url}/sandbox/channels/unionpay/sandbox/tokens/${agreementId}`);
  return ((await res.json()) as { data: OpeningRecord[] }).data;
}

const confirm = (api: ApiClient, id: string, otp: string) => api.post(`/v1/agreements/${id}/confirm`, { otp });

describe('unionpay agreements', () => {
  it('signs with the SMS code (PENDING → ACTIVE with token, brand and last4), debits twice with the token, terminates and is revoked at UnionPay', async () => {
    const api = await merchant();
    const pending = await signUnionpay(api);
    expect(pending.status).toBe(201);
    expect(pending.body).toMatchObject({ status: 'PENDING', method: 'unionpay', channel: 'unionpay', nextAction: { type: 'otp' }, brand: null, last4: null });
    expect(JSON.stringify(pending.body)).not.toContain(UNIONPAY_SANDBOX_CARDS.succeeds);
    expect(await openings(pending.body.id)).toEqual([expect.objectContaining({ status: 'sms_sent', last4: '0005' })]);

    const active = await confirm(api, pending.body.id, SANDBOX_OTP);
    expect(active.status).toBe(200);
    expect(active.body).toMatchObject({ status: 'ACTIVE', brand: 'unionpay', last4: '0005', nextAction: null, version: 2 });
    expect(active.body.channelAgreementId).toMatch(/^62\d{17}$/);
    expect(JSON.stringify(active.body)).not.toContain(UNIONPAY_SANDBOX_CARDS.succeeds);

    for (const amount of [1200, 5000]) {
      const order = await api.createOrder({ amount });
      const paid = await api.post(`/v1/orders/${order.id}/pay`, { method: 'agreement', agreementId: pending.body.id });
      expect(paid.status).toBe(200);
      expect(paid.body).toMatchObject({ status: 'SUCCEEDED', amountCaptured: amount, payment: { method: 'agreement', channel: 'unionpay', card: null } });
      expect(paid.body.payment.channelPaymentId).toMatch(/^\d{21}$/);
    }

    const terminated = await api.post(`/v1/agreements/${pending.body.id}/terminate`, {});
    expect(terminated.status).toBe(200);
    expect(terminated.body).toMatchObject({ status: 'TERMINATED', terminatedBy: 'merchant', failureCode: null });
    expect(terminated.body.revokedAtChannelAt).toEqual(expect.any(String));
    expect(await openings(pending.body.id)).toEqual([expect.objectContaining({ status: 'deleted', token: active.body.channelAgreementId, deletions: 1 })]);
    const late = await api.createOrder({ amount: 100 });
    const refused = await api.post(`/v1/orders/${late.id}/pay`, { method: 'agreement', agreementId: pending.body.id });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('agreement_not_active');
  });

  it('a debit of sandbox card 6200000000000047 is declined 402 and the order stays payable', async () => {
    const api = await merchant();
    const pending = await signUnionpay(api, { card: sandboxCard(UNIONPAY_SANDBOX_CARDS.declined) });
    expect((await confirm(api, pending.body.id, SANDBOX_OTP)).body.status).toBe('ACTIVE');
    const order = await api.createOrder({ amount: 900 });
    const declined = await api.post(`/v1/orders/${order.id}/pay`, { method: 'agreement', agreementId: pending.body.id });
    expect(declined.status).toBe(402);
    expect(declined.body.error.code).toBe('card_declined');
    expect((await api.get(`/v1/orders/${order.id}`)).body.status).toBe('CREATED');
  });
});

describe('the OTP lockout of a signing', () => {
  it.each([
    ['card', () => ({})],
    ['unionpay', () => ({ method: 'unionpay', card: sandboxCard(UNIONPAY_SANDBOX_CARDS.succeeds) })],
  ])(`%s: ${AGREEMENT_OTP_ATTEMPTS} wrong codes give the signing up (TERMINATED by the platform, revoked at the channel, agreement.terminated); the next confirm is 409`, async (method, fields) => {
    const api = await merchant();
    const hooks = await receiver();
    const pending = await signCardAgreement(api, { ...fields(), notifyUrl: hooks.url });
    for (let attempt = 1; attempt < AGREEMENT_OTP_ATTEMPTS; attempt += 1) {
      const wrong = await confirm(api, pending.body.id, '000000');
      expect(wrong.status).toBe(402);
      expect(wrong.body.error.code).toBe('authentication_failed');
      expect((await api.get(`/v1/agreements/${pending.body.id}`)).body.status).toBe('PENDING');
    }
    const last = await confirm(api, pending.body.id, '000000');
    expect(last.status).toBe(402);
    expect(last.body.error).toMatchObject({ code: 'authentication_failed', message: expect.stringContaining('TERMINATED') });
    const ended = (await api.get(`/v1/agreements/${pending.body.id}`)).body;
    expect(ended).toMatchObject({ status: 'TERMINATED', terminatedBy: 'platform', failureCode: 'authentication_failed', nextAction: null, channelAgreementId: pending.body.channelAgreementId });
    expect(ended.revokedAtChannelAt).toEqual(expect.any(String));
    // The right code now changes nothing: the signing is over.
    const after = await confirm(api, pending.body.id, SANDBOX_OTP);
    expect(after.status).toBe(409);
    expect(after.body.error.code).toBe('agreement_not_confirmable');
    expect((await api.get(`/v1/agreements/${pending.body.id}`)).body).toMatchObject({ status: 'TERMINATED', last4: null, brand: null });
    if (method === 'unionpay') {
      expect(await openings(pending.body.id)).toEqual([expect.objectContaining({ status: 'deleted', token: null, wrongCodes: AGREEMENT_OTP_ATTEMPTS })]);
    }
    const event = await eventually(() => hooks.received.find((r) => JSON.parse(r.rawBody).type === 'agreement.terminated'));
    expect(JSON.parse(event.rawBody).data.object).toMatchObject({ id: pending.body.id, status: 'TERMINATED', terminatedBy: 'platform', failureCode: 'authentication_failed' });
  });

  it(`concurrent wrong codes: exactly ${AGREEMENT_OTP_ATTEMPTS} reach UnionPay (402), the others are refused before it (409)`, async () => {
    const api = await merchant();
    const pending = await signUnionpay(api);
    const answers = await Promise.all(Array.from({ length: 8 }, () => confirm(api, pending.body.id, '000000')));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([...Array(AGREEMENT_OTP_ATTEMPTS).fill(402), ...Array(8 - AGREEMENT_OTP_ATTEMPTS).fill(409)]);
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.error.code === 'agreement_not_confirmable')).toBe(true);
    expect((await api.get(`/v1/agreements/${pending.body.id}`)).body).toMatchObject({ status: 'TERMINATED', terminatedBy: 'platform' });
    expect(await openings(pending.body.id)).toEqual([expect.objectContaining({ wrongCodes: AGREEMENT_OTP_ATTEMPTS, status: 'deleted' })]);
  });

  it('through the hosted checkout page: the last wrong code ends the signing and the page shows it closed', async () => {
    const api = await merchant();
    const pending = await signCardAgreement(api);
    const url: string = pending.body.nextAction.url;
    const form = (otp: string) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ otp }).toString(), redirect: 'manual' as const });
    for (let attempt = 1; attempt <= AGREEMENT_OTP_ATTEMPTS; attempt += 1) {
      const wrong = await fetch(`${url}/otp`, form('000000'));
      expect(wrong.status).toBe(303);
      expect(wrong.headers.get('location')).toContain('error=authentication_failed');
    }
    expect((await api.get(`/v1/agreements/${pending.body.id}`)).body).toMatchObject({ status: 'TERMINATED', terminatedBy: 'platform', failureCode: 'authentication_failed' });
    expect(await (await fetch(`${url}/status`)).json()).toMatchObject({ state: 'closed' });
    await fetch(`${url}/otp`, form(SANDBOX_OTP));
    expect((await api.get(`/v1/agreements/${pending.body.id}`)).body.status).toBe('TERMINATED');
  });
});

describe("the janitor's retry of a revocation", () => {
  it('a revocation UnionPay refuses (503 once) leaves the agreement TERMINATED with revokedAtChannelAt null; its timer revokes it', async () => {
    const api = await merchant();
    const pending = await signUnionpay(api);
    const active = await confirm(api, pending.body.id, SANDBOX_OTP);
    const knob = await fetch(`${env.runtime.url}/sandbox/channels/unionpay/sandbox/faults/token-deletion`, { method: 'POST', body: JSON.stringify({ times: 1 }) });
    expect(knob.status).toBe(204);

    const terminated = await api.post(`/v1/agreements/${pending.body.id}/terminate`, {});
    expect(terminated.status).toBe(200);
    expect(terminated.body).toMatchObject({ status: 'TERMINATED', terminatedBy: 'merchant', revokedAtChannelAt: null, version: 3 });
    expect(await openings(pending.body.id)).toEqual([expect.objectContaining({ status: 'open', deletions: 0 })]);
    // No debit can start meanwhile: the platform's own status refuses it.
    const order = await api.createOrder({ amount: 100 });
    expect((await api.post(`/v1/orders/${order.id}/pay`, { method: 'agreement', agreementId: pending.body.id })).status).toBe(409);

    const revoked = await eventually(async () => {
      const current = (await api.get(`/v1/agreements/${pending.body.id}`)).body;
      return current.revokedAtChannelAt ? current : undefined;
    }, 60_000, 'the revocation timer');
    expect(revoked).toMatchObject({ status: 'TERMINATED', version: 4 });
    expect(await openings(pending.body.id)).toEqual([expect.objectContaining({ status: 'deleted', token: active.body.channelAgreementId, deletions: 1 })]);
    // Terminating again answers it as it is: nothing left to revoke.
    expect((await api.post(`/v1/agreements/${pending.body.id}/terminate`, {})).body).toMatchObject({ version: 4, revokedAtChannelAt: revoked.revokedAtChannelAt });
  });
});
