import * as z from 'zod/mini';
import { MAX_AMOUNT_MINOR } from '../domain/money.js';
import { PAYMENT_METHODS } from '../domain/order.js';
import { amountSchema, currencySchema } from './requests.js';

/** The operations API's channel requests (docs/operations.md, "Channels"). */

/** A channel id as the registry names them (lower case, digits, underscores). */
export const channelIdParam = z.string().check(z.regex(/^[a-z][a-z0-9_]{0,39}$/));

/**
 * PATCH /ops/v1/channels/{id}: the fields an operator tunes; at least one. `dailyLimit` replaces the whole map of
 * per-currency quotas (null removes them). `methods` and `currencies` narrow what the channel is routed: a non-empty
 * subset of what its integration can do (checked against the registry's row when applied). Enabling and disabling have their own routes, so an edit of limits cannot
 * switch a channel on by accident.
 */
export const channelPatchSchema = z
  .strictObject({
    methods: z.optional(z.array(z.enum(PAYMENT_METHODS)).check(z.minLength(1), z.maxLength(PAYMENT_METHODS.length))),
    currencies: z.optional(z.array(currencySchema).check(z.minLength(1), z.maxLength(20))),
    minAmount: z.optional(amountSchema),
    maxAmount: z.optional(amountSchema),
    dailyLimit: z.optional(z.nullable(z.partialRecord(currencySchema, z.int().check(z.minimum(1), z.maximum(MAX_AMOUNT_MINOR * 1000))))),
    costBps: z.optional(z.int().check(z.minimum(0), z.maximum(10_000))),
    costFixed: z.optional(z.int().check(z.minimum(0), z.maximum(MAX_AMOUNT_MINOR))),
    priority: z.optional(z.int().check(z.minimum(0), z.maximum(1_000))),
  })
  .check(z.refine((patch) => Object.keys(patch).length > 0, 'name at least one field to change'));

export type ChannelPatch = z.infer<typeof channelPatchSchema>;
