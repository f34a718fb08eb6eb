import { describe, expect, it } from 'vitest';
import { SANDBOX_CARDS } from '../../shared/channels/sandbox-card.js';
import { basisPoints } from '../../shared/domain/money.js';
import { acquirerActivity } from '../support/acquirer.js';
import type { Runtime } from '../../infra/local/runtime.js';
import type { ApiClient } from '../support/api-client.js';
import { useTestRuntime } from '../support/runtime.js';
import { eventually } from '../support/webhook-receiver.js';

/**
 * Pre-authorization over HTTP against the local runtime (contract, "Capture and void"): pay with capture:false,
 * then capture (in part or whole, once) or void, with the card acquirers' and UnionPay's sandboxes as the channels.
 * What reached the acquirer is read from its own activity report.
 */

const WINDOW_SECONDS = 604_800;
const DEMO_FEE_BPS = 60;

async function authorize(api: ApiClient, amount: number, card: string = SANDBOX_CARDS.succeeds) {
  const order = await api.createOrder({ amount });
  const res = await api.pay(order.id, card, { capture: false });
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('AUTHORIZED');
  return res.body;
}

async function eventTypes(api: ApiClient, orderId: string): Promise<string[]> {
  const res = await api.get(`/v1/events?orderId=${orderId}`);
  expect(res.status).toBe(200);
  return (res.body.data as Array<{ type: string }>).map((e) => e.type);
}

/** The order is CLOSED for `closeReason` with order.closed, after the acquirer released the hold (its void). */
async function expectClosedAtAcquirer(env: { api: ApiClient; runtime: Runtime }, authorized: { id: string; payment: { id: string } }, closeReason: string) {
  const order = (await env.api.get(`/v1/orders/${authorized.id}`)).body;
  expect(order).toMatchObject({ status: 'CLOSED', closeReason, amountCaptured: 0 });
  expect(await eventTypes(env.api, authorized.id)).toEqual(['order.authorized', 'order.closed']);
  const atAcquirer = await acquirerActivity(env.runtime, { paymentIds: [authorized.payment.id] });
  expect(atAcquirer.map((e) => `${e.kind}:${e.outcome}`)).toEqual(['charge:authorized', 'cancel:cancelled']);
  // The ledger's hold ended with it: voided by the merchant's void, expired by the expiry (decisions, entry 139).
  expect(await env.runtime.deps.ledger.getHold(authorized.payment.id)).toMatchObject({ status: closeReason === 'voided' ? 'VOIDED' : 'EXPIRED', postedAmount: 0 });
}

