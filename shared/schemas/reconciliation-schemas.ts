import * as z from 'zod/mini';

/** `POST /ops/v1/reconciliations` (docs/operations.md): the channel's id and its business day. */
export const reconciliationRequestSchema = z.strictObject({
  channel: z.string().check(z.regex(/^[a-z][a-z0-9_]{0,31}$/)),
  date: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/)),
});

export const reconciliationIdParam = z.string().check(z.regex(/^rec_[0-9a-z]{26}$/));

export const reconciliationListQuerySchema = z.strictObject({
  limit: z._default(z.pipe(z.coerce.number(), z.int().check(z.minimum(1), z.maximum(100))), 20),
});
