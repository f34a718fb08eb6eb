import * as z from 'zod/mini';
import { DELIVERY_STATUSES, eventType } from './requests.js';

/** Query schemas of the operations API (docs/operations.md). */

const limit = z._default(z.pipe(z.coerce.number(), z.int().check(z.minimum(1), z.maximum(100))), 20);
const cursor = z.optional(z.string().check(z.minLength(1), z.maxLength(2048)));

export const pageQuerySchema = z.strictObject({ limit, cursor });

export const opsEventsQuerySchema = z.strictObject({
  merchantId: z.string().check(z.regex(/^m_[0-9a-z]{26}$/)),
  type: z.optional(eventType),
  deliveryStatus: z.optional(z.enum(DELIVERY_STATUSES)),
  limit,
  cursor,
});

export const merchantIdParam = z.string().check(z.regex(/^m_[0-9a-z]{26}$/));
