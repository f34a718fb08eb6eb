import * as z from 'zod/mini';

/** Query schemas of the operations API (docs/operations.md). */

const limit = z._default(z.pipe(z.coerce.number(), z.int().check(z.minimum(1), z.maximum(100))), 20);
const cursor = z.optional(z.string().check(z.minLength(1), z.maxLength(2048)));

export const DELIVERY_STATUSES = ['PENDING', 'RETRYING', 'DELIVERED', 'FAILED', 'REFUSED', 'NO_URL'] as const;

/** An event type as the platform names them (`order.paid`, `refund.succeeded`, …): a filter, not a closed list. */
export const eventType = z.string().check(z.regex(/^[a-z_]{1,32}(\.[a-z_]{1,32}){1,3}$/));

export const pageQuerySchema = z.strictObject({ limit, cursor });

export const opsEventsQuerySchema = z.strictObject({
  merchantId: z.string().check(z.regex(/^m_[0-9a-z]{26}$/)),
  type: z.optional(eventType),
  deliveryStatus: z.optional(z.enum(DELIVERY_STATUSES)),
  limit,
  cursor,
});

export const merchantIdParam = z.string().check(z.regex(/^m_[0-9a-z]{26}$/));
