/**
 * The OpenAPI 3.1 document of the merchant API, generated from the same route table the gateway and CDK use, the
 * same zod schemas the handlers validate requests with and type their answers by, and the closed error catalog, so it
 * cannot drift from the code. `npm run openapi` writes docs/openapi.json; a test fails when the committed file differs
 * from what the code generates, and the e2e suite checks every real answer against it (test/support/api-client.ts).
 */
import * as z from 'zod/mini';
import { ERROR_CODES, type ErrorCode } from '../../shared/domain/error-codes.js';
import { RETRY_SCHEDULE_SECONDS } from '../../shared/domain/webhook.js';
import { SIGNATURE_WINDOW_SECONDS } from '../../shared/domain/signing.js';
import {
  captureOrderSchema,
  confirmPaymentSchema,
  createCustomerSchema,
  createOrderSchema,
  createRefundSchema,
  customerTransactionsQuerySchema,
  listSettlementsQuerySchema,
  emptyBodySchema,
  eventsQuerySchema,
  findCustomerQuerySchema,
  listOrdersQuerySchema,
  payOrderSchema,
  testWebhookSchema,
} from '../../shared/schemas/requests.js';
import {
  agreementListSchema,
  agreementSchema,
  confirmAgreementSchema,
  createAgreementSchema,
  listAgreementsQuerySchema,
} from '../../shared/schemas/agreement-schemas.js';
import {
  AGREEMENT_EVENT_TYPES,
  agreementEventPayloadSchema,
  PAYOUT_EVENT_TYPES,
  payoutEventPayloadSchema,
  balanceSchema,
  cardSummarySchema,
  customerSchema,
  customerTransactionListSchema,
  customerTransactionSchema,
  deliveryAttemptSchema,
  errorCodeSchema,
  errorSchema,
  eventListSchema,
  eventSchema,
  nextActionSchema,
  orderEventPayloadSchema,
  ORDER_EVENT_TYPES,
  orderListSchema,
  orderSchema,
  paymentErrorSchema,
  paymentSchema,
  pingPayloadSchema,
  platformKeysSchema,
  refundEventPayloadSchema,
  REFUND_EVENT_TYPES,
  refundSchema,
  settlementListSchema,
  settlementSchema,
  webhookTestResultSchema,
} from '../../shared/schemas/response-schemas.js';
import { createPayoutSchema, listPayoutsQuerySchema, payoutListSchema, payoutSchema } from '../../shared/schemas/payout-schemas.js';
import { merchantApiRoutes, type RouteDefinition } from './routes.js';

type Schema = z.ZodMiniType;
type Json = Record<string, unknown>;
interface Component {
  readonly id: string;
  readonly description: string;
}

/** Components that describe answers and webhooks: their JSON Schema is what the code outputs. */
const RESPONSE_COMPONENTS: ReadonlyArray<readonly [Schema, Component]> = [
  [orderSchema, { id: 'Order', description: 'An order: what the merchant sells, its state and its current payment attempt.' }],
  [paymentSchema, { id: 'Payment', description: "The order's current (or last successful) payment attempt." }],
  [nextActionSchema, { id: 'NextAction', description: 'What the payer must do to finish a REQUIRES_ACTION payment.' }],
  [cardSummarySchema, { id: 'CardSummary', description: 'The card facts the platform keeps: never the number or the CVC.' }],
  [paymentErrorSchema, { id: 'PaymentError', description: 'Why the last payment attempt failed; the order can be paid again.' }],
  [refundSchema, { id: 'Refund', description: 'A refund of part or all of an order\'s captured amount.' }],
  [orderListSchema, { id: 'OrderList', description: 'A page of orders, newest first.' }],
  [balanceSchema, { id: 'Balance', description: "The merchant's balances per currency, in minor units." }],
  [settlementSchema, { id: 'Settlement', description: 'A settlement batch: what one run moved from pending to available for one currency.' }],
  [settlementListSchema, { id: 'SettlementList', description: "A page of the merchant's settlements, newest first." }],
  [customerSchema, { id: 'Customer', description: "A merchant's customer with the balances the platform keeps for it, per currency." }],
  [customerTransactionSchema, { id: 'CustomerTransaction', description: "One movement of a customer's balance: a top-up, a balance payment, a refund." }],
  [customerTransactionListSchema, { id: 'CustomerTransactionList', description: "A page of a customer's movements, newest first." }],
  [payoutSchema, { id: 'Payout', description: "A payout (代付) from the merchant's available balance to its bank account: the account as last4 only." }],
  [payoutListSchema, { id: 'PayoutList', description: "A page of the merchant's payouts, newest first." }],
  [eventSchema, { id: 'Event', description: 'An event with its delivery state and every delivery attempt.' }],
  [deliveryAttemptSchema, { id: 'DeliveryAttempt', description: 'One attempt to deliver an event to its notifyUrl.' }],
  [eventListSchema, { id: 'EventList', description: "A page of the merchant's events (newest first), or an order's or an agreement's events (oldest first)." }],
  [platformKeysSchema, { id: 'PlatformKeys', description: 'The public keys that verify webhook signatures (PEM, by key id).' }],
  [webhookTestResultSchema, { id: 'WebhookTestResult', description: 'The outcome of one signed ping, sent synchronously.' }],
  [errorSchema, { id: 'Error', description: 'Every error answer (contract, "Errors"); branch on `code`, never on `message`.' }],
  [errorCodeSchema, { id: 'ErrorCode', description: errorCatalogTable(Object.keys(ERROR_CODES) as ErrorCode[]) }],
  [orderEventPayloadSchema, { id: 'OrderEvent', description: 'The body of an order webhook: `data.object` is the order after the change.' }],
  [refundEventPayloadSchema, { id: 'RefundEvent', description: 'The body of a refund webhook: `data.object` is the refund after the change.' }],
  [agreementSchema, { id: 'Agreement', description: "A payer's standing permission for recurring debits: the channel's token, brand and last4, never the card." }],
  [agreementListSchema, { id: 'AgreementList', description: "A customer's agreements, newest first." }],
  [agreementEventPayloadSchema, { id: 'AgreementEvent', description: 'The body of an agreement webhook: `data.object` is the agreement after the change.' }],
  [payoutEventPayloadSchema, { id: 'PayoutEvent', description: 'The body of a payout webhook: `data.object` is the payout after the change.' }],
  [pingPayloadSchema, { id: 'PingEvent', description: 'The body of the signed ping sent by `POST /v1/webhooks/test`.' }],
];

