import { describe, expect, it } from 'vitest';
import { channelDay, neighbourDay } from '../../shared/reconciliation/bill.js';
import type { ReconciliationReport } from '../../shared/reconciliation/report.js';
import type { ApiResponse } from '../support/api-client.js';
import { useTestRuntime } from '../support/runtime.js';

/**
 * Cross-day over real HTTP (docs/decisions.md, 168 and 191): a card payment the platform records at 23:59:59 UTC on
 * day D, which the acquirer (a UTC channel) books at its own time, on D+1. The platform's clock is the runtime's
 * clock knob, held at D 23:59:59 for the order and the payment and then given back the real time; the sandbox
 * acquirer keeps the real clock. Reconciling D finds the item in D+1's bill, reconciling D+1 finds the line filed on
 * D: cross_day on both days, never channel_only plus platform_only, and no discrepancy.
 */
let frozenAt: number | undefined;
const env = useTestRuntime({ clock: () => frozenAt ?? Date.now() });

async function reconcile(channel: string, date: string): Promise<ReconciliationReport> {
  const res = await fetch(`${env.runtime.url}/ops/v1/reconciliations`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${env.runtime.opsToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel, date }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as ReconciliationReport;
}

describe('a payment recorded at 23:59:59 UTC and booked by the channel the next day', () => {
  it('is cross_day on the day the platform filed it and on the day the channel billed it', async () => {
    // D is the day before the channel's today: the acquirer books the payment now, on D+1.
    const bookedDay = channelDay('card_a', new Date().toISOString());
    const day = neighbourDay(bookedDay, -1);
    frozenAt = Date.parse(`${day}T23:59:59.000Z`);
    // The merchant signs with the platform's time, as a merchant whose clock agrees with the platform's would.
    const signedAt = { timestamp: Math.floor(frozenAt / 1000) };
    let created: ApiResponse;
    let paid: ApiResponse;
    try {
      created = await env.api.post('/v1/orders', { outTradeNo: `T-cross-day-${Date.now()}`, amount: 4321, currency: 'CNY', subject: 'Midnight' }, signedAt);
      expect(created.status).toBe(201);
      const card = { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' };
      paid = await env.api.post(`/v1/orders/${created.body.id}/pay`, { method: 'card', card }, signedAt);
    } finally {
      frozenAt = undefined;
    }
    const order = created.body as { id: string };
    expect(paid.body).toMatchObject({ status: 'SUCCEEDED', payment: { channel: 'card_a' } });
    const paymentId = paid.body.payment.id as string;
    expect((await env.api.get(`/v1/orders/${order.id}`)).body.createdAt).toBe(`${day}T23:59:59.000Z`);

    const onPlatformDay = await reconcile('card_a', day);
    expect(onPlatformDay).toMatchObject({ date: day, billLines: 0, platformItems: 1, discrepancies: 0 });
    expect(onPlatformDay.counts).toMatchObject({ cross_day: 1, platform_only: 0, channel_only: 0 });
    expect(onPlatformDay.rows).toEqual([
      expect.objectContaining({ class: 'cross_day', paymentId, orderId: order.id, otherDay: bookedDay, platformAmount: 4321, channelAmount: 4321 }),
    ]);

    const onChannelDay = await reconcile('card_a', bookedDay);
    expect(onChannelDay).toMatchObject({ date: bookedDay, billLines: 1, platformItems: 0, discrepancies: 0 });
    expect(onChannelDay.counts).toMatchObject({ cross_day: 1, platform_only: 0, channel_only: 0 });
    expect(onChannelDay.rows).toEqual([
      expect.objectContaining({ class: 'cross_day', paymentId, orderId: order.id, otherDay: day, platformAmount: 4321, channelAmount: 4321 }),
    ]);
  });
});
