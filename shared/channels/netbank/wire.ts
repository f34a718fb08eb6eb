import * as z from 'zod/mini';
import { CURRENCY_EXPONENT } from '../../domain/money.js';

/**
 * The sandbox bank's server-to-server API: JSON bodies, signed both ways (signature.ts). Amounts are decimal strings
 * in the currency's major unit, as bank gateways send them; our order number (`orderNo`) is the attempt id.
 */
export const NETBANK_PATHS = {
  create: '/api/v1/payments',
  query: '/api/v1/payments/query',
  close: '/api/v1/payments/close',
  refund: '/api/v1/refunds',
  queryRefund: '/api/v1/refunds/query',
} as const;

/** The banks the sandbox bank's page offers (codes as Chinese B2C gateways use them). */
export const NETBANK_BANKS: Readonly<Record<string, string>> = {
  ICBC: 'Industrial and Commercial Bank of China',
  CMB: 'China Merchants Bank',
  ABC: 'Agricultural Bank of China',
  BOC: 'Bank of China',
  CCB: 'China Construction Bank',
};

const currencies = Object.keys(CURRENCY_EXPONENT) as [keyof typeof CURRENCY_EXPONENT, ...(keyof typeof CURRENCY_EXPONENT)[]];
const orderNo = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/));
const decimal = z.string().check(z.regex(/^\d{1,12}(\.\d{1,2})?$/));

export const netbankCreateSchema = z.object({
  merchantNo: z.string(),
  orderNo,
  amount: decimal,
  currency: z.enum(currencies),
  subject: z.string().check(z.minLength(1), z.maxLength(256)),
  bankCode: z.optional(z.string()),
  notifyUrl: z.url(),
  returnUrl: z.optional(z.url()),
  expireTime: z.iso.datetime({ offset: true }),
  payerIp: z.optional(z.string()),
});
export type NetbankCreateBody = z.infer<typeof netbankCreateSchema>;

export const netbankOrderRefSchema = z.object({ merchantNo: z.string(), orderNo });

export const netbankRefundSchema = z.object({
  merchantNo: z.string(),
  orderNo,
  refundNo: orderNo,
  amount: decimal,
  currency: z.enum(currencies),
  reason: z.optional(z.string().check(z.maxLength(256))),
  notifyUrl: z.optional(z.string()),
});
export type NetbankRefundBody = z.infer<typeof netbankRefundSchema>;

export const netbankRefundRefSchema = z.object({ merchantNo: z.string(), refundNo: orderNo });

export const NETBANK_ORDER_STATUSES = ['PENDING', 'PAID', 'FAILED', 'CLOSED'] as const;
export type NetbankOrderStatus = (typeof NETBANK_ORDER_STATUSES)[number];

/** An order as the bank reports it (query answers, close answers for a paid order, notifies). */
export const netbankOrderSchema = z.object({
  orderNo,
  bankOrderId: z.string(),
  status: z.enum(NETBANK_ORDER_STATUSES),
  amount: decimal,
  currency: z.enum(currencies),
  bankCode: z.optional(z.string()),
  paidTime: z.optional(z.string()),
  failCode: z.optional(z.string()),
});
export type NetbankOrder = z.infer<typeof netbankOrderSchema>;

export const netbankNotifySchema = z.object({
  ...netbankOrderSchema.shape,
  notifyId: z.string().check(z.minLength(1)),
  notifyType: z.literal('PAYMENT'),
  merchantNo: z.string(),
});
export type NetbankNotify = z.infer<typeof netbankNotifySchema>;

export const netbankRefundStateSchema = z.object({
  refundNo: orderNo,
  bankRefundId: z.string(),
  status: z.enum(['SUCCESS', 'PROCESSING', 'FAILED']),
  failCode: z.optional(z.string()),
});
export type NetbankRefundState = z.infer<typeof netbankRefundStateSchema>;

/** Every answer carries `code`: `SUCCESS`, or the bank's error code with a message. */
export const netbankAnswerSchema = z.looseObject({ code: z.string(), message: z.optional(z.string()) });

/** The acknowledgement the bank waits for; anything else (or no answer) and it notifies again. */
export const NETBANK_NOTIFY_ACK = { code: 'SUCCESS' } as const;
