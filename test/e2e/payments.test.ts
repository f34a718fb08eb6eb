import { describe, expect, it } from 'vitest';
import { SANDBOX_CARDS } from '../../shared/channels/sandbox-card.js';
import type { ChannelAdapter } from '../../shared/ports/channel-flows.js';
import { blocklistKey } from '../../shared/domain/risk.js';
import { createMerchant } from '../../shared/services/merchants.js';
import { useTestRuntime } from '../support/runtime.js';
import { acquirerCharges, acquirerActivity } from '../support/acquirer.js';
import { eventually } from '../support/webhook-receiver.js';

const env = useTestRuntime();

describe('pay with the sandbox card channels', () => {
  it('4242… succeeds on the cheapest channel and never stores the card number', async () => {
    const order = await env.api.createOrder({ amount: 1999 });
    const res = await env.api.pay(order.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'SUCCEEDED',
      amountCaptured: 1999,
      version: 3,
      payment: { method: 'card', channel: 'card_a', card: { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030 } },
    });
    expect(res.body.payment.card.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(res.text).not.toContain('4242424242424242');
    const stored = JSON.stringify(await env.runtime.deps.orders.getOrder(order.id));
    expect(stored).not.toContain('4242424242424242');
    expect(stored).not.toContain('"cvc"');
  });

  it.each([
    [SANDBOX_CARDS.declined, 'card_declined'],
    [SANDBOX_CARDS.insufficientFunds, 'insufficient_funds'],
  ])('%s is declined with 402 %s, the order stays CREATED and can be paid again', async (card, code) => {
    const order = await env.api.createOrder();
    const res = await env.api.pay(order.id, card);
    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({ type: 'payment', code });
    const read = await env.api.get(`/v1/orders/${order.id}`);
    expect(read.body.status).toBe('CREATED');
    expect(read.body.lastPaymentError).toMatchObject({ code });
    const retry = await env.api.pay(order.id);
    expect(retry.body.status).toBe('SUCCEEDED');
    expect(retry.body.lastPaymentError).toBeNull();
  });

  it('3220… needs an OTP: a wrong one is 402 authentication_failed, the right one completes it', async () => {
    const order = await env.api.createOrder();
    const res = await env.api.pay(order.id, SANDBOX_CARDS.otpChallenge);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('REQUIRES_ACTION');
    // The challenge is completed on the hosted checkout page of this runtime (test/e2e/checkout.test.ts drives it).
    expect(res.body.payment.nextAction).toMatchObject({ type: 'otp', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/checkout\/[A-Za-z0-9_-]{43}$/) });
    const wrong = await env.api.post(`/v1/orders/${order.id}/pay/confirm`, { otp: '000000' });
    expect(wrong.status).toBe(402);
    expect(wrong.body.error.code).toBe('authentication_failed');
    expect((await env.api.get(`/v1/orders/${order.id}`)).body.status).toBe('REQUIRES_ACTION');
    const right = await env.api.post(`/v1/orders/${order.id}/pay/confirm`, { otp: '123456' });
    expect(right.status).toBe(200);
    expect(right.body.status).toBe('SUCCEEDED');
  });

  it('declines the attempt after three wrong OTPs', async () => {
    const order = await env.api.createOrder();
    await env.api.pay(order.id, SANDBOX_CARDS.otpChallenge);
    for (let i = 0; i < 3; i += 1) {
      expect((await env.api.post(`/v1/orders/${order.id}/pay/confirm`, { otp: '000000' })).status).toBe(402);
    }
    const read = await env.api.get(`/v1/orders/${order.id}`);
    expect(read.body.status).toBe('CREATED');
    expect(read.body.lastPaymentError.code).toBe('authentication_failed');
    expect((await env.api.post(`/v1/orders/${order.id}/pay/confirm`, { otp: '123456' })).body.error.code).toBe('order_not_confirmable');
  });

  it('0119… times out on the first channel, is cancelled there, and succeeds on the next', async () => {
    const order = await env.api.createOrder();
    const res = await env.api.pay(order.id, SANDBOX_CARDS.firstChannelTimesOut);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('SUCCEEDED');
    expect(res.body.payment.channel).toBe('card_b');
    // Each channel saw its own attempt: the one cancelled at card_a is kept, not overwritten by card_b's.
    const attempts = await env.runtime.deps.orders.listAttempts(order.id);
    expect(attempts.map((a) => `${a.channel}:${a.status}`)).toEqual(['card_a:CANCELLED', 'card_b:SUCCEEDED']);
    expect(attempts[1]!.id).toBe(res.body.payment.id);
    expect(attempts[0]!.id).not.toBe(res.body.payment.id);
    const ids = new Set(attempts.map((a) => a.id));
    const seen = await acquirerActivity(env.runtime, { paymentIds: [...ids] });
    expect(seen.map((e) => `${e.channel}:${e.kind}:${e.paymentId === attempts[0]!.id ? 1 : 2}:${e.outcome}`)).toEqual([
      'card_a:charge:1:timeout',
      'card_a:cancel:1:cancelled',
      'card_b:charge:2:succeeded',
    ]);
    // The channel's payment id leads back to the attempt (callbacks and bill lines), and so does our first id.
    expect(await env.runtime.deps.orders.findAttempt({ channel: 'card_b', channelPaymentId: res.body.payment.channelPaymentId }))
      .toEqual({ orderId: order.id, paymentId: res.body.payment.id });
    expect(await env.runtime.deps.orders.findAttempt({ channel: null, channelPaymentId: null, paymentId: attempts[0]!.id }))
      .toEqual({ orderId: order.id, paymentId: attempts[0]!.id });
  });

  it('rejects a card failing the Luhn check with 400 invalid_card_number, before any channel', async () => {
    const order = await env.api.createOrder();
    const res = await env.api.pay(order.id, '4242424242424241');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_card_number', param: 'card.number' });
    expect((await env.api.get(`/v1/orders/${order.id}`)).body.version).toBe(1);
  });

  it('answers 400 parameter_missing for a balance payment without its customer (test/e2e/customers.test.ts pays with it)', async () => {
    const order = await env.api.createOrder();
    const res = await env.api.post(`/v1/orders/${order.id}/pay`, { method: 'balance' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'parameter_missing', param: 'customerId' });
  });

  it('answers 400 for pre-authorization of a wallet or bank payment, and for a missing card', async () => {
    const order = await env.api.createOrder();
    for (const method of ['wechat_pay', 'alipay', 'netbank']) {
      const res = await env.api.post(`/v1/orders/${order.id}/pay`, { method, capture: false });
      expect(res.body.error).toMatchObject({ code: 'manual_capture_not_supported', param: 'capture' });
    }
    const noCard = await env.api.post(`/v1/orders/${order.id}/pay`, { method: 'card' });
    expect(noCard.body.error).toMatchObject({ code: 'parameter_missing', param: 'card' });
  });

  it('answers 409 order_not_payable for a paid order', async () => {
    const order = await env.api.createOrder();
    await env.api.pay(order.id);
    const again = await env.api.pay(order.id);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('order_not_payable');
  });
});