/** Components that describe request bodies: their JSON Schema is what the handlers accept. */
const REQUEST_COMPONENTS: ReadonlyArray<readonly [Schema, Component]> = [
  [createOrderSchema, { id: 'CreateOrderRequest', description: 'A new order. Unknown fields are rejected (400 parameter_unknown).' }],
  [payOrderSchema, { id: 'PayOrderRequest', description: 'How to pay. The card number and CVC are never stored or logged.' }],
  [confirmPaymentSchema, { id: 'ConfirmPaymentRequest', description: 'The one-time password of an otp challenge.' }],
  [captureOrderSchema, { id: 'CaptureOrderRequest', description: 'A capture: `amount` of the authorization, or all of it without one.' }],
  [createRefundSchema, { id: 'CreateRefundRequest', description: 'A refund; outRefundNo is idempotent per order.' }],
  [createCustomerSchema, { id: 'CreateCustomerRequest', description: 'A new customer; outCustomerNo is unique per merchant.' }],
  [createPayoutSchema, { id: 'CreatePayoutRequest', description: 'A payout; outPayoutNo is idempotent per merchant. The account number is sealed at once and never answered.' }],
  [createAgreementSchema, { id: 'CreateAgreementRequest', description: 'A new agreement; the card is sent to the channel once, never stored.' }],
  [confirmAgreementSchema, { id: 'ConfirmAgreementRequest', description: "The payer's one-time password for a PENDING card agreement." }],
  [testWebhookSchema, { id: 'TestWebhookRequest', description: 'Where to send the signed ping.' }],
  [emptyBodySchema, { id: 'EmptyRequest', description: 'No fields: send `{}` or no body.' }],
];

/** A success answer; `mediaType` when it is not JSON (a statement's `text/csv`). */
type Success = Readonly<Record<number, { readonly description: string; readonly schema: Json; readonly mediaType?: string }>>;

interface Operation {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly body?: string;
  readonly query?: Schema;
  readonly success: Success;
  /** The codes this operation raises itself; the ones every route shares are added by `errorCodes`. */
  readonly errors: readonly ErrorCode[];
  /** Codes this operation answers with another status than the catalog's (the contract's 409 `insufficient_balance` of a top-up's refund, type conflict). */
  readonly statusOf?: Readonly<Partial<Record<ErrorCode, number>>>;
}

const ref = (id: string): Json => ({ $ref: `#/components/schemas/${id}` });
const ok = (description: string, id: string) => ({ description, schema: ref(id) });

/**
 * Every route's operation; a route missing here fails the generation (and its test). The error lists are checked
 * against the catalog by the compiler, and against real answers by the e2e suite.
 */
