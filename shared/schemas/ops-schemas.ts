import * as z from 'zod/mini';
import { PAYOUT_STATUSES } from './payout-schemas.js';
import { currencySchema, DELIVERY_STATUSES, eventType } from './requests.js';

/** Query schemas of the operations API (docs/operations.md). */

const limit = z._default(z.pipe(z.coerce.number(), z.int().check(z.minimum(1), z.maximum(100))), 20);
const cursor = z.optional(z.string().check(z.minLength(1), z.maxLength(2048)));

export const merchantIdParam = z.string().check(z.regex(/^m_[0-9a-z]{26}$/));

export const pageQuerySchema = z.strictObject({ limit, cursor });

export const opsEventsQuerySchema = z.strictObject({
  merchantId: z.string().check(z.regex(/^m_[0-9a-z]{26}$/)),
  type: z.optional(eventType),
  deliveryStatus: z.optional(z.enum(DELIVERY_STATUSES)),
  limit,
  cursor,
});

/**
 * POST /ops/v1/settlements: a settlement run now, for every merchant or narrowed to one merchant and/or one currency
 * (docs/decisions.md, 183).
 */
export const opsSettlementRunSchema = z.strictObject({
  merchantId: z.optional(merchantIdParam),
  currency: z.optional(currencySchema),
});

/** GET /ops/v1/settlements: one merchant's settled batches; the merchant is required (docs/decisions.md, 184). */
export const opsSettlementsQuerySchema = z.strictObject({ merchantId: merchantIdParam, limit, cursor });

/** GET /ops/v1/payouts: one merchant's payouts, as the merchant's own list, the merchant required (decisions, 184). */
export const opsPayoutsQuerySchema = z.strictObject({ merchantId: merchantIdParam, status: z.optional(z.enum(PAYOUT_STATUSES)), limit, cursor });
