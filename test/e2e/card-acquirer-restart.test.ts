import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime.js';
import { SANDBOX_CARDS } from '../../shared/channels/sandbox-card.js';
import { acquirerCharges } from '../support/acquirer.js';
import { startTestRuntime } from '../support/runtime.js';
import { eventually } from '../support/webhook-receiver.js';

/**
 * The card acquirers keep their records in the sandbox table, not in the runtime's memory: a payment the first
 * runtime left PROCESSING (0259: captured at card_a, the answer lost) is found SUCCEEDED by the janitor of a NEW
 * runtime on the same data, once the first is gone. (Before, the in-process acquirer forgot it: decision 89.)
 */
const JANITOR_AFTER_SECONDS = 3600;
const running: Runtime[] = [];
afterAll(async () => {
  for (const runtime of running) await runtime.stop();
});

describe('card acquirers across a runtime restart', () => {
  it('0259 left PROCESSING by one runtime is resolved SUCCEEDED by the next one, from card_a\'s own records', async () => {
    const same = { tableName: `test-${randomBytes(6).toString('hex')}`, dataDir: mkdtempSync(join(tmpdir(), 'pay-test-')) };
    // The first runtime's janitor would query only in an hour: it never resolves the payment itself.
    const first = await startTestRuntime({ ...same, janitorAfterSeconds: JANITOR_AFTER_SECONDS, cardTimeoutMs: 1000 });
    running.push(first.runtime);
    const order = await first.api.createOrder({ amount: 2590, expiresInSeconds: 86_400 });
    const res = await first.api.pay(order.id, SANDBOX_CARDS.capturedThenLost);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('PROCESSING');
    const paymentId = res.body.payment.id as string;
    await first.runtime.stop();
    running.pop();

    // A new runtime on the same table and data folder (same sandbox keys and records), whose clock is past the
    // janitor's first query but not the order's expiry: the durable timer fires there.
    const second = await startTestRuntime({ ...same, janitorAfterSeconds: JANITOR_AFTER_SECONDS, clock: () => Date.now() + (JANITOR_AFTER_SECONDS + 5) * 1000 });
    running.push(second.runtime);
    second.runtime.timers.wake();
    const stored = async () => second.runtime.deps.orders.getOrder(order.id);
    expect(await eventually(async () => (await stored())?.status === 'SUCCEEDED', 20_000, '0259 resolved by the second runtime')).toBe(true);
    expect(await stored()).toMatchObject({ status: 'SUCCEEDED', amountCaptured: 2590, payment: { id: paymentId, channel: 'card_a' } });
    // One capture at card_a, made before the first runtime went away; the second runtime asked, it did not charge.
    const charges = await acquirerCharges(second.runtime, order.id);
    expect(charges.map((c) => `${c.channel}:${c.outcome}`)).toEqual(['card_a:captured_timeout']);
  });
});