const OPERATIONS: Readonly<Record<string, Operation>> = {
  'POST /v1/orders': {
    operationId: 'createOrder',
    summary: 'Create an order',
    description: '`outTradeNo` is unique per merchant: a second order with it gets 409 `duplicate_out_trade_no` naming the existing order.',
    body: 'CreateOrderRequest',
    success: { 201: ok('The order, CREATED, with `refunds: []`.', 'Order') },
    errors: ['amount_invalid', 'currency_invalid', 'notify_url_invalid', 'notify_url_forbidden', 'resource_missing', 'duplicate_out_trade_no'],
  },
  'GET /v1/orders': {
    operationId: 'listOrders',
    summary: 'List orders, or find one by outTradeNo',
    description: 'With `outTradeNo` (alone): that Order with its refunds, or 404. Otherwise a page of orders, newest first, served by an index query.',
    query: listOrdersQuerySchema,
    success: {
      200: {
        description: 'An OrderList; with `outTradeNo`, that Order.',
        schema: { oneOf: [ref('OrderList'), ref('Order')] },
      },
    },
    errors: ['cursor_invalid', 'resource_missing'],
  },
  'GET /v1/orders/{id}': {
    operationId: 'getOrder',
    summary: 'Get an order with its refunds',
    success: { 200: ok('The order, with `refunds` embedded.', 'Order') },
    errors: ['resource_missing'],
  },
  'POST /v1/orders/{id}/close': {
    operationId: 'closeOrder',
    summary: 'Close an unpaid order',
    body: 'EmptyRequest',
    success: { 200: ok('The order, CLOSED (`closeReason: merchant`).', 'Order') },
    errors: ['resource_missing', 'order_not_closable', 'channel_error'],
  },
  'POST /v1/orders/{id}/pay': {
    operationId: 'payOrder',
    summary: 'Pay an order',
    description: 'Of any number of concurrent pays of one order, exactly one reaches a channel; the others get 409 `order_not_payable`. A declined payment answers 402 and leaves the order CREATED with `lastPaymentError`.',
    body: 'PayOrderRequest',
    success: {
      200: ok('The order: SUCCEEDED, AUTHORIZED, or REQUIRES_ACTION with `payment.nextAction`.', 'Order'),
      202: ok("The order, PROCESSING: the channel's answer is not known yet; the janitor resolves it by querying the channel.", 'Order'),
    },
    errors: [
      'method_not_supported',
      'manual_capture_not_supported',
      'invalid_card_number',
      'expired_card',
      'card_declined',
      'insufficient_funds',
      'no_channel_available',
      'processing_error',
      'risk_blocked',
      'resource_missing',
      'order_not_payable',
      'order_expired',
      'order_changed',
      'payment_processing_error',
      'balance_not_allowed_for_topup',
      'insufficient_balance',
      'agreement_limit_exceeded',
      'agreement_rule_refused',
      'agreement_not_active',
      'currency_mismatch',
    ],
  },
  'POST /v1/orders/{id}/pay/confirm': {
    operationId: 'confirmPayment',
    summary: 'Confirm a challenged payment (OTP)',
    body: 'ConfirmPaymentRequest',
    success: {
      200: ok('The order, SUCCEEDED; or still REQUIRES_ACTION after a wrong password with attempts left.', 'Order'),
      202: ok("The order, PROCESSING: the channel's answer is not known yet.", 'Order'),
    },
    errors: ['authentication_failed', 'card_declined', 'insufficient_funds', 'resource_missing', 'order_expired', 'order_not_confirmable', 'order_changed'],
  },
  'POST /v1/orders/{id}/capture': {
    operationId: 'captureOrder',
    summary: 'Capture an authorization, in full or in part',
    description:
      'Only from AUTHORIZED, once, before `payment.captureBefore`. `amount` (≤ `payment.amountAuthorized`, default all of it) becomes `amountCaptured`; the channel releases the rest of the hold. Of a capture and a void (or two captures) of one authorization exactly one wins; the other gets 409.',
    body: 'CaptureOrderRequest',
    success: {
      200: ok('The order, SUCCEEDED, with `amountCaptured`.', 'Order'),
      202: ok("The order, PROCESSING: the channel's answer is not known yet; the janitor settles it from the channel's records.", 'Order'),
    },
    errors: ['amount_invalid', 'resource_missing', 'order_not_capturable', 'authorization_expired', 'capture_exceeds_authorized', 'channel_error'],
  },
  'POST /v1/orders/{id}/void': {
    operationId: 'voidOrder',
    summary: 'Void an authorization',
    description: 'Only from AUTHORIZED: the hold is released at the channel and the order CLOSED (`closeReason: voided`).',
    body: 'EmptyRequest',
    success: {
      200: ok('The order, CLOSED (`closeReason: voided`).', 'Order'),
      202: ok("The order, PROCESSING: the channel's answer is not known yet; the janitor settles it from the channel's records.", 'Order'),
    },
    errors: ['resource_missing', 'order_not_voidable', 'authorization_expired', 'channel_error'],
  },
  'POST /v1/orders/{id}/refunds': {
    operationId: 'createRefund',
    summary: 'Refund an order, in full or in part',
    description: 'Refunds may be partial and many; their sum never exceeds `amountCaptured`, under any concurrency.',
    body: 'CreateRefundRequest',
    success: {
      201: ok('The new refund.', 'Refund'),
      200: ok('The refund this `outRefundNo` already made, for the same amount.', 'Refund'),
      202: ok("The refund, PROCESSING: the channel's answer was lost; the janitor resolves it by querying the channel.", 'Refund'),
    },
    errors: ['amount_invalid', 'resource_missing', 'order_not_refundable', 'refund_window_expired', 'duplicate_out_refund_no', 'refund_exceeds_captured', 'insufficient_balance'],
    statusOf: { insufficient_balance: 409 },
  },
  'GET /v1/refunds/{id}': {
    operationId: 'getRefund',
    summary: 'Get a refund',
    success: { 200: ok('The refund.', 'Refund') },
    errors: ['resource_missing'],
  },
  'GET /v1/balance': {
    operationId: 'getBalance',
    summary: "The merchant's balances",
    success: { 200: ok('Available and pending balances per currency.', 'Balance') },
    errors: [],
  },
  'GET /v1/settlements': {
    operationId: 'listSettlements',
    summary: "The merchant's settlements",
    description: 'Settlement batches, newest first: each moved the net of the payments captured at least the settlement delay (T+1) before its run, less the refunds drawn from pending since the previous batch, from pending to available.',
    query: listSettlementsQuerySchema,
    success: { 200: ok('A page of settlements, newest first.', 'SettlementList') },
    errors: ['cursor_invalid'],
  },
  'GET /v1/settlements/{id}': {
    operationId: 'getSettlement',
    summary: 'Get a settlement',
    success: { 200: ok('The settlement batch with its totals.', 'Settlement') },
    errors: ['resource_missing'],
  },
  'GET /v1/statements/{date}': {
    operationId: 'getStatement',
    summary: "The merchant's statement of one UTC day, as CSV",
    description:
      'Every movement of the merchant\'s balance on that UTC day (`date` as `YYYY-MM-DD`; a malformed or impossible date is 400 `parameter_invalid` naming `date`), oldest first: one row per ledger entry that changed `available` or `pending`. Columns: `time,type,orderId,outTradeNo,refundId,payoutId,amount,fee,net,currency,channel,settlementId,entryId`; amounts are integers in minor units. `net` is the row\'s change of available + pending, so the rows of a day sum to that day\'s change of the balance; `net = amount - fee` on every row but a `settlement`, which moves `amount` from pending to available with `net` 0. Types: `payment`, `refund`, `topup_fee`, `settlement`, `payout`, `payout_failure`, `payout_return` (and the ledger\'s own kinds for anything else). A day with no movement is the header line alone. Streamed as it is read, so a busy day starts at once and is not limited in size; a transfer cut short means the statement is incomplete: fetch it again. The current day\'s statement grows until the day ends.',
    success: {
      200: {
        description: 'The CSV (RFC 4180, CRLF line ends, a header line first).',
        schema: { type: 'string' },
        mediaType: 'text/csv',
      },
    },
    errors: [],
  },
  'POST /v1/customers': {
    operationId: 'createCustomer',
    summary: 'Create a customer',
    description: '`outCustomerNo` is unique per merchant: a second customer with it gets 409 `duplicate_out_customer_no` naming the existing one, whatever the body.',
    body: 'CreateCustomerRequest',
    success: { 201: ok('The customer, its balances at zero.', 'Customer') },
    errors: ['duplicate_out_customer_no'],
  },
  'GET /v1/customers': {
    operationId: 'findCustomer',
    summary: 'Find a customer by outCustomerNo',
    query: findCustomerQuerySchema,
    success: { 200: ok('That customer, with its balances.', 'Customer') },
    errors: ['resource_missing'],
  },
  'GET /v1/customers/{id}': {
    operationId: 'getCustomer',
    summary: 'Get a customer with its balances',
    success: { 200: ok('The customer, with its balances.', 'Customer') },
    errors: ['resource_missing'],
  },
  'GET /v1/customers/{id}/transactions': {
    operationId: 'listCustomerTransactions',
    summary: "A customer's balance movements",
    description: 'Top-ups, balance payments and refunds, newest first, each with its signed amount and the balance after it.',
    query: customerTransactionsQuerySchema,
    success: { 200: ok('A page of movements, newest first.', 'CustomerTransactionList') },
    errors: ['resource_missing', 'cursor_invalid'],
  },
  'POST /v1/payouts': {
    operationId: 'createPayout',
    summary: 'Pay out to a bank account',
    description:
      "Reserves amount + fee from `available` in the same commit that creates the payout (422 `insufficient_available_balance` when it does not fit, under any concurrency), then sends it to the bank once, with the payout id as the bank's idempotency key. The same `outPayoutNo` and body answer the same payout (200); another body is 409 `duplicate_out_payout_no`. Ends SUCCEEDED (`payout.succeeded`) or FAILED with the reservation returned (`payout.failed`); a SUCCEEDED payout the bank sends back becomes RETURNED (`payout.returned`) with amount and fee back in `available`. Sandbox accounts: ending 0001 succeed, 0002 fail `account_invalid`, 0003 lose the bank's answer (the janitor's query finds them SUCCEEDED), 0004 succeed and are returned a few seconds later.",
    body: 'CreatePayoutRequest',
    success: { 200: ok('The payout this outPayoutNo already names.', 'Payout'), 201: ok('The payout, PROCESSING (or already ended, when the bank answered at once).', 'Payout') },
    errors: ['duplicate_out_payout_no', 'insufficient_available_balance'],
  },
  'GET /v1/payouts': {
    operationId: 'listPayouts',
    summary: "The merchant's payouts",
    query: listPayoutsQuerySchema,
    success: { 200: ok('A page of payouts, newest first.', 'PayoutList') },
    errors: ['cursor_invalid'],
  },
  'GET /v1/payouts/{id}': {
    operationId: 'getPayout',
    summary: 'Get a payout',
    success: { 200: ok('The payout.', 'Payout') },
    errors: ['resource_missing'],
  },
  'POST /v1/agreements': {
    operationId: 'createAgreement',
    summary: 'Sign an agreement for recurring debits',
    description:
      'A card agreement answers PENDING with an `otp` next action: the payer\'s one-time password (`POST /v1/agreements/{id}/confirm`) activates it. The card is sent to the channel once and never kept: the agreement keeps the channel\'s token, brand and last4. A blocklisted card, payer id or payer IP is refused 403 `risk_blocked` before the channel is called, and nothing is stored. A wallet agreement (`wechat_pay`, `alipay`) takes no `card` (400 `parameter_invalid` if one is sent) and answers PENDING with a `qr_code` next action: the payer scans `qrCode` in the wallet (or opens `url`, the hosted page that shows it), and the wallet\'s signed callback activates it (`agreement.activated`); the payer may also end it in the wallet (TERMINATED, `terminatedBy: payer`). A UnionPay agreement takes a UnionPay card (`62…`) and is signed like a card one, with the SMS code UnionPay sends the payer as its OTP; the agreement keeps the token UnionPay answers. `outAgreementNo` is unique per merchant. The signing has a deadline, `signExpiresAt` (30 minutes by default): the janitor asks a wallet about its contract meanwhile, so a signing whose notice was lost still activates the agreement (`agreement.activated`); an agreement nobody signed by then is TERMINATED (`terminatedBy: platform`, `failureCode: signing_expired`, event `agreement.terminated`) once the channel confirms nothing was signed, and revoked there.',
    body: 'CreateAgreementRequest',
    success: { 201: ok('The agreement, PENDING with its next action.', 'Agreement') },
    errors: ['method_not_supported', 'invalid_card_number', 'expired_card', 'notify_url_invalid', 'notify_url_forbidden', 'resource_missing', 'duplicate_out_agreement_no', 'risk_blocked', 'card_declined', 'no_channel_available', 'channel_error'],
  },
  'GET /v1/agreements': {
    operationId: 'listAgreements',
    summary: "A customer's agreements",
    query: listAgreementsQuerySchema,
    success: { 200: ok("The customer's agreements with this merchant, newest first.", 'AgreementList') },
    errors: [],
  },
  'GET /v1/agreements/{id}': {
    operationId: 'getAgreement',
    summary: 'Get an agreement',
    success: { 200: ok('The agreement.', 'Agreement') },
    errors: ['resource_missing'],
  },
  'POST /v1/agreements/{id}/confirm': {
    operationId: 'confirmAgreement',
    summary: "Confirm a card or UnionPay agreement with the payer's OTP",
    description:
      'ACTIVE with the channel\'s token, brand and last4 (event `agreement.activated`); a wrong OTP answers 402 `authentication_failed` and the agreement stays PENDING. The third wrong OTP gives the signing up: the agreement is TERMINATED (`terminatedBy: platform`, `failureCode: authentication_failed`, event `agreement.terminated`) and revoked at the channel; every confirm after it, and any beyond the three that concurrent confirms already hold, answers 409 `agreement_not_confirmable`.',
    body: 'ConfirmAgreementRequest',
    success: { 200: ok('The agreement, ACTIVE.', 'Agreement') },
    errors: ['resource_missing', 'agreement_not_confirmable', 'authentication_failed', 'channel_error'],
  },
  'POST /v1/agreements/{id}/terminate': {
    operationId: 'terminateAgreement',
    summary: 'Terminate an agreement',
    description:
      'TERMINATED here first (no debit can start after this; event `agreement.terminated`), then revoked at the channel: `revokedAtChannelAt` says when the channel confirmed it. A revocation the channel refuses is retried by the janitor on its backoff until the channel confirms it; the answer is still 200, with `revokedAtChannelAt: null` meanwhile. Terminating a TERMINATED agreement answers it as it is (and tries a revocation still owed again).',
    body: 'EmptyRequest',
    success: { 200: ok('The agreement, TERMINATED.', 'Agreement') },
    errors: ['resource_missing'],
  },
  'GET /v1/events': {
    operationId: 'listEvents',
    summary: "The merchant's events, or one object's, with every delivery attempt",
    description: "Without `orderId`: every event of the merchant across its orders and agreements, newest first, a page of `limit` at a time (follow `nextCursor`), optionally only of one `type` and one `deliveryStatus` (`FAILED`: deliveries whose schedule is exhausted). A filtered page may hold fewer than `limit` events and still carry a `nextCursor`. With `orderId`: an order's (`ord_…`: its order and refund events) or an agreement's (`agr_…`) events, oldest first, all at once (`type` and `deliveryStatus` narrow them; `limit` and `cursor` are refused). Another merchant's id is 404, like a missing one.",
    query: eventsQuerySchema,
    success: { 200: ok("The events: the merchant's newest first, or the object's oldest first.", 'EventList') },
    errors: ['resource_missing', 'cursor_invalid'],
  },
  'POST /v1/events/{id}/redeliver': {
    operationId: 'redeliverEvent',
    summary: 'Deliver an event once more, now',
    description: 'One signed attempt outside the retry schedule, whatever the event\'s state; a FAILED event stays redeliverable.',
    body: 'EmptyRequest',
    success: { 202: ok('The event as it was before this attempt; the attempt shows in `GET /v1/events`.', 'Event') },
    errors: ['resource_missing', 'event_refused', 'no_notify_url'],
  },
  'POST /v1/webhooks/test': {
    operationId: 'testWebhook',
    summary: 'Send a signed ping to a URL',
    description: 'Sent synchronously with the same signature and address rules as real deliveries; see the `ping` webhook.',
    body: 'TestWebhookRequest',
    success: { 200: ok('Whether the URL answered 2xx, and how.', 'WebhookTestResult') },
    errors: ['notify_url_invalid', 'notify_url_forbidden'],
  },
  'GET /v1/platform/keys': {
    operationId: 'listPlatformKeys',
    summary: 'Public keys that verify webhook signatures',
    success: { 200: ok('Every key that may have signed a webhook still being delivered.', 'PlatformKeys') },
    errors: [],
  },
};

