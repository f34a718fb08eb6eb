import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaymentDeclinedError } from '../../shared/domain/errors.js';
import type { AttemptOutcome } from '../../shared/domain/payment-outcome.js';
import type { PayWorkflow, PayWorkflowInput } from '../../shared/ports/pay-workflow.js';
import type { Deps } from '../../shared/services/deps.js';
import { createOrder } from '../../shared/services/orders.js';
import { payOrder } from '../../shared/services/payments.js';
import { commitAttemptOutcome } from '../../shared/services/state-writer.js';
import { TEST_MERCHANT, serviceDeps } from '../support/service-deps.js';

/**
 * A pay whose workflow ends without an answer (every channel timed out) while the janitor's query has meanwhile
 * settled the payment from the channel's records (docs/decisions.md, entry 106): the pay answers with that outcome,
 * not a 503 that would invite the merchant to pay a paid order again. The workflow here is the one piece replaced:
 * it does what the janitor would do during the wait (commit the channel's answer), then fails as a timed-out run does.
 */
let base: Deps;
let close: () => void;

beforeAll(async () => {
  ({ deps: base, close } = await serviceDeps([]));
  await base.merchants.create(TEST_MERCHANT);
});
afterAll(() => close());

function settlingWorkflow(outcome: (input: PayWorkflowInput) => AttemptOutcome): PayWorkflow {
  return {
    run: async (input) => {
      await commitAttemptOutcome(base, { orderId: input.orderId, paymentId: input.paymentId, outcome: outcome(input) });
      return { status: 'FAILED', error: 'States.Timeout', cause: 'every channel timed out' };
    },
  };
}

async function payWith(workflow: PayWorkflow) {
  const deps: Deps = { ...base, workflow };
  const order = await createOrder(deps, TEST_MERCHANT, {
    outTradeNo: `S-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
    amount: 2500,
    currency: 'CNY',
    subject: 'Settled while the pay waited',
    expiresInSeconds: 1800,
    metadata: {},
  });
  return { order, paid: payOrder(deps, TEST_MERCHANT, order.id, { method: 'wechat_pay', capture: true }) };
}

describe('a pay settled by the janitor while its workflow waited', () => {
  it('a success found meanwhile is answered 200 SUCCEEDED', async () => {
    const { order, paid } = await payWith(settlingWorkflow(() => ({ outcome: 'succeeded', channel: 'wechat_pay', channelPaymentId: 'wx_1' })));
    const answer = await paid;
    expect(answer.statusCode).toBe(200);
    expect(answer.order).toMatchObject({ id: order.id, status: 'SUCCEEDED', amountCaptured: 2500 });
  });

  it('a decline found meanwhile is answered as the decline (402), not as a retryable 503', async () => {
    const { paid } = await payWith(
      settlingWorkflow(() => ({ outcome: 'declined', channel: 'wechat_pay', channelPaymentId: null, code: 'card_declined', message: 'Declined by the channel.' })),
    );
    const error = await paid.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentDeclinedError);
    expect(error).toMatchObject({ code: 'card_declined' });
  });
});
