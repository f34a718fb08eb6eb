import * as z from 'zod/mini';
import { CURRENCY_EXPONENT, MAX_AMOUNT_MINOR } from '../domain/money.js';
import { PAYMENT_METHODS } from '../domain/order.js';
import { ORDER_STATUSES } from '../domain/order-state.js';

/**
 * Request schemas. Objects are strict: an unknown field is a 400 naming it. Written with `zod/mini` (the same
 * engine as `zod`, functional API, tree-shakable): full `zod` adds about 440 KB to every Lambda bundle.
 */
const currencies = Object.keys(CURRENCY_EXPONENT) as [keyof typeof CURRENCY_EXPONENT, ...(keyof typeof CURRENCY_EXPONENT)[]];

export const amountSchema = z.int().check(z.minimum(1), z.maximum(MAX_AMOUNT_MINOR));
export const currencySchema = z.enum(currencies);
const businessNo = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/));

export const createOrderSchema = z.strictObject({
  outTradeNo: businessNo,
  amount: amountSchema,
  currency: currencySchema,
  subject: z.string().check(z.minLength(1), z.maxLength(128)),
  notifyUrl: z.optional(z.string().check(z.maxLength(2048))),
  /** Where the hosted checkout sends the payer at the end (shared/checkout/return-url.ts checks it). */
  returnUrl: z.optional(z.string().check(z.maxLength(2048))),
  expiresInSeconds: z._default(z.int().check(z.minimum(60), z.maximum(86_400)), 1800),
  metadata: z._default(
    z
      .record(z.string().check(z.minLength(1), z.maxLength(40)), z.string().check(z.maxLength(500)))
      .check(z.refine((m) => Object.keys(m).length <= 20, { message: 'at most 20 keys' })),
    {},
  ),
  /** `topup`: paying the order tops up `customerId`'s balance (shared/services/customers.ts). */
  purpose: z.optional(z.enum(['payment', 'topup'])),
  customerId: z.optional(z.string().check(z.regex(/^cus_[0-9a-z]{26}$/))),
});
export type CreateOrderRequest = z.infer<typeof createOrderSchema>;

export const cardSchema = z.strictObject({
  number: z.string().check(z.regex(/^\d{12,19}$/)),
  expMonth: z.int().check(z.minimum(1), z.maximum(12)),
  expYear: z.int().check(z.minimum(2000), z.maximum(2100)),
  cvc: z.string().check(z.regex(/^\d{3,4}$/)),
});

export const payerSchema = z.strictObject({
  id: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  ip: z.optional(z.union([z.ipv4(), z.ipv6()])),
});

export const payOrderSchema = z.strictObject({
  method: z.enum(PAYMENT_METHODS),
  capture: z._default(z.boolean(), true),
  card: z.optional(cardSchema),
  /** netbank: the payer's bank (e.g. ICBC); without it the bank's page lets the payer pick one. */
  netbank: z.optional(z.strictObject({ bank: z.optional(z.string().check(z.regex(/^[A-Z0-9]{2,16}$/))) })),
  payer: z.optional(payerSchema),
  /** balance: the customer whose balance pays. */
  customerId: z.optional(z.string().check(z.regex(/^cus_[0-9a-z]{26}$/))),
  /** agreement: the ACTIVE agreement to debit (shared/services/agreement-debit.ts). */
  agreementId: z.optional(z.string().check(z.regex(/^agr_[0-9a-z]{26}$/))),
});
export type PayOrderRequest = z.infer<typeof payOrderSchema>;

export const confirmPaymentSchema = z.strictObject({
  otp: z.string().check(z.regex(/^\d{4,10}$/)),
});

/** Capture of an authorization: `amount` (≤ payment.amountAuthorized) or, without it, the whole authorization. */
export const captureOrderSchema = z.strictObject({
  amount: z.optional(amountSchema),
});
export type CaptureOrderRequest = z.infer<typeof captureOrderSchema>;

export const createRefundSchema = z.strictObject({
  outRefundNo: businessNo,
  amount: amountSchema,
  reason: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
});
export type CreateRefundRequest = z.infer<typeof createRefundSchema>;

export const emptyBodySchema = z.strictObject({});

/** Normalised to millisecond precision, so that string comparison with stored times is exact. */
const isoTime = z.pipe(
  z.iso.datetime({ offset: true }),
  z.transform((value: string) => new Date(value).toISOString()),
);
export const listOrdersQuerySchema = z.strictObject({
  outTradeNo: z.optional(businessNo),
  status: z.optional(z.enum(ORDER_STATUSES)),
  createdFrom: z.optional(isoTime),
  createdTo: z.optional(isoTime),
  limit: z._default(z.pipe(z.coerce.number(), z.int().check(z.minimum(1), z.maximum(100))), 20),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
});

export const idParam = (prefix: string) => z.string().check(z.regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`)));

export const DELIVERY_STATUSES = ['PENDING', 'RETRYING', 'DELIVERED', 'FAILED', 'REFUSED', 'NO_URL'] as const;

/** An event type as the platform names them (`order.succeeded`, `refund.failed`, …): a filter, not a closed list. */
export const eventType = z.string().check(z.regex(/^[a-z_]{1,32}(\.[a-z_]{1,32}){1,3}$/));

// An order's events, or an agreement's (`agr_…`): the contract's one filter names the object the events are about
// (docs/decisions.md, 144).
export const eventsQuerySchema = z.strictObject({
  orderId: z.optional(
    z.union([idParam('ord'), idParam('agr')]).check(z.describe("The order (`ord_…`) or the agreement (`agr_…`) whose events to list; without it, every event of the merchant, newest first.")),
  ),
  type: z.optional(eventType.check(z.describe('Only events of this type (`order.succeeded`, `refund.failed`, …).'))),
  deliveryStatus: z.optional(z.enum(DELIVERY_STATUSES).check(z.describe('Only events whose delivery is in this state (`FAILED`: the schedule is exhausted).'))),
  limit: z.optional(z.pipe(z.coerce.number(), z.int().check(z.minimum(1), z.maximum(100))).check(z.describe('Page size without orderId, 1-100 (default 20).'))),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048), z.describe('The previous page\'s nextCursor (without orderId).'))),
});

export const testWebhookSchema = z.strictObject({ url: z.string().check(z.minLength(1), z.maxLength(2048)) });

export const createCustomerSchema = z.strictObject({
  outCustomerNo: businessNo,
  name: z.string().check(z.minLength(1), z.maxLength(128)),
});
export type CreateCustomerRequest = z.infer<typeof createCustomerSchema>;

export const findCustomerQuerySchema = z.strictObject({ outCustomerNo: businessNo });

export const customerTransactionsQuerySchema = z.strictObject({
  limit: z._default(z.pipe(z.coerce.number(), z.int().check(z.minimum(1), z.maximum(100))), 20),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
});

/** GET /v1/settlements: pages like the orders list (limit 1–100, default 20; the cursor of the previous page). */
export const listSettlementsQuerySchema = customerTransactionsQuerySchema;