/** Codes every signed route can answer, from the gateway, the signature check and the error mapper. */
const SIGNED_CODES: readonly ErrorCode[] = [
  'missing_signature',
  'invalid_signature',
  'timestamp_out_of_window',
  'replayed_request',
  'merchant_disabled',
  'rate_limited',
  'internal_error',
  'bad_gateway',
  'gateway_timeout',
];
const BODY_CODES: readonly ErrorCode[] = ['invalid_json', 'unsupported_media_type', 'body_too_large', 'parameter_unknown', 'parameter_missing', 'parameter_invalid'];
const QUERY_CODES: readonly ErrorCode[] = ['parameter_unknown', 'parameter_missing', 'parameter_invalid'];
const IDEMPOTENCY_CODES: readonly ErrorCode[] = ['idempotency_key_invalid', 'idempotency_key_reused', 'request_in_progress'];

/** Every code an operation can answer with, in catalog order. */
export function errorCodes(route: RouteDefinition, spec: Operation): ErrorCode[] {
  const codes = new Set<ErrorCode>([
    ...(route.signed ? SIGNED_CODES : ['internal_error', 'bad_gateway', 'gateway_timeout'] as const),
    ...(route.method === 'POST' ? BODY_CODES : []),
    ...(spec.query ? QUERY_CODES : []),
    // A malformed path id is a 400 naming `id`.
    ...(route.path.includes('{') ? (['parameter_invalid'] as const) : []),
    ...(route.idempotent ? IDEMPOTENCY_CODES : []),
    ...spec.errors,
  ]);
  return (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => codes.has(code));
}

