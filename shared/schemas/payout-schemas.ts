import * as z from 'zod/mini';
import { amountSchema, currencySchema } from './requests.js';

/** Payouts' request schemas (contract, "Payouts"), apart from the order's so the payouts function bundles only these. */
const businessNo = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/));

export const PAYOUT_STATUSES = ['PROCESSING', 'SUCCEEDED', 'FAILED', 'RETURNED'] as const;

export const createPayoutSchema = z.strictObject({
  outPayoutNo: businessNo,
  amount: amountSchema,
  currency: currencySchema,
  destination: z.strictObject({
    type: z.literal('bank_account'),
    bankCode: z.string().check(z.regex(/^[A-Z]{2,10}$/)),
    // Mainland bank card and account numbers: 8 to 34 digits (IBAN-length at most); never echoed back whole.
    accountNumber: z.string().check(z.regex(/^\d{8,34}$/)),
    accountName: z.string().check(z.minLength(1), z.maxLength(128)),
  }),
  notifyUrl: z.optional(z.string().check(z.maxLength(2048))),
});

export const listPayoutsQuerySchema = z.strictObject({
  status: z.optional(z.enum(PAYOUT_STATUSES)),
  limit: z._default(z.pipe(z.coerce.number(), z.int().check(z.minimum(1), z.maximum(100))), 20),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
});

const time = z.iso.datetime();

/** A payout as the API answers it (shared/domain/payout.ts, payoutResource): the account as its last four digits only. */
export const payoutSchema = z.object({
  id: z.string().check(z.regex(/^po_[0-9a-z]{26}$/)),
  object: z.literal('payout'),
  outPayoutNo: z.string(),
  status: z.enum(PAYOUT_STATUSES),
  amount: amountSchema,
  currency: currencySchema,
  fee: z.int().check(z.minimum(0)),
  destination: z.object({ type: z.literal('bank_account'), bankCode: z.string(), last4: z.string().check(z.regex(/^\d{4}$/)), accountName: z.string() }),
  notifyUrl: z.nullable(z.string()),
  failureCode: z.nullable(z.string()),
  createdAt: time,
  updatedAt: time,
  version: z.int().check(z.minimum(1), z.describe('Grows with each change; a webhook carries the version it describes.')),
});

export const payoutListSchema = z.object({ object: z.literal('list'), data: z.array(payoutSchema), nextCursor: z.nullable(z.string()) });
