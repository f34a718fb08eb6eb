import * as z from 'zod/mini';
import { ERROR_CODES, type ErrorCode } from '../domain/error-codes.js';
import { PAYMENT_METHODS } from '../domain/order.js';
import { ORDER_STATUSES } from '../domain/order-state.js';
import { agreementSchema } from './agreement-schemas.js';
import { payoutSchema } from './payout-schemas.js';
import { amountSchema, currencySchema, idParam } from './requests.js';

/**
 * The zod schemas of everything the API answers and sends: resources, lists, the error envelope, events and webhook
 * bodies. The builders in resources.ts and event-resources.ts return their inferred types, so the compiler ties the
 * JSON the handlers produce to these schemas; the OpenAPI document is generated from them
 * (infra/definitions/openapi.ts), and the e2e suite checks real answers against that document. Only types flow into
 * the handlers: a Lambda bundle never builds these schemas.
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
  amountAuthorized: z.optional(amountSchema.check(z.describe('Authorizations (capture: false): the amount held, capturable in whole or in part, once.'))),
  captureBefore: z.optional(timeSchema.check(z.describe('Authorizations: not captured by then, the hold is voided and the order CLOSED (`authorization_expired`).'))),
  customerId: z.optional(idParam('cus').check(z.describe('balance: the customer whose balance paid.'))),
  agreementId: z.optional(idParam('agr').check(z.describe('agreement: the agreement this debit was made under.'))),
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
  purpose: z.optional(z.enum(['payment', 'topup']).check(z.describe('topup: its success credits customerId\'s balance; absent on sales.'))),
  customerId: z.optional(idParam('cus').check(z.describe('topup: the customer whose balance it tops up.'))),
});

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

/** A settlement batch (contract, "Merchant balance, settlement and statements"; docs/decisions.md, 151–152). */
export const settlementSchema = z.object({
  id: idParam('stl'),
  object: z.literal('settlement'),
  currency: currencySchema,
  settledAt: timeSchema.check(z.describe('When its net moved from pending to available.')),
  count: nonNegative.check(z.describe('How many payments, refunds and fees drawn from pending it settled.')),
  gross: nonNegative.check(z.describe('The captured amounts of its payments.')),
  fees: nonNegative.check(z.describe("The platform's fees on them (and fees drawn from pending).")),
  refunds: nonNegative.check(z.describe('Refunds drawn from pending since the previous batch.')),
  net: z.int().check(z.describe('gross − fees − refunds: what moved from pending to available (negative: back to pending).')),
});

export const settlementListSchema = z.object({
  data: z.array(settlementSchema),
  nextCursor: z.nullable(z.string().check(z.describe('Pass as `cursor` for the next (older) page; null on the last page.'))),
});

export const customerSchema = z.object({
  id: idParam('cus'),
  object: z.literal('customer'),
  outCustomerNo: z.string(),
  name: z.string(),
  balances: z.array(z.object({ currency: currencySchema, amount: nonNegative })).check(z.describe('Per currency; CNY always listed, the others once the customer has had a movement in them.')),
  createdAt: timeSchema,
});

export const customerTransactionSchema = z.object({
  object: z.literal('customer_transaction'),
  id: z.string().check(z.describe('The ledger entry of the movement.')),
  type: z.enum(['topup', 'payment', 'refund', 'topup_refund', 'topup_refund_returned']),
  amount: z.int().check(z.describe('Signed minor units: + credits the balance, − debits it.')),
  currency: currencySchema,
  balanceAfter: nonNegative.check(z.describe('The balance in this currency after the movement.')),
  orderId: idParam('ord'),
  refundId: z.nullable(idParam('rf')),
  createdAt: timeSchema,
});

export const customerTransactionListSchema = z.object({
  data: z.array(customerTransactionSchema),
  nextCursor: z.nullable(z.string().check(z.describe('Pass as `cursor` for the next (older) page; null on the last page.'))),
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
    customerId: z.optional(idParam('cus').check(z.describe('duplicate_out_customer_no: the customer that has this outCustomerNo.'))),
    agreementId: z.optional(idParam('agr').check(z.describe('duplicate_out_agreement_no: the agreement that has this outAgreementNo.'))),
    payoutId: z.optional(idParam('po').check(z.describe('duplicate_out_payout_no: the payout that has this outPayoutNo.'))),
  }),
});