const STATUS_TEXT: Readonly<Record<string, string>> = {
  '400': 'The request is malformed; `param` names the field. Nothing was stored.',
  '401': 'The signature check failed.',
  '402': "The payment was declined; the order keeps CREATED with `lastPaymentError`.",
  '403': 'Not allowed.',
  '404': 'No such object for this merchant.',
  '409': 'The object is not in a state that allows this request.',
  '413': 'The body exceeds 64 KiB.',
  '422': 'Well-formed, but it cannot be done.',
  '429': 'Too many requests: retry after `Retry-After` seconds. Nothing changed.',
  '5XX': 'The platform failed; retry with the same Idempotency-Key.',
};

function errorCatalogTable(codes: readonly ErrorCode[], statusOf: Operation['statusOf'] = {}): string {
  const rows = codes.map((code) => {
    const status = statusOf[code] ?? ERROR_CODES[code].status;
    const type = statusOf[code] === 409 ? 'conflict' : ERROR_CODES[code].type;
    return `| \`${code}\` | ${status} | ${type} | ${ERROR_CODES[code].message} |`;
  });
  return ['The closed catalog of error codes (shared/domain/error-codes.ts).', '', '| code | status | type | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** One response per error status, its schema the Error envelope narrowed to that status's codes. */
function errorResponses(codes: readonly ErrorCode[], replayable: boolean, statusOf: Operation['statusOf'] = {}): Json {
  const byStatus = new Map<string, ErrorCode[]>();
  for (const code of codes) {
    const catalogStatus = statusOf[code] ?? ERROR_CODES[code].status;
    const status = catalogStatus >= 500 ? '5XX' : String(catalogStatus);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, statusCodes]) => [
      status,
      {
        description: `${STATUS_TEXT[status]}\n\n${errorCatalogTable(statusCodes, statusOf).split('\n').slice(2).join('\n')}`,
        headers: {
          'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
          ...(status === '429' ? { 'Retry-After': { $ref: '#/components/headers/Retry-After' } } : {}),
          ...(replayable && status !== '5XX' ? { 'Idempotent-Replayed': { $ref: '#/components/headers/Idempotent-Replayed' } } : {}),
        },
        content: {
          'application/json': {
            schema: { allOf: [ref('Error'), { type: 'object', properties: { error: { type: 'object', properties: { code: { enum: statusCodes } } } } }] },
          },
        },
      },
    ]),
  );
}

