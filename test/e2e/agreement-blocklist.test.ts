import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { blocklistKey } from '../../shared/domain/risk.js';
import { createMerchant } from '../../shared/services/merchants.js';
import { SandboxStore } from '../../infra/local/sandbox/sandbox-store.js';
import type { InstrumentRecord } from '../../infra/local/sandbox/card-acquirer/instruments.js';
import { acquirerActivity } from '../support/acquirer.js';
import type { ApiClient } from '../support/api-client.js';
import { activeCardAgreement, newCustomer, sandboxCard, signCardAgreement } from '../support/card-agreements.js';
import { useTestRuntime } from '../support/runtime.js';

/**
 * The blocklist at an agreement's signing and at its debits (docs/decisions.md, 145-146), over HTTP against the local
 * runtime: refused 403 `risk_blocked` as a pay's risk step refuses, before any channel call, with nothing stored.
 * Each test blocks a card or a payer of its own; what reached the card acquirer is read from its own records.
 */

const env = useTestRuntime();

async function merchant(): Promise<ApiClient> {
  return env.api.as(await createMerchant(env.runtime.deps, { name: `Utility ${randomBytes(3).toString('hex')}` }));
}

/** The platform's fingerprint of a card, as a paid order shows it. */
async function fingerprintOf(api: ApiClient, number: string): Promise<string> {
  const order = await api.createOrder({ amount: 100 });
  const paid = await api.pay(order.id, number);
  expect(paid.status).toBe(200);
  return paid.body.payment.card.fingerprint;
}

/** The card acquirers' stored credentials for cards ending in last4, from the sandbox's own table. */
async function instrumentsAtAcquirers(last4: string): Promise<InstrumentRecord[]> {
  const store = new SandboxStore(createDocumentClient({ endpoint: env.runtime.dynamoEndpoint, region: 'local' }), `${env.runtime.config.TABLE_NAME}-sandbox`);
  const records = await Promise.all(['card_a', 'card_b'].map((channel) => store.list<InstrumentRecord>(channel, 'instrument#')));
  return records.flat().map((r) => r.value).filter((i) => i.last4 === last4);
}

function debit(api: ApiClient, orderId: string, agreementId: string) {
  return api.post(`/v1/orders/${orderId}/pay`, { method: 'agreement', agreementId });
}

describe('blocklist at signing', () => {
  it('refuses a blocklisted card 403 risk_blocked: no agreement, no outAgreementNo claim, nothing at the acquirer', async () => {
    const api = await merchant();
    const number = '5555555555554444';
    await env.runtime.deps.blocklist.add(blocklistKey('card_fingerprint', await fingerprintOf(api, number)), 'test');

    const customerId = await newCustomer(api);
    const refused = await signCardAgreement(api, { outAgreementNo: 'AG-BLOCKED', customerId, card: sandboxCard(number) });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ type: 'permission', code: 'risk_blocked', requestId: expect.any(String) });
    expect(await instrumentsAtAcquirers('4444')).toEqual([]);
    expect((await api.get(`/v1/agreements?customerId=${customerId}`)).body.data).toEqual([]);

    // Nothing was stored: the same outAgreementNo signs with another card.
    const other = await signCardAgreement(api, { outAgreementNo: 'AG-BLOCKED', customerId });
    expect(other.status).toBe(201);
    expect((await api.get(`/v1/agreements?customerId=${customerId}`)).body.data).toHaveLength(1);
  });

  it('refuses a blocklisted payer id or payer IP given at signing; another payer signs', async () => {
    const api = await merchant();
    const payerId = `u-${randomBytes(4).toString('hex')}`;
    await env.runtime.deps.blocklist.add(blocklistKey('payer_id', payerId), 'test');
    await env.runtime.deps.blocklist.add(blocklistKey('payer_ip', '203.0.113.99'), 'test');

    expect((await signCardAgreement(api, { payer: { id: payerId } })).body.error?.code).toBe('risk_blocked');
    expect((await signCardAgreement(api, { payer: { id: 'u-fine', ip: '203.0.113.99' } })).body.error?.code).toBe('risk_blocked');
    const signed = await signCardAgreement(api, { payer: { id: 'u-fine', ip: '203.0.113.7' } });
    expect(signed.status).toBe(201);
    expect(signed.body.status).toBe('PENDING');
  });
});

describe('blocklist at debit', () => {
  it('refuses the debits of a card blocklisted after signing, before the acquirer; the order stays CREATED with nothing stored', async () => {
    const api = await merchant();
    const number = '4111111111111111';
    const agreement = await activeCardAgreement(api, { card: sandboxCard(number) });
    const before = await api.createOrder({ amount: 1200 });
    expect((await debit(api, before.id, agreement.id)).status).toBe(200);

    const key = blocklistKey('card_fingerprint', await fingerprintOf(api, number));
    await env.runtime.deps.blocklist.add(key, 'test');
    const order = await api.createOrder({ amount: 1200 });
    const refused = await debit(api, order.id, agreement.id);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ type: 'permission', code: 'risk_blocked' });
    expect((await api.get(`/v1/orders/${order.id}`)).body).toMatchObject({ status: 'CREATED', version: 1, payment: null, lastPaymentError: null });
    expect(await acquirerActivity(env.runtime, { orderId: order.id })).toEqual([]);
    expect((await api.get(`/v1/agreements/${agreement.id}`)).body.status).toBe('ACTIVE');

    // The refusal is the entry's: removed, the same order is debited.
    await env.runtime.deps.blocklist.remove(key);
    expect((await debit(api, order.id, agreement.id)).body.status).toBe('SUCCEEDED');
  });

  it('refuses the debits of a payer id blocklisted after signing', async () => {
    const api = await merchant();
    const payerId = `u-${randomBytes(4).toString('hex')}`;
    const agreement = await activeCardAgreement(api, { payer: { id: payerId } });
    await env.runtime.deps.blocklist.add(blocklistKey('payer_id', payerId), 'test');
    const order = await api.createOrder({ amount: 500 });
    const refused = await debit(api, order.id, agreement.id);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('risk_blocked');
    expect(await acquirerActivity(env.runtime, { orderId: order.id })).toEqual([]);
  });
});