describe('risk rules', () => {
  it('challenges an amount above the merchant limit with an OTP', async () => {
    const merchant = env.api.as(await createMerchant(env.runtime.deps, { name: 'Low limit', riskChallengeAmount: 10_000 }));
    const small = await merchant.createOrder({ amount: 10_000 });
    expect((await merchant.pay(small.id)).body.status).toBe('SUCCEEDED');
    const large = await merchant.createOrder({ amount: 10_001 });
    const res = await merchant.pay(large.id);
    expect(res.body.status).toBe('REQUIRES_ACTION');
    expect(res.body.payment.nextAction.type).toBe('otp');
    expect((await merchant.post(`/v1/orders/${large.id}/pay/confirm`, { otp: '123456' })).body.status).toBe('SUCCEEDED');
  });

  it('blocks a blocklisted payer with 403 risk_blocked and no channel call', async () => {
    await env.runtime.deps.blocklist.add(blocklistKey('payer_id', 'u-blocked'), 'test');
    const order = await env.api.createOrder();
    const res = await env.api.pay(order.id, undefined, { payer: { id: 'u-blocked', ip: '203.0.113.7' } });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ type: 'permission', code: 'risk_blocked' });
    expect(await acquirerCharges(env.runtime, order.id)).toHaveLength(0);
    const read = await env.api.get(`/v1/orders/${order.id}`);
    expect(read.body.status).toBe('CREATED');
    expect(read.body.lastPaymentError.code).toBe('risk_blocked');
  });

  it('blocks a blocklisted card by its fingerprint', async () => {
    const first = await env.api.createOrder();
    const paid = await env.api.pay(first.id, '5555555555554444');
    await env.runtime.deps.blocklist.add(blocklistKey('card_fingerprint', paid.body.payment.card.fingerprint), 'test');
    const second = await env.api.createOrder();
    const res = await env.api.pay(second.id, '5555555555554444');
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('risk_blocked');
  });
});

describe('concurrency', () => {
  it('50 concurrent pays of one order: exactly one charge reaches a channel', async () => {
    const order = await env.api.createOrder();
    const results = await Promise.all(Array.from({ length: 50 }, () => env.api.pay(order.id)));
    const statuses = results.map((r) => r.status);
    // One pay claims the order. On a busy machine its answer may be 202 (its workflow or the acquirer's answer
    // outlasted the wait): an unknown outcome the janitor settles, never a second charge.
    expect(statuses.filter((s) => s === 200 || s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.error.code).toBe('order_not_payable');
    const settled = await eventually(async () => {
      const read = await env.api.get(`/v1/orders/${order.id}`);
      return read.body.status === 'PROCESSING' ? undefined : read.body;
    }, 100_000, 'the order to leave PROCESSING');
    expect(settled).toMatchObject({ status: 'SUCCEEDED', amountCaptured: order.amount });
    expect(await acquirerCharges(env.runtime, order.id)).toHaveLength(1);
  }, 150_000);
});

describe('a crash between steps', () => {
  it('leaves an order whose channel outcome is unknown in PROCESSING, visible, with no money moved', async () => {
    const before = await env.api.get('/v1/balance');
    // A channel that fails in a way that is not a timeout: the workflow cannot know whether money moved.
    const broken: ChannelAdapter = {
      id: 'card_a',
      createPayment: async () => {
        throw new Error('connection reset by channel');
      },
    };
    const { setDeps } = await import('../../functions/services.js');
    const original = env.runtime.deps;
    setDeps({ ...original, channels: new Map([...original.channels, ['card_a', broken]]) });
    try {
      const order = await env.api.createOrder();
      const res = await env.api.pay(order.id);
      expect(res.status).toBe(202);
      expect(res.body.status).toBe('PROCESSING');
      const stuck = (await env.api.get(`/v1/orders/${order.id}`)).body;
      expect(stuck.status).toBe('PROCESSING');
      // The order names the channel the attempt went to, recorded before the call: where the janitor must ask.
      expect(stuck.payment).toMatchObject({ id: res.body.payment.id, channel: 'card_a', channelPaymentId: null });
      const processing = await env.api.get('/v1/orders?status=PROCESSING');
      expect(processing.body.data.map((o: { id: string }) => o.id)).toContain(order.id);
      expect((await env.api.get('/v1/balance')).body).toEqual(before.body);
    } finally {
      setDeps(original);
    }
  });
});