/**
 * Query values arrive as strings and are coerced; a parameter is described by the value it becomes (`limit`: an
 * integer 1-100) unless that is a transform's output, which JSON Schema cannot say: then by what is accepted.
 */
function queryParameters(schema: Schema) {
  type Shape = { properties?: Record<string, Json>; required?: string[] };
  const input = toJson(schema, 'input') as Shape;
  const output = toJson(schema, 'output') as Shape;
  return Object.entries(input.properties ?? {}).map(([name, accepted]) => {
    const { default: fallback, ...value } = output.properties?.[name] ?? {};
    return {
      in: 'query',
      name,
      required: (input.required ?? []).includes(name),
      schema: 'type' in value ? { ...value, ...(fallback === undefined ? {} : { default: fallback }) } : accepted,
    };
  });
}

function operation(route: RouteDefinition, spec: Operation) {
  const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ in: 'path', name: m[1], required: true, schema: { type: 'string' } }));
  const idempotency = route.idempotent ? [{ $ref: '#/components/parameters/Idempotency-Key' }] : [];
  const headers = {
    'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
    ...(route.idempotent ? { 'Idempotent-Replayed': { $ref: '#/components/headers/Idempotent-Replayed' } } : {}),
  };
  const success = Object.fromEntries(
    Object.entries(spec.success).map(([status, response]) => [
      status,
      { description: response.description, headers, content: { [response.mediaType ?? 'application/json']: { schema: response.schema } } },
    ]),
  );
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    'x-handler': route.handler,
    ...(route.signed ? {} : { security: [] }),
    parameters: [...pathParameters, ...(spec.query ? queryParameters(spec.query) : []), ...idempotency],
    ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(spec.body) } } } } : {}),
    responses: { ...success, ...errorResponses(errorCodes(route, spec), route.idempotent, spec.statusOf) },
  };
}

