import { describe, expect, it } from 'vitest';
import { SANDBOX_CARDS, SANDBOX_OTP, SANDBOX_REFUND_ANSWER_LOST } from '../../shared/channels/sandbox-card.js';
import { orderExpireKey, paymentQueryKey } from '../../shared/services/janitor-timers.js';
import { timerMessageId } from '../../shared/adapters/local/local-timers.js';
import { useTestRuntime } from '../support/runtime.js';
import { eventually } from '../support/webhook-receiver.js';
import { acquirerActivity, acquirerCharges } from '../support/acquirer.js';

// The runtime's clock: a test that must see an order's expiry pass (60 s at least, by contract) moves it forward.
let clockOffsetMs = 0;
// The card acquirers answer 0259/0267 (and their first reversal) only after the adapter's timeout: the pay takes two
// card timeouts before it answers 202, and the janitor's first query must come after that, or it resolves the payment
// while the pay is still waiting (then the pay does not answer 202).
const env = useTestRuntime({ janitorAfterSeconds: 4, cardTimeoutMs: 1000, clock: () => Date.now() + clockOffsetMs });

/** The order as stored, read without a request through the API (nothing but the janitor may move it). */
const storedStatus = async (orderId: string) => (await env.runtime.deps.orders.getOrder(orderId))?.status;

async function eventTypes(orderId: string): Promise<string[]> {
  const res = await env.api.get(`/v1/events?orderId=${orderId}`);
  expect(res.status).toBe(200);
  return (res.body.data as Array<{ type: string }>).map((e) => e.type);
}

describe('the janitor resolves unknown outcomes with no request', () => {
  it('0259: every channel times out and the reversal too (202); the first channel captured, so the query ends it SUCCEEDED', async () => {
    const order = await env.api.createOrder({ amount: 2590 });
    const res = await env.api.pay(order.id, SANDBOX_CARDS.capturedThenLost);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('PROCESSING');
    const paymentId = res.body.payment.id as string;
    // The janitor's query was set when the pay claimed the order, before any channel was called.
    const pending = (await env.runtime.timers.queue.all()).find((m) => m.messageId === timerMessageId(paymentQueryKey(paymentId)));
    expect(pending).toBeDefined();

    expect(await eventually(async () => (await storedStatus(order.id)) === 'SUCCEEDED', 20_000, '0259 resolved')).toBe(true);
    const read = await env.api.get(`/v1/orders/${order.id}`);
    expect(read.body).toMatchObject({ status: 'SUCCEEDED', amountCaptured: 2590, payment: { id: paymentId, channel: 'card_a' } });
    expect(await eventTypes(order.id)).toContain('order.succeeded');
    // One capture at one channel: the janitor asked, it did not charge again.
    const charges = await acquirerCharges(env.runtime, order.id);
    expect(charges.filter((c) => c.outcome === 'captured_timeout')).toHaveLength(1);
    expect(charges.map((c) => c.channel)).toEqual(['card_a']);
  });

  it('0267: as 0259 but nothing was captured; the query finds nothing and the order is CREATED with lastPaymentError', async () => {
    const order = await env.api.createOrder({ amount: 2670 });
    const res = await env.api.pay(order.id, SANDBOX_CARDS.nothingThenLost);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('PROCESSING');

    expect(await eventually(async () => (await storedStatus(order.id)) === 'CREATED', 20_000, '0267 resolved')).toBe(true);
    const read = await env.api.get(`/v1/orders/${order.id}`);
    expect(read.body.status).toBe('CREATED');
    expect(read.body.lastPaymentError).toMatchObject({ code: 'processing_error', paymentId: res.body.payment.id });
    expect(await eventTypes(order.id)).toContain('order.payment_failed');
    // Ended at the channel before it was failed, so a create still in flight could not capture afterwards.
    // (The first reversal, answered too late, did nothing: `cancel` with outcome `timeout`.)
    const cancels = (await acquirerActivity(env.runtime, { paymentIds: [res.body.payment.id] })).filter((e) => e.kind === 'cancel');
    expect(cancels.map((e) => e.outcome)).toEqual(['timeout', 'cancelled']);
    const again = await env.api.pay(order.id);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('SUCCEEDED');
  });

  it('a refund whose channel answer was lost answers 202 PROCESSING and the janitor finds it SUCCEEDED', async () => {
    const order = await env.api.createOrder({ amount: 3000 });
    expect((await env.api.pay(order.id)).body.status).toBe('SUCCEEDED');
    const res = await env.api.post(`/v1/orders/${order.id}/refunds`, { outRefundNo: 'R-lost', amount: 1200, reason: SANDBOX_REFUND_ANSWER_LOST });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('PROCESSING');

    const refundId = res.body.id as string;
    await eventually(async () => (await env.runtime.deps.orders.getRefund(refundId))?.status === 'SUCCEEDED', 20_000, 'refund resolved');
    expect((await env.api.get(`/v1/refunds/${refundId}`)).body.status).toBe('SUCCEEDED');
    expect((await env.api.get(`/v1/orders/${order.id}`)).body).toMatchObject({ status: 'SUCCEEDED', amountRefunded: 1200 });
    expect(await eventTypes(order.id)).toContain('refund.succeeded');
    // The channel refunded once: the janitor queried, it did not refund again.
    expect((await acquirerActivity(env.runtime, { orderId: order.id })).filter((e) => e.kind === 'refund' && e.amount === 1200)).toHaveLength(1);
  });
});

describe('order expiry', () => {
  it('an expired challenged order is closed at its channel first, then CLOSED (expired, order.closed); the OTP no longer pays it', async () => {
    const order = await env.api.createOrder({ amount: 4100, expiresInSeconds: 60 });
    const pending = (await env.runtime.timers.queue.all()).find((m) => m.messageId === timerMessageId(orderExpireKey(order.id)));
    // Due at the expiry, never before it: the local queue takes a delay as SQS does (due − now), so the message is
    // visible the milliseconds later that passed between the two reads of the clock.
    const lateByMs = (pending?.visibleAtMs as number) - Date.parse(order.expiresAt);
    expect(lateByMs).toBeGreaterThanOrEqual(0);
    expect(lateByMs).toBeLessThan(5_000);
    const paid = await env.api.pay(order.id, SANDBOX_CARDS.otpChallenge);
    expect(paid.body.status).toBe('REQUIRES_ACTION');
    const paymentId = paid.body.payment.id as string;

    clockOffsetMs += 61_000;
    env.runtime.timers.wake();
    await eventually(async () => (await storedStatus(order.id)) === 'CLOSED', 20_000, 'expired order closed');
    const stored = await env.runtime.deps.orders.getOrder(order.id);
    expect(stored).toMatchObject({ status: 'CLOSED', closeReason: 'expired', closedAt: order.expiresAt });
    expect((await env.runtime.deps.orders.getAttempt(order.id, paymentId))?.status).toBe('CANCELLED');
    expect((await acquirerActivity(env.runtime, { paymentIds: [paymentId] })).filter((e) => e.kind === 'cancel' && e.outcome === 'cancelled')).toHaveLength(1);
    expect(await eventTypes(order.id)).toContain('order.closed');
    const confirm = await env.api.post(`/v1/orders/${order.id}/pay/confirm`, { otp: SANDBOX_OTP });
    expect(confirm.status).toBe(409);
    expect((await acquirerActivity(env.runtime, { paymentIds: [paymentId] })).filter((e) => e.kind === 'confirm')).toHaveLength(0);
  });
});
