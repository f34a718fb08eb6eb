import type { CardInput } from '../../domain/card.js';
import type {
  AgreementChannelResult,
  ChannelPaymentState,
  SignAgreementRequest,
  ChannelRefundRequest,
  CreatePaymentRequest,
  CreatePaymentResult,
} from '../../ports/channel-flows.js';
import { RESPONSE_CODES, type AcquirerInstrument, type AcquirerPayment, type InstrumentRequestBody, type PaymentRequestBody } from './wire.js';

/** Request and answer mapping between the channel port and the acquirer's wire format; no I/O here. */

export function toPaymentBody(request: CreatePaymentRequest & { readonly card?: CardInput }): PaymentRequestBody {
  // A debit under an agreement names the stored credential and says it is merchant-initiated and recurring, as
  // Checkout.com's API does; otherwise the card itself is the source.
  const source = request.agreementToken
    ? { source: { type: 'id' as const, id: request.agreementToken }, merchant_initiated: true, payment_type: 'Recurring' as const }
    : { source: cardSourceOf(request.card!) };
  return {
    ...source,
    amount: request.amount,
    currency: request.currency,
    reference: request.paymentId,
    capture: request.capture,
    ...(request.requireOtp ? { authentication: { required: true } } : {}),
    // What an acquirer's reports group by; the order id also lets the sandbox's activity report answer per order.
    metadata: { order_id: request.orderId, merchant_id: request.merchantId },
  };
}

function cardSourceOf(card: CardInput) {
  return { type: 'card' as const, number: card.number, expiry_month: card.expMonth, expiry_year: card.expYear, cvv: card.cvc };
}

/** An agreement's signing: the card once, as an instrument the acquirer keeps; our agreement id is its reference. */
export function toInstrumentBody(request: SignAgreementRequest & { readonly card: CardInput }): InstrumentRequestBody {
  return { source: cardSourceOf(request.card), reference: request.agreementId, currency: request.currency, metadata: { merchant_id: request.merchantId } };
}

/** An instrument's state as the port's agreement result: pending OTP, active (the instrument id is the token), revoked. */
export function toAgreementResult(instrument: AcquirerInstrument): AgreementChannelResult {
  switch (instrument.status) {
    case 'Active':
      return { outcome: 'active', channelAgreementId: instrument.id, token: instrument.id, brand: instrument.scheme, last4: instrument.last4 };
    case 'Revoked':
      return { outcome: 'terminated', channelAgreementId: instrument.id };
    case 'Pending':
      if (instrument.response_code === RESPONSE_CODES.authenticationFailed) return { outcome: 'declined', channelAgreementId: instrument.id, ...declineFor(instrument.response_code) };
      return { outcome: 'requires_action', channelAgreementId: instrument.id, action: { type: 'otp' } };
  }
}

export function toRefundBody(request: ChannelRefundRequest): { amount: number; reference: string; metadata?: Record<string, string> } {
  return { amount: request.amount, reference: request.refundId, ...(request.reason ? { metadata: { reason: request.reason } } : {}) };
}

/** The acquirer's decline codes as the contract's error codes. */
const DECLINES: Readonly<Record<string, { code: string; message: string }>> = {
  [RESPONSE_CODES.doNotHonour]: { code: 'card_declined', message: 'The card was declined.' },
  [RESPONSE_CODES.insufficientFunds]: { code: 'insufficient_funds', message: 'Insufficient funds.' },
  [RESPONSE_CODES.voidedBeforeArrival]: { code: 'processing_error', message: 'The payment was voided before it arrived.' },
  [RESPONSE_CODES.authenticationFailed]: { code: 'authentication_failed', message: 'The one-time password is wrong.' },
  [RESPONSE_CODES.instrumentNotActive]: { code: 'card_declined', message: 'The stored credential is not active at the acquirer (the agreement ended there).' },
};

export function declineFor(responseCode: string): { code: string; message: string } {
  return DECLINES[responseCode] ?? { code: 'card_declined', message: `The acquirer declined the payment (${responseCode}).` };
}

/**
 * A create or authentication answer as the port's outcome. An authentication that failed leaves the payment
 * `Pending` at the acquirer (the challenge stays open; the platform decides when to give up) and is a decline here.
 */
export function toCreateResult(payment: AcquirerPayment): CreatePaymentResult {
  switch (payment.status) {
    case 'Captured':
      return { outcome: 'succeeded', channelPaymentId: payment.id };
    case 'Authorized':
      return { outcome: 'authorized', channelPaymentId: payment.id };
    case 'Pending':
      if (payment.response_code === RESPONSE_CODES.authenticationFailed) return { outcome: 'declined', channelPaymentId: payment.id, ...declineFor(payment.response_code) };
      return { outcome: 'requires_action', channelPaymentId: payment.id, action: { type: 'otp' } };
    case 'Declined':
    case 'Voided':
      return { outcome: 'declined', channelPaymentId: payment.id, ...declineFor(payment.response_code) };
  }
}

const STATUS: Readonly<Record<AcquirerPayment['status'], ChannelPaymentState['status']>> = {
  Captured: 'succeeded',
  Authorized: 'authorized',
  Pending: 'pending',
  Declined: 'failed',
  Voided: 'closed',
};

export function toPaymentState(payment: AcquirerPayment): ChannelPaymentState {
  const status = STATUS[payment.status];
  return {
    status,
    channelPaymentId: payment.id,
    paymentId: payment.reference,
    amount: payment.status === 'Captured' ? payment.captured_amount : payment.amount,
    currency: payment.currency,
    ...(status === 'failed' ? { code: declineFor(payment.response_code).code } : {}),
  };
}
