import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoEventStore } from '../../shared/adapters/dynamodb/event-store.js';
import type { Deps } from '../../shared/services/deps.js';
import { confirmPayment } from '../../shared/services/payments.js';
import { createRefund } from '../../shared/services/refunds.js';
import { completeRefund } from '../../shared/services/state-writer.js';
import { GatedChannel, TEST_MERCHANT, seedChallengedOrder, serviceDeps } from '../support/service-deps.js';

/**
 * A channel's refund notice can overtake its own refund answer (Alipay notifies right after answering fund_change
 * "Y"; WeChat may answer SUCCESS while its REFUND.SUCCESS is already on its way). The refund request is held at the
 * channel while the notice's commit ends the refund, then the answer arrives: the merchant gets the refund, not a 500,
 * and nothing is posted twice.
 */
const channel = new GatedChannel();
let deps: Deps;
let events: DynamoEventStore;
let close: () => void;

beforeAll(async () => {
  ({ deps, events, close } = await serviceDeps([channel]));
});
afterAll(() => close());

describe('a refund notice that overtakes the refund answer', () => {
  it('the answer finds the refund already SUCCEEDED and returns it: one ledger entry, one refund.succeeded', async () => {
    const seeded = await seedChallengedOrder(deps, channel.id);
    await confirmPayment(deps, TEST_MERCHANT, seeded.id, '123456');
    const gate = channel.hold('refund');
    const refunding = createRefund(deps, TEST_MERCHANT, seeded.id, { outRefundNo: 'R-overtaken', amount: 500 });
    await gate.entered;

    // What the callback path commits for the channel's notice, while the channel's answer is still on its way.
    const processing = (await deps.orders.findRefundByOutRefundNo(seeded.id, 'R-overtaken'))!;
    expect(processing.status).toBe('PROCESSING');
    const order = (await deps.orders.getOrder(seeded.id))!;
    await completeRefund(deps, { order, refund: processing, channelRefundId: 'notice_rf', nowMs: deps.now() });

    gate.release();
    const answered = await refunding;
    expect(answered.refund).toMatchObject({ id: processing.id, status: 'SUCCEEDED', channelRefundId: 'notice_rf' });
    expect((await deps.orders.getOrder(seeded.id))?.amountRefunded).toBe(500);
    const refundEntries = [];
    for await (const entry of deps.ledger.allEntries()) if (entry.orderId === seeded.id && entry.kind === 'refund') refundEntries.push(entry);
    expect(refundEntries).toHaveLength(1);
    const types = (await events.listEventsOfOrder(seeded.id)).map((e) => e.type);
    expect(types.filter((t) => t === 'refund.succeeded')).toHaveLength(1);
  });
});
