import type { RequestOptions, Transport } from '../transport.js';
import type { CreateRefundRequest, Refund } from '../types.generated.js';

/** `client.refunds`: refund an order in full or in part, read a refund. */
export class Refunds {
  constructor(private readonly transport: Transport) {}

  /**
   * POST /v1/orders/{orderId}/refunds → 201 Refund. The same `outRefundNo` with the same amount returns the same
   * refund; with another amount 409 `duplicate_out_refund_no`.
   */
  create(orderId: string, params: CreateRefundRequest, options?: RequestOptions): Promise<Refund> {
    return this.transport.request({ method: 'POST', path: `/v1/orders/${encodeURIComponent(orderId)}/refunds`, body: params }, options);
  }

  /** GET /v1/refunds/{id} → Refund. */
  retrieve(refundId: string, options?: RequestOptions): Promise<Refund> {
    return this.transport.request({ method: 'GET', path: `/v1/refunds/${encodeURIComponent(refundId)}` }, options);
  }
}
