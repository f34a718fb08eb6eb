import * as z from 'zod/mini';
import { CURRENCY_EXPONENT } from '../../domain/money.js';

/**
 * The card acquirer's REST API (docs/channels.md, "Card acquirers"), modelled on a card acquirer's JSON API such as
 * Checkout.com's: `Authorization: Bearer <secret key>` on every request, an `Idempotency-Key` on every POST, our
 * attempt id as the payment's `reference`, amounts as integers in the currency's minor unit. Every answer, refusals
 * too, is signed (signature.ts). The adapter and the sandbox emulator both read this file.
 */
export const ACQUIRER_PATHS = {
  payments: '/payments',
  payment: (id: string) => `/payments/${encodeURIComponent(id)}`,
  authentications: (id: string) => `/payments/${encodeURIComponent(id)}/authentications`,
  captures: (id: string) => `/payments/${encodeURIComponent(id)}/captures`,
  refunds: (id: string) => `/payments/${encodeURIComponent(id)}/refunds`,
  actions: (id: string) => `/payments/${encodeURIComponent(id)}/actions`,
  /** A void by our reference alone: it also reaches a payment whose create answer never came back (or never arrived). */
  voids: '/voids',
  /** Stored credentials (agreements): a card kept by the acquirer for merchant-initiated payments, named by its id. */
  instruments: '/instruments',
  instrument: (id: string) => `/instruments/${encodeURIComponent(id)}`,
  instrumentAuthentications: (id: string) => `/instruments/${encodeURIComponent(id)}/authentications`,
  instrumentRevocations: (id: string) => `/instruments/${encodeURIComponent(id)}/revocations`,
} as const;

export const ACQUIRER_HEADERS = {
  idempotencyKey: 'idempotency-key',
  /** Ours, per request: the answer's signature covers it, so an answer cannot be replayed onto another request. */
  requestId: 'request-id',
  signature: 'acquirer-signature',
  replayed: 'idempotent-replayed',
} as const;

/** The acquirer's response codes: 10xxx approved or pending, 20xxx declined by the issuer or the acquirer. */
export const RESPONSE_CODES = {
  approved: '10000',
  authenticationRequired: '10200',
  doNotHonour: '20005',
  insufficientFunds: '20051',
  /** The payment was voided (by our reference) before the create arrived. */
  voidedBeforeArrival: '20068',
  authenticationFailed: '20154',
  /** A merchant-initiated payment named a stored credential that is not active (never authenticated, or revoked). */
  instrumentNotActive: '20183',
} as const;

const currencies = Object.keys(CURRENCY_EXPONENT) as [keyof typeof CURRENCY_EXPONENT, ...(keyof typeof CURRENCY_EXPONENT)[]];
const reference = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,80}$/));
const minorAmount = z.int().check(z.positive(), z.lte(100_000_000_000));

const cardSource = z.object({
  type: z.literal('card'),
  number: z.string().check(z.regex(/^\d{12,19}$/)),
  expiry_month: z.int().check(z.gte(1), z.lte(12)),
  expiry_year: z.int().check(z.gte(2000), z.lte(2100)),
  cvv: z.string().check(z.regex(/^\d{3,4}$/)),
});
/** A stored credential (`src_…`) instead of the card: a merchant-initiated payment under an agreement. */
const instrumentSource = z.object({ type: z.literal('id'), id: z.string().check(z.regex(/^src_[A-Za-z0-9]{1,64}$/)) });

export const paymentRequestSchema = z.object({
  source: z.union([cardSource, instrumentSource]),
  /** Checkout.com's `merchant_initiated` + `payment_type: Recurring`: no payer present, no challenge possible. */
  merchant_initiated: z.optional(z.boolean()),
  payment_type: z.optional(z.enum(['Regular', 'Recurring'])),
  amount: minorAmount,
  currency: z.enum(currencies),
  reference,
  capture: z.boolean(),
  /** The payer must pass a one-time-password challenge before the payment is authorized. */
  authentication: z.optional(z.object({ required: z.boolean() })),
  metadata: z.optional(z.record(z.string(), z.string().check(z.maxLength(256)))),
});
export type PaymentRequestBody = z.infer<typeof paymentRequestSchema>;