describe('authorize, capture and void at the card acquirer', () => {
  // The janitor's first query 3 s after a change, the acquirer's answer given up after 2 s (the 0622 card; long
  // enough that an honest answer on a busy machine is not taken for a lost one).
  const env = useTestRuntime({ janitorAfterSeconds: 3, cardTimeoutMs: 2000 });

  const actionsOf = async (paymentId: string) => (await acquirerActivity(env.runtime, { paymentIds: [paymentId] })).map((e) => `${e.kind}:${e.amount ?? ''}`);

  it('authorize → partial capture → refund: the rest is released, refunds stop at the captured amount', async () => {
    const authorized = await authorize(env.api, 5000);
    expect(authorized.payment).toMatchObject({ capture: false, amountAuthorized: 5000, channel: 'card_a' });
    expect(Date.parse(authorized.payment.captureBefore) - Date.parse(authorized.updatedAt)).toBe(WINDOW_SECONDS * 1000);

    const captured = await env.api.post(`/v1/orders/${authorized.id}/capture`, { amount: 3000 });
    expect(captured.status).toBe(200);
    expect(captured.body).toMatchObject({ status: 'SUCCEEDED', amount: 5000, amountCaptured: 3000, payment: { amountAuthorized: 5000, fee: basisPoints(3000, DEMO_FEE_BPS) } });
    expect(await actionsOf(authorized.payment.id)).toEqual(['charge:5000', 'capture:3000']);
    expect(await eventTypes(env.api, authorized.id)).toEqual(['order.authorized', 'order.succeeded']);
    // In the ledger: the authorization's hold posted for 3000, the other 2000 released, in the capture's commit.
    expect(await env.runtime.deps.ledger.getHold(authorized.payment.id)).toMatchObject({ status: 'POSTED', amount: 5000, postedAmount: 3000 });

    const tooMuch = await env.api.post(`/v1/orders/${authorized.id}/refunds`, { outRefundNo: 'R-over', amount: 3001 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error.code).toBe('refund_exceeds_captured');
    const refund = await env.api.post(`/v1/orders/${authorized.id}/refunds`, { outRefundNo: 'R-all', amount: 3000 });
    expect(refund.status).toBe(201);
    expect(refund.body.status).toBe('SUCCEEDED');
    expect((await env.api.get(`/v1/orders/${authorized.id}`)).body).toMatchObject({ status: 'REFUNDED', amountCaptured: 3000, amountRefunded: 3000 });
  });

  it('a capture without an amount takes the whole authorization; a second capture gets 409', async () => {
    const authorized = await authorize(env.api, 4200);
    const captured = await env.api.post(`/v1/orders/${authorized.id}/capture`, {});
    expect(captured.status).toBe(200);
    expect(captured.body).toMatchObject({ status: 'SUCCEEDED', amountCaptured: 4200 });
    const again = await env.api.post(`/v1/orders/${authorized.id}/capture`, { amount: 100 });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('order_not_capturable');
    expect(await actionsOf(authorized.payment.id)).toEqual(['charge:4200', 'capture:4200']);
  });

  it('void: CLOSED (voided) after the acquirer released the hold, order.closed; no capture or void after it', async () => {
    const authorized = await authorize(env.api, 2500);
    const voided = await env.api.post(`/v1/orders/${authorized.id}/void`, {});
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({ status: 'CLOSED', closeReason: 'voided' });
    await expectClosedAtAcquirer(env, authorized, 'voided');

    const capture = await env.api.post(`/v1/orders/${authorized.id}/capture`, {});
    expect(capture.status).toBe(409);
    expect(capture.body.error.code).toBe('order_not_capturable');
    const again = await env.api.post(`/v1/orders/${authorized.id}/void`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('order_not_voidable');
  });

  it('a capture above the authorized amount is refused 422 and changes nothing; only an authorization is capturable', async () => {
    const authorized = await authorize(env.api, 1000);
    const res = await env.api.post(`/v1/orders/${authorized.id}/capture`, { amount: 1001 });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'capture_exceeds_authorized', param: 'amount' });
    for (const body of [{ amount: 0 }, { amount: 10.5 }, { amount: '500' }, { amount: 500, currency: 'CNY' }]) {
      const bad = await env.api.post(`/v1/orders/${authorized.id}/capture`, body);
      expect(bad.status).toBe(400);
      expect(bad.body.error.param).toBe(Object.keys(body).at(-1));
    }
    expect((await env.api.get(`/v1/orders/${authorized.id}`)).body).toMatchObject({ status: 'AUTHORIZED', version: authorized.version });
    expect(await actionsOf(authorized.payment.id)).toEqual(['charge:1000']);

    const unpaid = await env.api.createOrder();
    expect((await env.api.post(`/v1/orders/${unpaid.id}/capture`, {})).body.error.code).toBe('order_not_capturable');
    expect((await env.api.post(`/v1/orders/${unpaid.id}/void`, {})).body.error.code).toBe('order_not_voidable');
    const paid = await env.api.createOrder();
    expect((await env.api.pay(paid.id)).body.status).toBe('SUCCEEDED');
    expect((await env.api.post(`/v1/orders/${paid.id}/capture`, {})).status).toBe(409);
  });

  it('a capture is idempotent by Idempotency-Key: the same answer replayed, one capture at the acquirer', async () => {
    const authorized = await authorize(env.api, 1500);
    const first = await env.api.post(`/v1/orders/${authorized.id}/capture`, { amount: 1200 }, { idempotencyKey: 'cap-1' });
    const second = await env.api.post(`/v1/orders/${authorized.id}/capture`, { amount: 1200 }, { idempotencyKey: 'cap-1' });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.text).toBe(first.text);
    expect(await actionsOf(authorized.payment.id)).toEqual(['charge:1500', 'capture:1200']);
  });

  it('two concurrent captures of one authorization: exactly one wins, the other 409; one capture at the acquirer', async () => {
    for (let round = 0; round < 3; round += 1) {
      const authorized = await authorize(env.api, 3000);
      const answers = await Promise.all([
        env.api.post(`/v1/orders/${authorized.id}/capture`, { amount: 1000 }),
        env.api.post(`/v1/orders/${authorized.id}/capture`, { amount: 2000 }),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      const winner = answers.find((a) => a.status === 200)!;
      expect(answers.find((a) => a.status === 409)!.body.error.code).toBe('order_not_capturable');
      const order = (await env.api.get(`/v1/orders/${authorized.id}`)).body;
      expect(order).toMatchObject({ status: 'SUCCEEDED', amountCaptured: winner.body.amountCaptured });
      expect((await actionsOf(authorized.payment.id)).filter((a) => a.startsWith('capture'))).toEqual([`capture:${winner.body.amountCaptured}`]);
    }
  });

  it('a capture and a void of one authorization at once: exactly one wins, the other 409; the acquirer saw only the winner', async () => {
    for (let round = 0; round < 3; round += 1) {
      const authorized = await authorize(env.api, 3100);
      const [capture, voided] = await Promise.all([
        env.api.post(`/v1/orders/${authorized.id}/capture`, {}),
        env.api.post(`/v1/orders/${authorized.id}/void`, {}),
      ]);
      expect([capture.status, voided.status].sort()).toEqual([200, 409]);
      const order = (await env.api.get(`/v1/orders/${authorized.id}`)).body;
      const after = (await actionsOf(authorized.payment.id)).slice(1);
      if (capture.status === 200) {
        expect(voided.body.error.code).toBe('order_not_voidable');
        expect(order).toMatchObject({ status: 'SUCCEEDED', amountCaptured: 3100 });
        expect(after).toEqual(['capture:3100']);
      } else {
        expect(capture.body.error.code).toBe('order_not_capturable');
        expect(order).toMatchObject({ status: 'CLOSED', closeReason: 'voided' });
        expect(after).toEqual(['cancel:']);
      }
      // The ledger's hold ended once, the winner's way.
      const hold = await env.runtime.deps.ledger.getHold(authorized.payment.id);
      expect(hold).toMatchObject(capture.status === 200 ? { status: 'POSTED', postedAmount: 3100, version: 2 } : { status: 'VOIDED', postedAmount: 0, version: 2 });
    }
  });

  it('0622: the capture is done but its answer lost (202 PROCESSING); the janitor finds it captured at the acquirer', async () => {
    const authorized = await authorize(env.api, 2200, SANDBOX_CARDS.captureAnswerLost);
    const res = await env.api.post(`/v1/orders/${authorized.id}/capture`, { amount: 2000 });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('PROCESSING');
    // Held by the claim: neither a void nor another capture can take it meanwhile.
    expect((await env.api.post(`/v1/orders/${authorized.id}/void`, {})).body.error.code).toBe('order_not_voidable');

    await eventually(async () => (await env.runtime.deps.orders.getOrder(authorized.id))?.status === 'SUCCEEDED', 20_000, 'capture resolved');
    expect((await env.api.get(`/v1/orders/${authorized.id}`)).body).toMatchObject({ status: 'SUCCEEDED', amountCaptured: 2000 });
    expect(await eventTypes(env.api, authorized.id)).toEqual(['order.authorized', 'order.succeeded']);
    // The janitor read the acquirer's records: one capture, never a second.
    expect((await actionsOf(authorized.payment.id)).filter((a) => a.startsWith('capture'))).toEqual(['capture:2000']);
  });
});

describe('UnionPay pre-authorization: completion and cancellation', () => {
  const env = useTestRuntime();
  const unionpayCard = { number: '6200000000000005', expMonth: 12, expYear: 2030, cvc: '123' };

  async function authorizeUnionpay(amount: number) {
    const order = await env.api.createOrder({ amount });
    const res = await env.api.post(`/v1/orders/${order.id}/pay`, { method: 'unionpay', card: unionpayCard, capture: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'AUTHORIZED', payment: { channel: 'unionpay', amountAuthorized: amount } });
    return res.body;
  }

  it('a partial completion captures part of the hold, and refunds stop at it', async () => {
    const authorized = await authorizeUnionpay(8000);
    const captured = await env.api.post(`/v1/orders/${authorized.id}/capture`, { amount: 6000 });
    expect(captured.status).toBe(200);
    expect(captured.body).toMatchObject({ status: 'SUCCEEDED', amountCaptured: 6000 });
    const over = await env.api.post(`/v1/orders/${authorized.id}/refunds`, { outRefundNo: 'U-over', amount: 6001 });
    expect(over.body.error.code).toBe('refund_exceeds_captured');
    const refund = await env.api.post(`/v1/orders/${authorized.id}/refunds`, { outRefundNo: 'U-1', amount: 2500 });
    expect(refund.status).toBe(201);
    expect(refund.body.status).toBe('SUCCEEDED');
    expect((await env.api.get(`/v1/orders/${authorized.id}`)).body).toMatchObject({ status: 'SUCCEEDED', amountRefunded: 2500 });
  });

  it('a void cancels the pre-authorization at UnionPay: CLOSED (voided)', async () => {
    const authorized = await authorizeUnionpay(3000);
    const voided = await env.api.post(`/v1/orders/${authorized.id}/void`, {});
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({ status: 'CLOSED', closeReason: 'voided' });
    // The gateway no longer holds it: a completion there is refused, and ours is 409 before reaching it.
    expect((await env.api.post(`/v1/orders/${authorized.id}/capture`, {})).status).toBe(409);
    const channel = env.runtime.deps.channels.get('unionpay')!;
    expect((await channel.queryPayment!({ paymentId: authorized.payment.id, channelPaymentId: authorized.payment.channelPaymentId })).status).toBe('closed');
  });
});

describe('authorization expiry (PAY_AUTHORIZATION_WINDOW_SECONDS=3)', () => {
  const env = useTestRuntime({ authorizationWindowSeconds: 3, janitorAfterSeconds: 2 });

  it('an authorization not captured in its window is voided at the acquirer and CLOSED (authorization_expired); capture then 409', async () => {
    const authorized = await authorize(env.api, 3300);
    expect(Date.parse(authorized.payment.captureBefore) - Date.parse(authorized.updatedAt)).toBe(3000);

    await eventually(async () => (await env.runtime.deps.orders.getOrder(authorized.id))?.status === 'CLOSED', 20_000, 'authorization expired');
    await expectClosedAtAcquirer(env, authorized, 'authorization_expired');

    const capture = await env.api.post(`/v1/orders/${authorized.id}/capture`, {});
    expect(capture.status).toBe(409);
    expect(capture.body.error.code).toBe('authorization_expired');
  });
});
