import * as z from 'zod/mini';
import { MAX_BPS, MAX_FIXED } from '../domain/fees.js';
import { MAX_SECRET_GRACE_SECONDS } from '../domain/merchant-secret.js';
import { PAYMENT_METHODS } from '../domain/order.js';
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

/** A fee rule (shared/domain/fees.ts): integer basis points and a fixed part in minor units, within the same bounds. */
const feeRule = z.strictObject({
  bps: z.int().check(z.minimum(0), z.maximum(MAX_BPS)),
  fixed: z.int().check(z.minimum(0), z.maximum(MAX_FIXED)),
});

/** PUT /ops/v1/merchants/{id}/fees: the whole schedule, replacing the merchant's (docs/operations.md). */
export const opsMerchantFeesSchema = z.strictObject({
  default: feeRule,
  methods: z._default(z.partialRecord(z.enum(PAYMENT_METHODS), feeRule), {}),
  payout: z.optional(feeRule),
});

/** POST /ops/v1/merchants: what `npm run merchant -- create` takes; the secret is generated, never given. */
export const opsMerchantCreateSchema = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(200)),
  notifyUrl: z.optional(z.string().check(z.maxLength(2048))),
  riskChallengeAmount: z.optional(z.int().check(z.minimum(1), z.maximum(100_000_000_000))),
  fees: z.optional(opsMerchantFeesSchema),
});

/** POST /ops/v1/merchants/{id}/secret/rotate: how long the replaced secret keeps verifying (decisions, 230-231). */
export const opsSecretRotationSchema = z.strictObject({
  graceSeconds: z.optional(z.int().check(z.minimum(0), z.maximum(MAX_SECRET_GRACE_SECONDS))),
});
