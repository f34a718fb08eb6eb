import * as z from 'zod/mini';
import { RISK_ACTIONS, VELOCITY_METRICS, VELOCITY_SUBJECTS } from '../domain/velocity.js';
import { merchantIdParam, pageQuerySchema } from './ops-schemas.js';
import { currencySchema, idParam, payerSchema } from './requests.js';

/** The operations API's risk routes (docs/operations.md, "Risk"): blocklist entries and velocity rules. */

export const velocitySubjectSchema = z.enum(VELOCITY_SUBJECTS);

/**
 * A blocklist value as the pay request carries it: a payer id (1-64 characters), an IP address (v4 or v6), or a card
 * fingerprint (the 32 hex characters the order's card summary shows, longer than any card number: never a number).
 */
const valueSchemas = {
  payer_id: payerSchema.shape.id.def.innerType,
  payer_ip: payerSchema.shape.ip.def.innerType,
  card_fingerprint: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
} as const;

export const blocklistEntrySchema = z.strictObject({
  subject: velocitySubjectSchema,
  value: z.string().check(z.minLength(1), z.maxLength(128)),
  reason: z._default(z.string().check(z.minLength(1), z.maxLength(256)), 'blocked by operator'),
});

/** The value checked against its subject's own format; `param` names the field in the 400. */
export function blocklistValue(subject: keyof typeof valueSchemas, value: unknown): string {
  const parsed = z.safeParse(valueSchemas[subject], value);
  return parsed.success ? parsed.data : '';
}

export const blocklistQuerySchema = pageQuerySchema;

export const velocityRuleIdParam = idParam('vr');

const threshold = z.int().check(z.minimum(0), z.maximum(100_000_000_000_000));
/** One second (tests) to seven days; a window's counters are kept a seventh longer (docs/decisions.md, 216). */
const windowSeconds = z.int().check(z.minimum(1), z.maximum(604_800));
const action = z.enum(RISK_ACTIONS);
const description = z.string().check(z.minLength(1), z.maxLength(256));

export const velocityRuleCreateSchema = z.strictObject({
  merchantId: z.optional(merchantIdParam),
  subject: velocitySubjectSchema,
  metric: z.enum(VELOCITY_METRICS),
  threshold,
  windowSeconds,
  currency: z.optional(currencySchema),
  action,
  enabled: z._default(z.boolean(), true),
  replaces: z.optional(velocityRuleIdParam),
  description: z.optional(description),
});

/** What a rule's PATCH may change: its subject, metric and scope are what it is; change those with a new rule. */
export const velocityRulePatchSchema = z.strictObject({
  threshold: z.optional(threshold),
  windowSeconds: z.optional(windowSeconds),
  currency: z.optional(currencySchema),
  action: z.optional(action),
  enabled: z.optional(z.boolean()),
  description: z.optional(description),
});

export const velocityRuleListQuerySchema = z.strictObject({ merchantId: z.optional(merchantIdParam) });