/** The operation of a route, for tests and the drift check. */
export function operationSpec(route: RouteDefinition): Operation {
  const spec = OPERATIONS[`${route.method} ${route.path}`];
  if (!spec) throw new Error(`no OpenAPI operation for ${route.method} ${route.path}`);
  return spec;
}

/** zod spells `format: date-time` out as a 600-character pattern too; the format says it, once. */
const override = ({ jsonSchema }: { jsonSchema: Json }) => {
  if (jsonSchema.format === 'date-time') delete jsonSchema.pattern;
};

function toJson(schema: Schema, io: 'input' | 'output'): Json {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', override }) as Json;
  return rest;
}

/** Named components, nested ones referenced by `$ref` (zod's registry output). */
function components(entries: ReadonlyArray<readonly [Schema, Component]>, io: 'input' | 'output'): Record<string, Json> {
  const registry = z.registry<Component>();
  for (const [schema, meta] of entries) registry.add(schema, meta);
  const { schemas } = z.toJSONSchema(registry, { io, unrepresentable: 'any', override, uri: (id: string) => `#/components/schemas/${id}` }) as {
    schemas: Record<string, Json>;
  };
  return Object.fromEntries(
    entries.map(([, { id }]) => {
      const { $schema: _s, $id: _i, id: _id, ...schema } = schemas[id]!;
      return [id, schema];
    }),
  );
}

const SIGNATURE_DESCRIPTION = [
  'Every `/v1` request is signed with the merchant\'s secret (32+ random bytes, shown once at creation).',
  '',
  '`X-Signature` = `v1=` + lowercase hex HMAC-SHA256(secret, stringToSign), the HMAC key being the secret string\'s UTF-8 bytes, where',
  '',
  '```',
  'stringToSign = METHOD + "\\n" + PATH_WITH_QUERY + "\\n" + TIMESTAMP + "\\n" + NONCE + "\\n" + hex(SHA256(rawBody))',
  '```',
  '',
  '`PATH_WITH_QUERY` is the request target exactly as sent (e.g. `/v1/orders?limit=5`), `rawBody` the exact body bytes',
  '(the empty string for GET). Rejected with 401: missing or malformed headers (`missing_signature`), unknown merchant or',
  `wrong signature (\`invalid_signature\`, the same answer for both), \`X-Timestamp\` more than ${SIGNATURE_WINDOW_SECONDS} s from server time`,
  '(`timestamp_out_of_window`), a nonce seen before (`replayed_request`). A disabled merchant gets 403 `merchant_disabled`.',
].join('\n');

const SECURITY_SCHEMES = {
  MerchantId: { type: 'apiKey', in: 'header', name: 'X-Merchant-Id', description: 'The merchant id (`m_…`). Part of the request signature: see `Signature`.' },
  Timestamp: { type: 'apiKey', in: 'header', name: 'X-Timestamp', description: `Unix time in seconds, within ${SIGNATURE_WINDOW_SECONDS} s of server time. Part of the request signature: see \`Signature\`.` },
  Nonce: { type: 'apiKey', in: 'header', name: 'X-Nonce', description: '16-64 characters `[A-Za-z0-9_-]`, never reused. Part of the request signature: see `Signature`.' },
  Signature: { type: 'apiKey', in: 'header', name: 'X-Signature', description: SIGNATURE_DESCRIPTION },
};

const WEBHOOK_SIGNATURE_HEADERS = [
  { name: 'X-Event-Id', description: 'The event id (`evt_…`): deduplicate on it, delivery is at least once.', schema: { type: 'string' } },
  { name: 'X-Timestamp', description: 'Unix time in seconds when this attempt was signed.', schema: { type: 'string', pattern: '^\\d+$' } },
  { name: 'X-Key-Id', description: 'The platform key that signed it: its PEM is in `GET /v1/platform/keys`.', schema: { type: 'string' } },
  {
    name: 'X-Signature',
    description: 'Base64 of the DER ECDSA P-256 SHA-256 signature over `X-Timestamp + "." + rawBody` (a KMS ECC_NIST_P256 key in AWS). Verify it before trusting the body.',
    schema: { type: 'string' },
  },
].map((h) => ({ in: 'header', required: true, ...h }));

