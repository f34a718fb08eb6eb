export { PaymentClient, type PaymentClientOptions } from './client.js';
export type { RequestOptions, SecretSource } from './transport.js';
export { PageList, type Page } from './pagination.js';
export type { OrderListParams } from './resources/orders.js';
export type { EventListParams } from './resources/events.js';
export type { CustomerTransactionListParams } from './resources/customers.js';
export type { AgreementListParams } from './resources/agreements.js';
export type { PayoutListParams } from './resources/payouts.js';
export type { SettlementListParams } from './resources/settlements.js';
export {
  APIError,
  AuthenticationError,
  CardError,
  ConflictError,
  ConnectionError,
  IdempotencyError,
  InvalidRequestError,
  OpenPayError,
  PaymentError,
  PermissionError,
  RateLimitError,
  WebhookVerificationError,
  type ApiErrorType,
  type ErrorType,
  type OpenPayErrorCode,
} from './errors.js';
export { newNonce, signRequest, stringToSign, type SignedHeaders } from './signing.js';
export {
  verifyWebhook,
  WebhookKeyCache,
  type HeaderBag,
  type PlatformKey,
  type VerificationKeys,
  type VerifyWebhookInput,
  type WebhookEvent,
  type WebhookKeyCacheOptions,
} from './webhooks.js';
export { createTestWebhookKey, signTestWebhook, type SignedTestWebhook, type TestWebhookInput, type TestWebhookKey } from './testing.js';
// The API's objects, generated from docs/openapi.json. Two are renamed so they cannot shadow a class or a global:
// the `Error` answer body and the order's `lastPaymentError`.
export type {
  Agreement,
  AgreementEvent,
  AgreementList,
  Balance,
  CaptureOrderRequest,
  CardSummary,
  ConfirmAgreementRequest,
  ConfirmPaymentRequest,
  CreateAgreementRequest,
  CreateCustomerRequest,
  CreateOrderRequest,
  CreatePayoutRequest,
  CreateRefundRequest,
  Customer,
  CustomerTransaction,
  CustomerTransactionList,
  DeliveryAttempt,
  Error as ErrorResponse,
  ErrorCode,
  Event,
  EventList,
  EventListQuery,
  NextAction,
  Order,
  OrderEvent,
  OrderList,
  OrderListQuery,
  PayOrderRequest,
  Payment,
  PaymentError as LastPaymentError,
  Payout,
  PayoutEvent,
  PayoutList,
  PayoutListQuery,
  PingEvent,
  PlatformKeys,
  Refund,
  RefundEvent,
  Settlement,
  SettlementList,
  SettlementListQuery,
  TestWebhookRequest,
  WebhookTestResult,
} from './types.generated.js';
