/**
 * The closed catalog of error codes (STYLE habit 16): every code the API can answer with, once, with its HTTP status,
 * its contract `type` and the meaning merchants read. DomainError and its subclasses only accept codes from here, a
 * subclass only those of its own status, so a new code is added here first; the OpenAPI document lists these codes
 * per operation and the SDK reads the same list. A code is stable forever: merchants branch on it, never on the
 * message, which may say more about the particular case.
 */
export type ErrorType =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'conflict'
  | 'payment'
  | 'rate_limit'
  | 'internal';

export interface ErrorCodeSpec {
  readonly status: number;
  readonly type: ErrorType;
  /** The default message, and the code's description in the OpenAPI document. */
  readonly message: string;
}

export const ERROR_CODES = {
  // 400: the request itself is wrong; `param` names the field. Nothing was stored.
  parameter_invalid: { status: 400, type: 'invalid_request', message: 'A parameter has the wrong type, format or range.' },
  parameter_missing: { status: 400, type: 'invalid_request', message: 'A required parameter is missing.' },
  parameter_unknown: { status: 400, type: 'invalid_request', message: 'The request has a parameter this operation does not know.' },
  amount_invalid: { status: 400, type: 'invalid_request', message: 'amount must be an integer number of minor units from 1 to 10^11.' },
  currency_invalid: { status: 400, type: 'invalid_request', message: 'currency must be a supported ISO 4217 code in upper case.' },
  notify_url_invalid: { status: 400, type: 'invalid_request', message: 'The URL is not valid, or is not https outside local mode.' },
  notify_url_forbidden: { status: 400, type: 'invalid_request', message: 'The URL points to a private, link-local or metadata address.' },
  invalid_card_number: { status: 400, type: 'invalid_request', message: 'The card number is not valid.' },
  expired_card: { status: 400, type: 'invalid_request', message: 'The card has expired.' },
  method_not_supported: { status: 400, type: 'invalid_request', message: 'This payment method is not available.' },
  balance_not_allowed_for_topup: { status: 400, type: 'invalid_request', message: 'A top-up is paid with any method but balance.' },
  manual_capture_not_supported: { status: 400, type: 'invalid_request', message: 'Pre-authorization (capture: false) is not available for this method.' },
  cursor_invalid: { status: 400, type: 'invalid_request', message: 'The cursor is not valid for this query.' },
  invalid_json: { status: 400, type: 'invalid_request', message: 'The request body is not a JSON object.' },
  unsupported_media_type: { status: 400, type: 'invalid_request', message: 'Content-Type must be application/json.' },
  currency_mismatch: { status: 400, type: 'invalid_request', message: "The order's currency is not the agreement's." },
  idempotency_key_invalid: { status: 400, type: 'invalid_request', message: 'Idempotency-Key must be 1-255 visible ASCII characters.' },
  // 401 and 403: who is asking.
  missing_signature: { status: 401, type: 'authentication', message: 'The request is missing or has malformed signature headers.' },
  invalid_signature: { status: 401, type: 'authentication', message: 'Unknown merchant or wrong signature (the same answer for both).' },
  timestamp_out_of_window: { status: 401, type: 'authentication', message: 'X-Timestamp is more than 300 s from server time.' },
  replayed_request: { status: 401, type: 'authentication', message: 'This nonce was already used.' },
  invalid_ops_credentials: { status: 401, type: 'authentication', message: 'Missing or wrong operations credentials (the same answer for both).' },
  merchant_disabled: { status: 403, type: 'permission', message: 'The merchant is disabled.' },
  risk_blocked: { status: 403, type: 'permission', message: 'The payment was blocked by risk controls.' },
  // 402: the payment was declined; the order keeps CREATED with lastPaymentError and can be paid again.
  card_declined: { status: 402, type: 'payment', message: 'The card was declined.' },
  insufficient_funds: { status: 402, type: 'payment', message: 'The card has insufficient funds.' },
  authentication_failed: { status: 402, type: 'payment', message: 'The payer failed the challenge (wrong one-time password).' },
  no_channel_available: { status: 402, type: 'payment', message: 'No payment channel could take this payment.' },
  insufficient_balance: { status: 402, type: 'payment', message: "The customer's balance is too low (a top-up's refund: 409, its balance was spent)." },
  processing_error: { status: 402, type: 'payment', message: 'The payment could not be processed; it can be paid again.' },
  agreement_limit_exceeded: { status: 402, type: 'payment', message: "The amount exceeds the agreement's maxAmountPerDebit." },
  agreement_rule_refused: { status: 402, type: 'payment', message: "The agreement's channel does not allow this debit (its cap, window or notice period)." },
  // 404, 405, 413: the target.
  resource_missing: { status: 404, type: 'invalid_request', message: 'No such object (or it belongs to another merchant).' },
  route_not_found: { status: 404, type: 'invalid_request', message: 'No such route.' },
  method_not_allowed: { status: 405, type: 'invalid_request', message: 'The route does not accept this method.' },
  body_too_large: { status: 413, type: 'invalid_request', message: 'The request body exceeds 64 KiB.' },
  // 409: the object is not in a state that allows the request.
  duplicate_out_trade_no: { status: 409, type: 'conflict', message: 'An order with this outTradeNo exists; `orderId` names it.' },
  duplicate_out_refund_no: { status: 409, type: 'conflict', message: 'This outRefundNo was used with another amount; `refundId` names that refund.' },
  duplicate_out_customer_no: { status: 409, type: 'conflict', message: 'A customer with this outCustomerNo exists; `customerId` names it.' },
  order_not_payable: { status: 409, type: 'conflict', message: 'The order is not CREATED, or another request is paying it.' },
  order_expired: { status: 409, type: 'conflict', message: 'The order has expired.' },
  order_not_confirmable: { status: 409, type: 'conflict', message: 'The order has no open challenge to confirm.' },
  order_not_closable: { status: 409, type: 'conflict', message: 'Only CREATED and REQUIRES_ACTION orders can be closed.' },
  order_not_refundable: { status: 409, type: 'conflict', message: 'Only SUCCEEDED orders can be refunded.' },
  order_not_capturable: { status: 409, type: 'conflict', message: 'Only AUTHORIZED orders can be captured, once; another capture or a void may hold it.' },
  order_not_voidable: { status: 409, type: 'conflict', message: 'Only AUTHORIZED orders can be voided; a capture or another void may hold it.' },
  authorization_expired: { status: 409, type: 'conflict', message: 'The authorization passed its captureBefore and was (or is being) voided.' },
  order_changed: { status: 409, type: 'conflict', message: 'The order changed while its payment was being committed; read it again.' },
  invalid_state_transition: { status: 409, type: 'conflict', message: 'The order cannot make this state transition.' },
  refund_window_expired: { status: 409, type: 'conflict', message: 'Refunds are accepted for 365 days after capture.' },
  event_refused: { status: 409, type: 'conflict', message: 'The event failed its integrity check and is never delivered.' },
  no_notify_url: { status: 409, type: 'conflict', message: 'The order has no notifyUrl to deliver to.' },
  agreement_not_active: { status: 409, type: 'conflict', message: 'The agreement is not ACTIVE (still PENDING, or TERMINATED).' },
  agreement_not_confirmable: { status: 409, type: 'conflict', message: 'Only a PENDING agreement with an OTP challenge can be confirmed.' },
  duplicate_out_agreement_no: { status: 409, type: 'conflict', message: 'An agreement with this outAgreementNo exists; `agreementId` names it.' },
  duplicate_out_payout_no: { status: 409, type: 'conflict', message: 'A payout with this outPayoutNo exists with other terms; `payoutId` names it.' },
  request_in_progress: { status: 409, type: 'conflict', message: 'A request with this Idempotency-Key is still in progress; retry later.' },
  // 422: well-formed, but it cannot be done.
  refund_exceeds_captured: { status: 422, type: 'invalid_request', message: 'Refunds would exceed the captured amount.' },
  capture_exceeds_authorized: { status: 422, type: 'invalid_request', message: 'The capture amount exceeds payment.amountAuthorized.' },
  insufficient_available_balance: { status: 422, type: 'invalid_request', message: "The payout's amount plus fee exceeds the merchant's available balance." },
  idempotency_key_reused: { status: 422, type: 'invalid_request', message: 'This Idempotency-Key was used with another request.' },
  // 429: API Gateway's throttle, with Retry-After.
  rate_limited: { status: 429, type: 'rate_limit', message: 'Too many requests; retry after Retry-After seconds.' },
  // 5xx: the platform's side. Safe to retry with the same Idempotency-Key.
  internal_error: { status: 500, type: 'internal', message: 'An internal error occurred.' },
  bad_gateway: { status: 502, type: 'internal', message: 'The function failed.' },
  payment_processing_error: { status: 503, type: 'internal', message: 'The payment could not be processed; try again.' },
  channel_error: { status: 503, type: 'internal', message: 'The payment channel did not confirm the operation; retry it.' },
  gateway_timeout: { status: 504, type: 'internal', message: 'The request timed out.' },
} as const satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes of one HTTP status: what each DomainError subclass accepts. */
export type ErrorCodeOf<Status extends number> = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C]['status'] extends Status ? C : never;
}[ErrorCode];

export type DeclineCode = ErrorCodeOf<402>;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CODES, value);
}

/**
 * A channel's (or the risk engine's) decline reason as a 402 code. Channels speak their own vocabulary; one the
 * catalog does not know is answered as the generic `card_declined` (Stripe's habit), and the order's
 * lastPaymentError keeps the channel's own code for support.
 */
export function declineCode(code: string | null | undefined): DeclineCode {
  return code && isErrorCode(code) && ERROR_CODES[code].status === 402 ? (code as DeclineCode) : 'card_declined';
}
