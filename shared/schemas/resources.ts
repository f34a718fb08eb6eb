import * as z from 'zod/mini';
import { ERROR_CODES, type ErrorCode } from '../domain/error-codes.js';
import type { Currency } from '../domain/money.js';
import { effectiveOrder, PAYMENT_METHODS, type Order, type Refund } from '../domain/order.js';
import { ORDER_STATUSES } from '../domain/order-state.js';
import type { BalanceRow } from '../ports/stores.js';
import { amountSchema, currencySchema, idParam } from './requests.js';

/**
 * The public JSON of each object: what the API returns and what events carry. Internal fields (refundable
 * remainder, notify URL, channel ids of other attempts) stay inside. Each shape is a zod schema and each builder
 * returns its inferred type, so the compiler ties the builders to the schemas the OpenAPI document is generated from
 * (infra/definitions/openapi.ts), and the e2e suite checks real answers against that document.
 */
export const timeSchema = z.iso.datetime();
const nonNegative = z.int().check(z.minimum(0));

export const cardSummarySchema = z.object({
  brand: z.enum(['visa', 'mastercard', 'unionpay', 'amex', 'jcb', 'unknown']),
  last4: z.string().check(z.regex(/^\d{4}$/)),
  expMonth: z.int().check(z.minimum(1), z.maximum(12)),
  expYear: z.int(),
  fingerprint: z.string().check(z.describe('Keyed hash of the number: the same card gives the same fingerprint, and it never leads back to the number.')),
});

export const nextActionSchema = z.object({
  type: z.enum(['redirect', 'qr_code', 'otp']),
  url: z.string().check(z.describe("Opens the platform's hosted checkout page.")),
  qrCode: z.optional(z.string().check(z.describe('For qr_code: the string the payer\'s wallet scans.'))),
});

export const paymentSchema = z.object({
  id: idParam('pay'),
  method: z.enum(PAYMENT_METHODS),
  capture: z.boolean(),
  channel: z.nullable(z.string()),
  channelPaymentId: z.nullable(z.string()),
  card: z.nullable(cardSummarySchema),
  nextAction: z.nullable(nextActionSchema),
  fee: nonNegative.check(z.describe("The platform's fee in minor units, known once the payment succeeded.")),
  createdAt: timeSchema,
});

export const paymentErrorSchema = z.object({
  code: z.string().check(z.describe('A decline code (card_declined, insufficient_funds, …) or the reason the attempt ended.')),
  message: z.string(),
  paymentId: idParam('pay'),
  at: timeSchema,
});

export const refundSchema = z.object({
  id: idParam('rf'),
  object: z.literal('refund'),
  orderId: idParam('ord'),
  outRefundNo: z.string(),
  amount: amountSchema,
  currency: currencySchema,
  status: z.enum(['PROCESSING', 'SUCCEEDED', 'FAILED']),
  reason: z.nullable(z.string()),
  failureCode: z.nullable(z.string()),
  version: z.int().check(z.minimum(1)),
  createdAt: timeSchema,
  updatedAt: timeSchema,
});
export type RefundResource = z.infer<typeof refundSchema>;

export const orderSchema = z.object({
  id: idParam('ord'),
  object: z.literal('order'),
  merchantId: idParam('m'),
  outTradeNo: z.string(),
  amount: amountSchema,
  currency: currencySchema,
  status: z.enum(ORDER_STATUSES),
  version: z.int().check(z.minimum(1), z.describe('Grows by one with every change: apply only newer versions of an order.')),
  amountCaptured: nonNegative,
  amountRefunded: nonNegative,
  subject: z.string(),
  metadata: z.record(z.string(), z.string()),
  payment: z.nullable(paymentSchema),
  lastPaymentError: z.nullable(paymentErrorSchema),
  createdAt: timeSchema,
  expiresAt: timeSchema,
  updatedAt: timeSchema,
  closedAt: z.nullable(timeSchema),
  closeReason: z.nullable(z.enum(['merchant', 'expired', 'voided', 'authorization_expired'])),
  refunds: z.optional(z.array(refundSchema).check(z.describe('Embedded when one order is read or created, oldest first.'))),
});
export type OrderResource = z.infer<typeof orderSchema>;

export const orderListSchema = z.object({
  data: z.array(orderSchema),
  nextCursor: z.nullable(z.string().check(z.describe('Pass as `cursor` for the next page; null on the last page.'))),
});

const moneySchema = z.object({ currency: currencySchema, amount: z.int() });
export const balanceSchema = z.object({
  object: z.literal('balance'),
  available: z.array(moneySchema),
  pending: z.array(moneySchema),
});

export const errorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);
export const errorSchema = z.object({
  error: z.object({
    type: z.enum(['invalid_request', 'authentication', 'permission', 'conflict', 'payment', 'rate_limit', 'internal']),
    code: errorCodeSchema,
    message: z.string(),
    param: z.optional(z.string().check(z.describe('The request field (or header) at fault.'))),
    requestId: z.string(),
    orderId: z.optional(z.string().check(z.describe('duplicate_out_trade_no: the existing order; declines: the order paid.'))),
    refundId: z.optional(idParam('rf').check(z.describe('duplicate_out_refund_no: the refund that has this outRefundNo.'))),
  }),
});

export function orderResource(stored: Order, nowMs: number, refunds?: readonly Refund[]): OrderResource {
  const order = effectiveOrder(stored, nowMs);
  return {
    id: order.id,
    object: 'order',
    merchantId: order.merchantId,
    outTradeNo: order.outTradeNo,
    amount: order.amount,
    currency: order.currency,
    status: order.status,
    version: order.version,
    amountCaptured: order.amountCaptured,
    amountRefunded: order.amountRefunded,
    subject: order.subject,
    metadata: order.metadata,
    payment: order.payment
      ? {
          id: order.payment.id,
          method: order.payment.method,
          capture: order.payment.capture,
          channel: order.payment.channel,
          channelPaymentId: order.payment.channelPaymentId,
          card: order.payment.card,
          nextAction: order.payment.nextAction,
          fee: order.payment.fee,
          createdAt: order.payment.createdAt,
        }
      : null,
    lastPaymentError: order.lastPaymentError,
    createdAt: order.createdAt,
    expiresAt: order.expiresAt,
    updatedAt: order.updatedAt,
    closedAt: order.closedAt,
    closeReason: order.closeReason,
    ...(refunds ? { refunds: refunds.map(refundResource) } : {}),
  };
}

export function refundResource(refund: Refund): RefundResource {
  return {
    id: refund.id,
    object: 'refund',
    orderId: refund.orderId,
    outRefundNo: refund.outRefundNo,
    amount: refund.amount,
    currency: refund.currency,
    status: refund.status,
    reason: refund.reason,
    failureCode: refund.failureCode,
    version: refund.version,
    createdAt: refund.createdAt,
    updatedAt: refund.updatedAt,
  };
}

export function orderListResource(orders: readonly Order[], nextCursor: string | null, nowMs: number): z.infer<typeof orderListSchema> {
  return { data: orders.map((o) => orderResource(o, nowMs)), nextCursor };
}

/** The ledger keeps currencies as the orders' own codes, so each is one of the API's currencies. */
export function balanceResource(available: readonly BalanceRow[], pending: readonly BalanceRow[] = []): z.infer<typeof balanceSchema> {
  const money = (row: BalanceRow) => ({ currency: row.currency as Currency, amount: row.amount });
  return { object: 'balance', available: available.map(money), pending: pending.map(money) };
}
