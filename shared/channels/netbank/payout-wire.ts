import * as z from 'zod/mini';
import { CURRENCY_EXPONENT } from '../../domain/money.js';

/**
 * The sandbox bank's payout (代付) API, beside its payment API and signed the same way (signature.ts): a transfer is
 * requested with our payout id as `payoutNo` (the bank's idempotency key: the same number twice is one transfer),
 * accepted as PROCESSING, and its result comes by signed notice and by query (docs/decisions.md, entry 158).
 */
export const NETBANK_PAYOUT_PATHS = {
  create: '/api/v1/payouts',
  query: '/api/v1/payouts/query',
} as const;

export const NETBANK_PAYOUT_STATUSES = ['PROCESSING', 'SUCCEEDED', 'FAILED', 'RETURNED'] as const;

const currencies = Object.keys(CURRENCY_EXPONENT) as [keyof typeof CURRENCY_EXPONENT, ...(keyof typeof CURRENCY_EXPONENT)[]];
const payoutNo = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/));
const decimal = z.string().check(z.regex(/^\d{1,12}(\.\d{1,2})?$/));

export const netbankPayoutCreateSchema = z.object({
  merchantNo: z.string(),
  payoutNo,
  amount: decimal,
  currency: z.enum(currencies),
  bankCode: z.string().check(z.minLength(1), z.maxLength(16)),
  accountNumber: z.string().check(z.regex(/^\d{8,34}$/)),
  accountName: z.string().check(z.minLength(1), z.maxLength(128)),
  notifyUrl: z.url(),
});
export type NetbankPayoutCreateBody = z.infer<typeof netbankPayoutCreateSchema>;

export const netbankPayoutRefSchema = z.object({ merchantNo: z.string(), payoutNo });

/** A transfer as the bank reports it (create and query answers, notices). */
export const netbankPayoutSchema = z.object({
  payoutNo,
  bankPayoutId: z.string(),
  status: z.enum(NETBANK_PAYOUT_STATUSES),
  amount: decimal,
  currency: z.enum(currencies),
  failCode: z.optional(z.string()),
});
export type NetbankPayout = z.infer<typeof netbankPayoutSchema>;

export const netbankPayoutNotifySchema = z.object({
  ...netbankPayoutSchema.shape,
  notifyId: z.string().check(z.minLength(1)),
  notifyType: z.literal('PAYOUT'),
  merchantNo: z.string(),
});
export type NetbankPayoutNotify = z.infer<typeof netbankPayoutNotifySchema>;
