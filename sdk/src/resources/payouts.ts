import { PageList } from '../pagination.js';
import type { RequestOptions, Transport } from '../transport.js';
import type { CreatePayoutRequest, Payout, PayoutList, PayoutListQuery } from '../types.generated.js';

export type PayoutListParams = PayoutListQuery;

/**
 * `client.payouts`: money from the merchant's `available` balance to its bank account (代付). The amount plus the
 * payout's `fee` is reserved when it is created; its end (`SUCCEEDED`, `FAILED`, later perhaps `RETURNED`) comes
 * by webhook (`payout.*` events) or by reading it again.
 */
export class Payouts {
  constructor(private readonly transport: Transport) {}

  /**
   * POST /v1/payouts → 201 Payout (`PROCESSING`, or already ended). The same `outPayoutNo` and body returns the same
   * payout; another body 409 `duplicate_out_payout_no`; 422 `insufficient_available_balance` when amount + fee do not
   * fit. The account number is sent once and comes back as `destination.last4` only.
   */
  create(params: CreatePayoutRequest, options?: RequestOptions): Promise<Payout> {
    return this.transport.request({ method: 'POST', path: '/v1/payouts', body: params }, options);
  }

  /** GET /v1/payouts/{id} → Payout. */
  retrieve(payoutId: string, options?: RequestOptions): Promise<Payout> {
    return this.transport.request({ method: 'GET', path: `/v1/payouts/${encodeURIComponent(payoutId)}` }, options);
  }

  /** GET /v1/payouts?status=&limit=&cursor=, newest first: await one page or `for await` through all. */
  list(params: PayoutListParams = {}, options?: RequestOptions): PageList<Payout> {
    return new PageList<Payout>((cursor) => this.transport.request<PayoutList>({ method: 'GET', path: '/v1/payouts', query: { ...params, cursor } }, options), params.cursor);
  }
}