/** Every event type the platform emits, by the kind of object it carries. */
export const ORDER_EVENT_TYPES = ['order.succeeded', 'order.authorized', 'order.closed', 'order.payment_failed'] as const;
export const REFUND_EVENT_TYPES = ['refund.succeeded', 'refund.failed'] as const;
export const AGREEMENT_EVENT_TYPES = ['agreement.activated', 'agreement.terminated'] as const;
export const PAYOUT_EVENT_TYPES = ['payout.succeeded', 'payout.failed', 'payout.returned'] as const;
export const EVENT_TYPES = [...ORDER_EVENT_TYPES, ...REFUND_EVENT_TYPES, ...AGREEMENT_EVENT_TYPES, ...PAYOUT_EVENT_TYPES] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const eventId = idParam('evt');

// Events and webhooks.

/** The body of a webhook (shared/domain/webhook.ts `webhookBody`): `data.object` is the object after the change. */
const payload = <T extends z.ZodMiniType, O extends z.ZodMiniType>(type: T, object: O) =>
  z.object({ id: eventId, type, createdAt: timeSchema, data: z.object({ object }) });

export const orderEventPayloadSchema = payload(z.enum(ORDER_EVENT_TYPES), orderSchema);
export const refundEventPayloadSchema = payload(z.enum(REFUND_EVENT_TYPES), refundSchema);
export const agreementEventPayloadSchema = payload(z.enum(AGREEMENT_EVENT_TYPES), agreementSchema);
export const payoutEventPayloadSchema = payload(z.enum(PAYOUT_EVENT_TYPES), payoutSchema);
export const pingPayloadSchema = payload(
  z.literal('ping'),
  z.object({ object: z.literal('ping'), merchantId: idParam('m') }),
);

export const deliveryAttemptSchema = z.object({
  at: timeSchema,
  attempt: z.int().check(z.minimum(1), z.describe('1-based; manual redeliveries continue the count and carry manual: true.')),
  httpStatus: z.nullable(z.int().check(z.describe("The receiver's status, or null when no HTTP answer came (see error)."))),
  latencyMs: z.int().check(z.minimum(0)),
  error: z.nullable(z.string()),
  manual: z.boolean(),
});

export const eventSchema = z.object({
  id: eventId,
  object: z.literal('event'),
  type: z.enum(EVENT_TYPES),
  createdAt: timeSchema,
  orderId: z.union([idParam('ord'), idParam('agr'), idParam('po')]).check(z.describe("The order the event is about; for an agreement's or a payout's events, its own id (`agr_…`, `po_…`).")),
  data: z.object({
    object: z.nullable(z.union([orderSchema, refundSchema, agreementSchema, payoutSchema])).check(
      z.describe('The object after the change; null for a REFUSED event, whose object failed the integrity check.'),
    ),
  }),
  delivery: z.object({
    status: z.enum(['PENDING', 'RETRYING', 'DELIVERED', 'FAILED', 'REFUSED', 'NO_URL']),
    reason: z.nullable(z.string()),
    notifyUrl: z.nullable(z.string()),
    nextAttemptAt: z.nullable(timeSchema),
    attempts: z.array(deliveryAttemptSchema),
  }),
});

export const eventListSchema = z.object({
  object: z.literal('list'),
  data: z.array(eventSchema),
  nextCursor: z.nullable(z.string()).check(z.describe('Pass back as `cursor` for the next page; null on the last page, and always for one object\'s events.')),
});

export const platformKeysSchema = z.object({
  keys: z.array(
    z.object({
      keyId: z.string(),
      algorithm: z.literal('ECDSA_P256_SHA256'),
      publicKeyPem: z.string(),
      status: z.enum(['active', 'retiring']),
    }),
  ),
});

export const webhookTestResultSchema = z.object({
  object: z.literal('webhook_test'),
  url: z.string(),
  eventId,
  delivered: z.boolean(),
  httpStatus: z.nullable(z.int()),
  latencyMs: z.int().check(z.minimum(0)),
  error: z.nullable(z.string()),
});