const ORDER_EVENT_TEXT: Readonly<Record<(typeof ORDER_EVENT_TYPES)[number], string>> = {
  'order.succeeded': 'The order was paid: SUCCEEDED.',
  'order.authorized': 'The payment was authorized (capture: false): capture or void it.',
  'order.closed': 'The order was closed: by the merchant, on expiry, voided, or its authorization expired (`closeReason`).',
  'order.payment_failed': 'A payment attempt failed: the order is CREATED again with `lastPaymentError`.',
};
const AGREEMENT_EVENT_TEXT: Readonly<Record<(typeof AGREEMENT_EVENT_TYPES)[number], string>> = {
  'agreement.activated': "The payer signed: the agreement is ACTIVE and can be debited. Sent to the agreement's notifyUrl, else the merchant's default.",
  'agreement.terminated': 'The agreement ended (by the merchant, or the payer at the channel): no further debit.',
};
const PAYOUT_EVENT_TEXT: Readonly<Record<(typeof PAYOUT_EVENT_TYPES)[number], string>> = {
  'payout.succeeded': 'The bank paid the payout out: SUCCEEDED; its amount and fee left available for good.',
  'payout.failed': "The bank refused the payout: FAILED with failureCode; amount and fee are back in available.",
  'payout.returned': 'A paid-out payout came back from the bank: RETURNED with failureCode; amount and fee are back in available.',
};
const REFUND_EVENT_TEXT: Readonly<Record<(typeof REFUND_EVENT_TYPES)[number], string>> = {
  'refund.succeeded': 'The refund succeeded at the channel.',
  'refund.failed': 'The refund failed; its amount is refundable again.',
};

const WEBHOOK_EVENTS: ReadonlyArray<readonly [string, string, string]> = [
  ...ORDER_EVENT_TYPES.map((type) => [type, 'OrderEvent', ORDER_EVENT_TEXT[type]] as const),
  ...REFUND_EVENT_TYPES.map((type) => [type, 'RefundEvent', REFUND_EVENT_TEXT[type]] as const),
  ...AGREEMENT_EVENT_TYPES.map((type) => [type, 'AgreementEvent', AGREEMENT_EVENT_TEXT[type]] as const),
  ...PAYOUT_EVENT_TYPES.map((type) => [type, 'PayoutEvent', PAYOUT_EVENT_TEXT[type]] as const),
  ['ping', 'PingEvent', 'A signed test event, sent only by `POST /v1/webhooks/test` to the URL given there.'],
];

function webhooks(): Json {
  const retries = RETRY_SCHEDULE_SECONDS.length;
  return Object.fromEntries(
    WEBHOOK_EVENTS.map(([type, component, summary]) => [
      type,
      {
        post: {
          operationId: `webhook_${type.replace('.', '_')}`,
          summary,
          description:
            'POSTed to the order\'s `notifyUrl`. `data.object.version` grows by one with every change of the object: apply only newer versions.',
          security: [],
          parameters: WEBHOOK_SIGNATURE_HEADERS,
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { allOf: [ref(component), { type: 'object', properties: { type: { const: type } } }] } } },
          },
          responses: {
            '2XX': { description: 'Delivered: any 2xx within 10 s.' },
            '4XX': { description: `Not delivered: retried ${retries} times over about 24 h, then dead-lettered (redeliverable).` },
            '5XX': { description: 'Not delivered: retried as for 4XX.' },
          },
        },
      },
    ]),
  );
}

export function openApiDocument(): Json {
  const paths: Record<string, Record<string, unknown>> = {};
  // The hosted checkout's pages are for payers' browsers, not part of the merchant API.
  for (const route of merchantApiRoutes) (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route, operationSpec(route));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Open payment platform: merchant API',
      version: '1.1',
      description:
        'Generated from infra/definitions/routes.ts, the zod schemas in shared/schemas and the error catalog in shared/domain/error-codes.ts (`npm run openapi`). The reference for people is docs/api.md. Amounts are integers in the currency\'s minor unit; times are ISO 8601 UTC; every answer carries `X-Request-Id`. Objects may gain fields: ignore the ones you do not know.',
    },
    servers: [{ url: 'http://127.0.0.1:3000', description: 'local runtime (npm start)' }],
    security: [{ MerchantId: [], Timestamp: [], Nonce: [], Signature: [] }],
    paths,
    webhooks: webhooks(),
    components: {
      schemas: { ...components(RESPONSE_COMPONENTS, 'output'), ...components(REQUEST_COMPONENTS, 'input') },
      securitySchemes: SECURITY_SCHEMES,
      parameters: {
        'Idempotency-Key': {
          in: 'header',
          name: 'Idempotency-Key',
          required: false,
          description:
            '1-255 visible ASCII characters. The same key with the same method, path and body within 24 h replays the first answer byte for byte (`Idempotent-Replayed: true`); with another body 422 `idempotency_key_reused`; while the first is running 409 `request_in_progress`.',
          schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
        },
      },
      headers: {
        'X-Request-Id': { description: 'The id of this request: quote it to support.', required: true, schema: { type: 'string' } },
        'Idempotent-Replayed': { description: '`true` when this answer is the replay of an earlier request with the same Idempotency-Key.', schema: { const: 'true' } },
        'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'string', pattern: '^\\d+$' } },
      },
    },
  };
}
