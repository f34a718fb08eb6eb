import { PageList } from '../pagination.js';
import type { RequestOptions, Transport } from '../transport.js';
import type { Settlement, SettlementList, SettlementListQuery } from '../types.generated.js';

export type SettlementListParams = SettlementListQuery;

/**
 * `client.settlements`: the batches that moved the merchant's payments from `pending` to `available` (one per
 * settlement run and currency, with its gross, fees, refunds and net).
 */
export class Settlements {
  constructor(private readonly transport: Transport) {}

  /** GET /v1/settlements/{id} → Settlement. */
  retrieve(settlementId: string, options?: RequestOptions): Promise<Settlement> {
    return this.transport.request({ method: 'GET', path: `/v1/settlements/${encodeURIComponent(settlementId)}` }, options);
  }

  /** GET /v1/settlements?limit=&cursor=, newest first: await one page or `for await` through all. */
  list(params: SettlementListParams = {}, options?: RequestOptions): PageList<Settlement> {
    return new PageList<Settlement>((cursor) => this.transport.request<SettlementList>({ method: 'GET', path: '/v1/settlements', query: { ...params, cursor } }, options), params.cursor);
  }
}
