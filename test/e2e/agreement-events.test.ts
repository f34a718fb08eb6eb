import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newId } from '../../shared/domain/ids.js';
import { createMerchant } from '../../shared/services/merchants.js';
import type { ApiClient } from '../support/api-client.js';
import { activeCardAgreement } from '../support/card-agreements.js';
import { useTestRuntime } from '../support/runtime.js';
import { useWebhookReceivers } from '../support/use-webhook-receivers.js';
import { eventually } from '../support/webhook-receiver.js';

/**
 * An agreement's events are listed by `GET /v1/events?orderId=agr_…` (docs/decisions.md, 144), with their delivery,
 * like an order's; only to the agreement's merchant.
 */

const env = useTestRuntime();
const receiver = useWebhookReceivers();

async function merchant(): Promise<ApiClient> {
  return env.api.as(await createMerchant(env.runtime.deps, { name: `Utility ${randomBytes(3).toString('hex')}` }));
}

describe('GET /v1/events for an agreement', () => {
  it('lists agreement.activated and agreement.terminated with their deliveries, oldest first', async () => {
    const api = await merchant();
    const hooks = await receiver();
    const agreement = await activeCardAgreement(api, { notifyUrl: hooks.url });
    expect((await api.post(`/v1/agreements/${agreement.id}/terminate`, {})).status).toBe(200);

    const listed = await eventually(async () => {
      const res = await api.get(`/v1/events?orderId=${agreement.id}`);
      expect(res.status).toBe(200);
      const delivered = res.body.data.filter((e: { delivery: { status: string } }) => e.delivery.status === 'DELIVERED');
      return delivered.length === 2 ? res.body : undefined;
    });
    expect(listed.object).toBe('list');
    expect(listed.data.map((e: { type: string; orderId: string; data: { object: { id: string; version: number } } }) => [e.type, e.orderId, e.data.object.id, e.data.object.version])).toEqual([
      ['agreement.activated', agreement.id, agreement.id, 2],
      ['agreement.terminated', agreement.id, agreement.id, 3],
    ]);
    const [activated] = listed.data;
    expect(activated.delivery).toMatchObject({ notifyUrl: hooks.url, attempts: [{ attempt: 1, httpStatus: expect.any(Number), error: null }] });
    // The listed ids are the ones the receiver got, so a merchant can match a delivery to its history.
    expect(hooks.received.map((r) => r.headers['x-event-id']).sort()).toEqual(listed.data.map((e: { id: string }) => e.id).sort());
  });

  it("answers 404 for another merchant's agreement and an unknown one, 400 for a malformed id", async () => {
    const api = await merchant();
    const agreement = await activeCardAgreement(api);
    const stranger = await merchant();
    const foreign = await stranger.get(`/v1/events?orderId=${agreement.id}`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error).toMatchObject({ code: 'resource_missing', param: 'orderId' });
    expect((await api.get(`/v1/events?orderId=${newId('agr')}`)).status).toBe(404);
    const malformed = await api.get('/v1/events?orderId=agr_nope');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.param).toBe('orderId');
  });
});
