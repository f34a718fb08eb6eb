import type { RequestOptions, Transport } from '../transport.js';
import type { Balance as BalanceResource } from '../types.generated.js';

/** `client.balance`: the merchant's available and pending amounts, per currency, in minor units. */
export class BalanceApi {
  constructor(private readonly transport: Transport) {}

  /** GET /v1/balance → Balance. */
  retrieve(options?: RequestOptions): Promise<BalanceResource> {
    return this.transport.request({ method: 'GET', path: '/v1/balance' }, options);
  }
}
