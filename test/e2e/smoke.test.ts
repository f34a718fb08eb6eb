import { describe, expect, it } from 'vitest';
import { useTestRuntime } from '../support/runtime.js';

const env = useTestRuntime();

describe('order → pay → refund → query over signed HTTP', () => {
  it('walks the happy path', async () => {
    const order = await env.api.createOrder({ amount: 1999 });
    expect(order.status).toBe('CREATED');
    const paid = await env.api.pay(order.id);
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('SUCCEEDED');
    const refund = await env.api.post(`/v1/orders/${order.id}/refunds`, { outRefundNo: 'R-1', amount: 500 });
    expect(refund.status).toBe(201);
    const read = await env.api.get(`/v1/orders/${order.id}`);
    expect(read.body.amountRefunded).toBe(500);
    expect(read.body.refunds).toHaveLength(1);
  });
});
