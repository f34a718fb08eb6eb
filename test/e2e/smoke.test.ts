import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime.js';
import type { ApiClient } from '../support/api-client.js';
import { startTestRuntime } from '../support/runtime.js';

let runtime: Runtime;
let api: ApiClient;

beforeAll(async () => {
  ({ runtime, api } = await startTestRuntime());
});
afterAll(async () => runtime?.stop());

describe('order → pay → refund → query over signed HTTP', () => {
  it('walks the happy path', async () => {
    const order = await api.createOrder({ amount: 1999 });
    expect(order.status).toBe('CREATED');
    const paid = await api.pay(order.id);
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('SUCCEEDED');
    const refund = await api.post(`/v1/orders/${order.id}/refunds`, { outRefundNo: 'R-1', amount: 500 });
    expect(refund.status).toBe(201);
    const read = await api.get(`/v1/orders/${order.id}`);
    expect(read.body.amountRefunded).toBe(500);
    expect(read.body.refunds).toHaveLength(1);
  });
});
