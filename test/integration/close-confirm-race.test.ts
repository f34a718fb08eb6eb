import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelTimeoutError } from '../../shared/ports/payment-channel.js';
import type { Deps } from '../../shared/services/deps.js';
import type { DynamoEventStore } from '../../shared/adapters/dynamodb/event-store.js';
import { closeOrder } from '../../shared/services/orders.js';
import { confirmPayment } from '../../shared/services/payments.js';
import { GatedChannel, TEST_MERCHANT, seedChallengedOrder, serviceDeps } from '../support/service-deps.js';

/**
 * Closing a challenged order races the payer's OTP confirmation. Each test holds one request at the channel (a gate
 * the test opens), sends the other meanwhile, and checks that exactly one wins: never a SUCCEEDED order whose
 * capture the close reversed at the channel, never a CLOSED order with money captured.
 */
const channel = new GatedChannel();
let deps: Deps;
let events: DynamoEventStore;
let close: () => void;

beforeAll(async () => {
  ({ deps, events, close } = await serviceDeps([channel]));
});
afterAll(() => close());

const error = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e);
const callsFor = (paymentId: string) => channel.calls.filter((c) => c.paymentId === paymentId).map((c) => c.kind);
const eventTypes = async (orderId: string) => (await events.listEventsOfOrder(orderId)).map((e) => e.type).sort();

describe('close vs confirm of a challenged order', () => {
  it('close first: the confirm that arrives while the channel cancels is refused and nothing is captured', async () => {
    const order = await seedChallengedOrder(deps, channel.id);
    const balanceBefore = await deps.ledger.balances(TEST_MERCHANT.merchantId);
    const cancel = channel.hold('cancel');
    const closing = closeOrder(deps, TEST_MERCHANT.merchantId, order.id);
    await cancel.entered;

    const refused = await error(confirmPayment(deps, TEST_MERCHANT, order.id, '123456'));
    expect(refused).toMatchObject({ statusCode: 409, code: 'order_not_confirmable' });
    // The close holds the order while the channel cancels: it reads PROCESSING with the close's reason.
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'PROCESSING', closeReason: 'merchant' });

    cancel.release();
    expect(await closing).toMatchObject({ status: 'CLOSED', closeReason: 'merchant', amountCaptured: 0 });
    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'CLOSED', version: order.version + 2 });
    expect(callsFor(order.payment!.id)).toEqual(['cancel']);
    expect(await deps.ledger.balances(TEST_MERCHANT.merchantId)).toEqual(balanceBefore);
    expect(await eventTypes(order.id)).toEqual(['order.closed']);
  });

  it('confirm first: the close that arrives while the channel captures is refused and nothing is cancelled', async () => {
    const order = await seedChallengedOrder(deps, channel.id);
    const balanceBefore = await deps.ledger.balances(TEST_MERCHANT.merchantId);
    const confirm = channel.hold('confirm');
    const confirming = confirmPayment(deps, TEST_MERCHANT, order.id, '123456');
    await confirm.entered;

    const refused = await error(closeOrder(deps, TEST_MERCHANT.merchantId, order.id));
    expect(refused).toMatchObject({ statusCode: 409, code: 'order_not_closable' });

    confirm.release();
    expect(await confirming).toMatchObject({ statusCode: 200, order: { status: 'SUCCEEDED', amountCaptured: order.amount } });
    expect(callsFor(order.payment!.id)).toEqual(['confirm']);
    // A payment's net waits in pending until it is settled (docs/decisions.md, entry 109).
    const credited = (await deps.ledger.balances(TEST_MERCHANT.merchantId)).pending.find((b) => b.currency === 'CNY')?.amount ?? 0;
    const before = balanceBefore.pending.find((b) => b.currency === 'CNY')?.amount ?? 0;
    expect(credited - before).toBe(order.amount - 12); // 60 bps of 1999, rounded half up
    expect(await eventTypes(order.id)).toEqual(['order.succeeded']);
  });

  it('a close interrupted after its claim leaves the order claimed (no confirm can capture it); its retry finishes it', async () => {
    const order = await seedChallengedOrder(deps, channel.id);
    // The channel does not answer the cancel: the close cannot say CLOSED, since the channel might still capture.
    channel.fail('cancel', new ChannelTimeoutError(channel.id));
    const first = await error(closeOrder(deps, TEST_MERCHANT.merchantId, order.id));
    expect(first).toMatchObject({ statusCode: 503, code: 'channel_error' });

    expect(await deps.orders.getOrder(order.id)).toMatchObject({ status: 'PROCESSING', closeReason: 'merchant', closedAt: null });
    expect(await error(confirmPayment(deps, TEST_MERCHANT, order.id, '123456'))).toMatchObject({ code: 'order_not_confirmable' });

    const retried = await closeOrder(deps, TEST_MERCHANT.merchantId, order.id);
    expect(retried).toMatchObject({ status: 'CLOSED', closeReason: 'merchant' });
    // The cancel is sent again (channels treat it as idempotent); the channel never saw a confirm.
    expect(callsFor(order.payment!.id)).toEqual(['cancel', 'cancel']);
    expect(await eventTypes(order.id)).toEqual(['order.closed']);
    // Closing a closed order answers the order again, and changes nothing.
    expect(await closeOrder(deps, TEST_MERCHANT.merchantId, order.id)).toMatchObject({ status: 'CLOSED', version: retried.version });
  });
});