export const authenticationRequestSchema = z.object({ otp: z.string().check(z.maxLength(16)) });
export const captureRequestSchema = z.object({ amount: minorAmount, reference });
export const refundRequestSchema = z.object({
  amount: minorAmount,
  reference,
  metadata: z.optional(z.record(z.string(), z.string().check(z.maxLength(256)))),
});
export const voidRequestSchema = z.object({ reference });

export const PAYMENT_STATUSES = ['Authorized', 'Captured', 'Declined', 'Pending', 'Voided'] as const;
export type AcquirerPaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** A payment as the acquirer reports it (create, authentication, capture and retrieve answers). */
export const paymentSchema = z.object({
  id: z.string().check(z.minLength(1)),
  reference,
  status: z.enum(PAYMENT_STATUSES),
  approved: z.boolean(),
  amount: minorAmount,
  currency: z.enum(currencies),
  response_code: z.string(),
  response_summary: z.string(),
  captured_amount: z.int(),
  refunded_amount: z.int(),
  source: z.optional(z.object({ last4: z.string(), scheme: z.string(), fingerprint: z.string() })),
  /** Present while the payer must act (`Pending`). */
  action_required: z.optional(z.object({ type: z.literal('otp') })),
});
export type AcquirerPayment = z.infer<typeof paymentSchema>;

export const paymentListSchema = z.object({ total_count: z.int(), data: z.array(paymentSchema) });

export const voidAnswerSchema = z.object({ reference, status: z.literal('Voided'), payment_id: z.nullable(z.string()) });

export const ACTION_TYPES = ['Authorization', 'Capture', 'Void', 'Refund'] as const;
export const actionSchema = z.object({
  id: z.string(),
  type: z.enum(ACTION_TYPES),
  reference: z.optional(z.string()),
  amount: z.int(),
  approved: z.boolean(),
  response_code: z.string(),
});
export const actionListSchema = z.object({ data: z.array(actionSchema) });
export const refundAnswerSchema = z.object({ action_id: z.string(), reference });

/**
 * Tokenization for merchant-initiated payments (an agreement's signing): the card is sent once, the payer passes a
 * one-time-password challenge (the cardholder-initiated first use that makes later merchant-initiated payments
 * allowed), and the acquirer keeps it as an instrument whose id is the token. `reference` is our agreement id.
 */
export const instrumentRequestSchema = z.object({
  source: cardSource,
  reference,
  currency: z.enum(currencies),
  metadata: z.optional(z.record(z.string(), z.string().check(z.maxLength(256)))),
});
export type InstrumentRequestBody = z.infer<typeof instrumentRequestSchema>;

export const INSTRUMENT_STATUSES = ['Pending', 'Active', 'Revoked'] as const;
export const instrumentSchema = z.object({
  id: z.string().check(z.regex(/^src_[A-Za-z0-9]{1,64}$/)),
  reference,
  status: z.enum(INSTRUMENT_STATUSES),
  response_code: z.string(),
  scheme: z.string(),
  last4: z.string(),
  fingerprint: z.string(),
  action_required: z.optional(z.object({ type: z.literal('otp') })),
});
export type AcquirerInstrument = z.infer<typeof instrumentSchema>;

/** Every refusal: `error_type` says what, `request_id` is the acquirer's trace id. */
export const errorSchema = z.object({ request_id: z.string(), error_type: z.string(), error_codes: z.optional(z.array(z.string())) });
export type AcquirerError = z.infer<typeof errorSchema>;

/** Refusals that mean "the acquirer is still working on the first call with this key": the outcome is unknown. */
export const UNKNOWN_OUTCOME_ERRORS: readonly string[] = ['idempotency_key_in_use'];

/** Refusals of a refund that are its definite outcome (the refund failed), not a malformed call. */
export const REFUND_REFUSALS: readonly string[] = ['payment_not_refundable', 'refund_amount_exceeds_balance'];
