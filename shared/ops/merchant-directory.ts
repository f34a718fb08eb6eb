import type { Merchant } from '../ports/stores.js';

export interface MerchantPage {
  readonly data: readonly Merchant[];
  readonly nextCursor: string | null;
}

/** Every merchant of the platform, for operators (GET /ops/v1/merchants): oldest first, a page at a time. */
export interface MerchantDirectory {
  list(page: { readonly limit: number; readonly cursor?: string }): Promise<MerchantPage>;
}
