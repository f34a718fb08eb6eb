import { z } from 'zod';
import { CURRENCY_EXPONENT, MAX_AMOUNT_MINOR } from '../domain/money.js';
import { PAYMENT_METHODS } from '../domain/order.js';
import { ORDER_STATUSES } from '../domain/order-state.js';

/**
 * Request schemas. Objects are strict: an unknown field is a 400 naming it. The OpenAPI document is generated
 * from these same schemas.
 */
const currencies = Object.keys(CURRENCY_EXPONENT) as [keyof typeof CURRENCY_EXPONENT, ...(keyof typeof CURRENCY_EXPONENT)[]];

export const amountSchema = z.number().int().min(1).max(MAX_AMOUNT_MINOR);
export const currencySchema = z.enum(currencies);
const businessNo = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const createOrderSchema = z.strictObject({
  outTradeNo: businessNo,
  amount: amountSchema,
  currency: currencySchema,
  subject: z.string().min(1).max(128),
  notifyUrl: z.string().max(2048).optional(),
  expiresInSeconds: z.number().int().min(60).max(86_400).default(1800),
  metadata: z
    .record(z.string().min(1).max(40), z.string().max(500))
    .refine((m) => Object.keys(m).length <= 20, { message: 'at most 20 keys' })
    .default({}),
});
export type CreateOrderRequest = z.infer<typeof createOrderSchema>;

export const cardSchema = z.strictObject({
  number: z.string().regex(/^\d{12,19}$/),
  expMonth: z.number().int().min(1).max(12),
  expYear: z.number().int().min(2000).max(2100),
  cvc: z.string().regex(/^\d{3,4}$/),
});

export const payerSchema = z.strictObject({
  id: z.string().min(1).max(64).optional(),
  ip: z.union([z.ipv4(), z.ipv6()]).optional(),
});

export const payOrderSchema = z.strictObject({
  method: z.enum(PAYMENT_METHODS),
  capture: z.boolean().default(true),
  card: cardSchema.optional(),
  payer: payerSchema.optional(),
});
export type PayOrderRequest = z.infer<typeof payOrderSchema>;

export const confirmPaymentSchema = z.strictObject({
  otp: z.string().regex(/^\d{4,10}$/),
});

export const createRefundSchema = z.strictObject({
  outRefundNo: businessNo,
  amount: amountSchema,
  reason: z.string().min(1).max(256).optional(),
});
export type CreateRefundRequest = z.infer<typeof createRefundSchema>;

export const emptyBodySchema = z.strictObject({});

/** Normalised to millisecond precision, so that string comparison with stored times is exact. */
const isoTime = z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString());
export const listOrdersQuerySchema = z.strictObject({
  outTradeNo: businessNo.optional(),
  status: z.enum(ORDER_STATUSES).optional(),
  createdFrom: isoTime.optional(),
  createdTo: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(2048).optional(),
});

export const idParam = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`));

export const eventsQuerySchema = z.strictObject({ orderId: idParam('ord') });

export const testWebhookSchema = z.strictObject({ url: z.string().min(1).max(2048) });
