import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { timerMessageId } from '../../shared/adapters/local/local-timers.js';
import { SANDBOX_OTP } from '../../shared/channels/sandbox-card.js';
import { agreementQueryKey } from '../../shared/services/agreement-sign-deadline.js';
import { createMerchant } from '../../shared/services/merchants.js';
import type { ApiClient } from '../support/api-client.js';
import { newCustomer, signCardAgreement } from '../support/card-agreements.js';
import { useTestRuntime } from '../support/runtime.js';
import { eventually } from '../support/webhook-receiver.js';

/**
 * The signing deadline of agreements over HTTP against the local runtime (docs/decisions.md, 238-240): a wallet sign
 * whose notice is lost is found by the janitor's contract query and activates the agreement as the notice would; an
 * agreement nobody signs is TERMINATED by the platform at its deadline (`signing_expired`); a wallet that does not
 * answer the query leaves the agreement PENDING, past the deadline too, until it answers.
 *
 * The first query comes a second after the create (PAY_JANITOR_AFTER_SECONDS=1); the deadline is 30 s away, and the
 * tests move the runtime's clock past it instead of waiting (the timers and services share that clock).
 */
const SIGN_WINDOW_SECONDS = 30;
let clockOffsetMs = 0;
const env = useTestRuntime({ janitorAfterSeconds: 1, agreementSignWindowSeconds: SIGN_WINDOW_SECONDS, retryTimeScale: 0.001, clock: () => Date.now() + clockOffsetMs });

/** Moves the runtime's clock on by `seconds` and has the timer poller look at once. */
function later(seconds: number): void {
  clockOffsetMs += seconds * 1000;
  env.runtime.timers.wake();
}

async function merchant(): Promise<ApiClient> {
  return env.api.as(await createMerchant(env.runtime.deps, { name: `Deadline ${randomBytes(3).toString('hex')}` }));
}

async function createWalletAgreement(client: ApiClient, method: string) {
  const created = await client.post('/v1/agreements', { outAgreementNo: `AG-${randomBytes(4).toString('hex')}`, customerId: await newCustomer(client), method, currency: 'CNY', maxAmountPerDebit: 3000 });
  expect(created.status).toBe(201);
  return created.body;
}

/** The sandbox payer signs in the wallet; `notify: false` loses the wallet's sign notice. */
const payerSigns = (channel: string, agreementId: string, body?: Record<string, unknown>) =>
  fetch(`${env.runtime.url}/sandbox/channels/${channel}/agreements/${agreementId}/sign`, {
    method: 'POST',
    ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });

const faultMode = (channel: string, mode: string) =>
  fetch(`${env.runtime.url}/sandbox/channels/${channel}/mode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode }) });

/** The sandbox wallet's own record of the contract (never read by the platform). */
async function atChannel(channel: string, agreementId: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${env.runtime.url}/sandbox/channels/${channel}/agreements/${agreementId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

const tokenAt = (channel: string, records: Record<string, unknown>) => records[channel === 'wechat_pay' ? 'contract_id' : 'agreementNo'];

async function agreementIn(client: ApiClient, id: string, status: string) {
  return eventually(async () => {
    const got = await client.get(`/v1/agreements/${id}`);
    return got.body.status === status ? got.body : undefined;
  }, 20_000, `agreement ${id} to be ${status}`);
}

/** The step of the agreement's pending query timer: how many queries have run and set the next one. */
async function queryStep(agreementId: string): Promise<number | undefined> {
  const message = (await env.runtime.timers.queue.all()).find((m) => m.messageId === timerMessageId(agreementQueryKey(agreementId)));
  return message ? (JSON.parse(message.body as string) as { payload: { step: number } }).payload.step : undefined;
}

const untilStep = (agreementId: string, step: number) =>
  eventually(async () => ((await queryStep(agreementId)) ?? -1) >= step || undefined, 20_000, `query step ${step} of ${agreementId}`);

async function eventTypes(client: ApiClient, agreementId: string): Promise<string[]> {
  const res = await client.get(`/v1/events?orderId=${agreementId}`);
  expect(res.status).toBe(200);
  return (res.body.data as Array<{ type: string }>).map((e) => e.type);
}

/** Raw callbacks the platform received about the agreement: none when the wallet's notice was lost. */
async function callbacksAbout(agreementId: string): Promise<number> {
  const db = createDocumentClient({ endpoint: env.runtime.dynamoEndpoint, region: 'local' });
  try {
    const out = await db.send(new ScanCommand({ TableName: env.runtime.config.TABLE_NAME, FilterExpression: 'entity = :e AND orderId = :a', ExpressionAttributeValues: { ':e': 'RawCallback', ':a': agreementId } }));
    return out.Items?.length ?? 0;
  } finally {
    db.destroy();
  }
}

describe.each(['wechat_pay', 'alipay'])('%s: a signing whose notice is lost', (channel) => {
  it('the payer signs, the notice never comes: the contract query makes it ACTIVE with agreement.activated, and a debit works', async () => {
    const client = await merchant();
    const agreement = await createWalletAgreement(client, channel);
    expect(agreement).toMatchObject({ status: 'PENDING', nextAction: { type: 'qr_code' } });
    expect(Date.parse(agreement.signExpiresAt) - Date.parse(agreement.createdAt)).toBe(SIGN_WINDOW_SECONDS * 1000);
    expect((await payerSigns(channel, agreement.id, { notify: false })).status).toBe(200);

    const active = await agreementIn(client, agreement.id, 'ACTIVE');
    expect(active).toMatchObject({ version: 2, nextAction: null, terminatedBy: null });
    expect(active.channelAgreementId).toBe(tokenAt(channel, await atChannel(channel, agreement.id)));
    expect(await eventTypes(client, agreement.id)).toEqual(['agreement.activated']);
    // Nothing came from the wallet: the query alone settled it.
    expect(await callbacksAbout(agreement.id)).toBe(0);

    const order = await client.createOrder({ amount: 1500 });
    const paid = await client.post(`/v1/orders/${order.id}/pay`, { method: 'agreement', agreementId: agreement.id });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ status: 'SUCCEEDED', amountCaptured: 1500, payment: { method: 'agreement', channel } });
  });

  it('the wallet does not answer the query: PENDING, past the deadline too, until it answers; then ACTIVE', async () => {
    const client = await merchant();
    const agreement = await createWalletAgreement(client, channel);
    expect((await faultMode(channel, 'error')).status).toBe(200);
    try {
      expect((await payerSigns(channel, agreement.id, { notify: false })).status).toBe(200);
      await untilStep(agreement.id, 1);
      later(SIGN_WINDOW_SECONDS + 1);
      // A query past the deadline failed too: no answer is not "nothing signed", so nothing is given up.
      await untilStep(agreement.id, 2);
      expect((await client.get(`/v1/agreements/${agreement.id}`)).body).toMatchObject({ status: 'PENDING', version: 1 });
    } finally {
      await faultMode(channel, 'normal');
    }
    later(60);
    const active = await agreementIn(client, agreement.id, 'ACTIVE');
    expect(active.channelAgreementId).toBe(tokenAt(channel, await atChannel(channel, agreement.id)));
    expect(await eventTypes(client, agreement.id)).toEqual(['agreement.activated']);
  });

  it('nobody signs: still PENDING after the first queries, TERMINATED by the platform at its deadline; a debit is 409; a late signing is revoked at the wallet', async () => {
    const client = await merchant();
    const agreement = await createWalletAgreement(client, channel);
    await untilStep(agreement.id, 1);
    expect((await client.get(`/v1/agreements/${agreement.id}`)).body).toMatchObject({ status: 'PENDING', version: 1 });

    later(SIGN_WINDOW_SECONDS + 1);
    const ended = await agreementIn(client, agreement.id, 'TERMINATED');
    expect(ended).toMatchObject({ terminatedBy: 'platform', failureCode: 'signing_expired', nextAction: null, signExpiresAt: agreement.signExpiresAt });
    expect(await eventTypes(client, agreement.id)).toEqual(['agreement.terminated']);
    const order = await client.createOrder({ amount: 100 });
    const refused = await client.post(`/v1/orders/${order.id}/pay`, { method: 'agreement', agreementId: agreement.id });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('agreement_not_active');

    // The payer scans the old code anyway: the wallet signs, notifies, and the platform revokes the contract there.
    expect((await payerSigns(channel, agreement.id)).status).toBe(200);
    const revoked = await eventually(async () => {
      const records = await atChannel(channel, agreement.id);
      return (channel === 'wechat_pay' ? records.contract_state === 'TERMINATED' : records.status === 'UNSIGN') ? records : undefined;
    }, 20_000, 'the late signing to be revoked at the wallet');
    expect(revoked).toBeDefined();
    expect((await client.get(`/v1/agreements/${agreement.id}`)).body).toMatchObject({ status: 'TERMINATED', terminatedBy: 'platform' });
  });
});

describe('a card agreement whose OTP never comes', () => {
  it('is TERMINATED by the platform at its deadline (nothing to ask: the challenge is ours); the right OTP afterwards is 409', async () => {
    const client = await merchant();
    const created = await signCardAgreement(client);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'PENDING', nextAction: { type: 'otp' } });

    later(SIGN_WINDOW_SECONDS + 1);
    const ended = await agreementIn(client, created.body.id, 'TERMINATED');
    expect(ended).toMatchObject({ terminatedBy: 'platform', failureCode: 'signing_expired' });
    expect(await eventTypes(client, created.body.id)).toEqual(['agreement.terminated']);
    const late = await client.post(`/v1/agreements/${created.body.id}/confirm`, { otp: SANDBOX_OTP });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('agreement_not_confirmable');
  });
});
