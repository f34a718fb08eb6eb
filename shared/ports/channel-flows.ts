import type { CardInput } from '../domain/card.js';
import type { Currency } from '../domain/money.js';
import type { ParsedBill } from '../reconciliation/bill.js';

/**
 * The channel port of the "next shape" (shared/ARCHITECTURE.md): one method per flow, each optional, so a channel
 * says what it supports by what it implements. Adapters (shared/channels/<name>/) map these requests to the channel's
 * own wire format, sign them, verify the answers, and map back; they never persist and never decide state. An answer
 * that cannot be understood, a timeout or a transport error throws ChannelTimeoutError (outcome unknown: the
 * attempt stays pending until a query settles it); a definite refusal throws ChannelRejectedError.
 *
 * Identifiers: our attempt id (`pay_…`) is the channel's merchant order number (WeChat `out_trade_no`, Alipay
 * `out_trade_no`, the bank's order id), our refund id (`rf_…`) its refund number, so a retried call is idempotent at
 * the channel and a callback or a bill line leads back to the attempt.
 */

export type ChannelFlow =
  | 'createPayment'
  | 'confirmPayment'
  | 'capture'
  | 'void'
  | 'queryPayment'
  | 'closePayment'
  | 'refund'
  | 'queryRefund'
  | 'parseCallback'
  | 'signAgreement'
  | 'confirmAgreement'
  | 'terminateAgreement'
  | 'queryAgreement'
  | 'fetchBill';

export interface CreatePaymentRequest {
  /** Our attempt id, the channel's merchant order number. */
  readonly paymentId: string;
  readonly orderId: string;
  readonly merchantId: string;
  readonly amount: number;
  readonly currency: Currency;
  /** Shown to the payer by wallets and banks. */
  readonly subject: string;
  /** The channel must refuse payment after this instant (WeChat `time_expire`, Alipay `time_expire`). */
  readonly expiresAt: string;
  readonly capture: boolean;
  /** Card channels only. */
  readonly card?: CardInput;
  /**
   * A debit under an agreement: the channel's token for the stored credential instead of a card, sent as a
   * merchant-initiated transaction (no payer present, so no challenge).
   */
  readonly agreementToken?: string;
  /** Card channels: the risk engine asks for strong customer authentication. */
  readonly requireOtp?: boolean;
  /** Netbank: the payer's bank, if the merchant chose one. */
  readonly bank?: string;
  readonly payerIp?: string;
  /** Where the channel sends its asynchronous result: the platform's `POST /callbacks/{channel}`. */
  readonly callbackUrl: string;
  /** Redirect channels (netbank): where the channel's page sends the payer back when they are done. */
  readonly returnUrl?: string;
}

/** What the payer must do before an asynchronous channel reports the result. */
export type PayerAction =
  | { readonly type: 'qr_code'; readonly qrCode: string }
  | { readonly type: 'redirect'; readonly url: string }
  | { readonly type: 'otp' };

export type CreatePaymentResult =
  | { readonly outcome: 'succeeded' | 'authorized'; readonly channelPaymentId: string }
  /** Accepted; the payer acts, then the callback (or a query) reports the outcome. */
  | { readonly outcome: 'requires_action'; readonly channelPaymentId: string; readonly action: PayerAction }
  | { readonly outcome: 'declined'; readonly channelPaymentId: string | null; readonly code: string; readonly message: string };

export interface PaymentRef {
  readonly paymentId: string;
  /** Null when the channel never answered the create call (query by our id alone). */
  readonly channelPaymentId: string | null;
}

/** A payment as the channel reports it when asked (or in a callback). */
export interface ChannelPaymentState {
  readonly status: 'succeeded' | 'authorized' | 'pending' | 'failed' | 'closed' | 'not_found';
  readonly channelPaymentId: string | null;
  /** Our attempt id as the channel echoes it. */
  readonly paymentId: string;
  readonly amount?: number;
  readonly currency?: Currency;
  /** The channel's failure reason for `failed`. */
  readonly code?: string;
  /** When the payer paid, per the channel. */
  readonly paidAt?: string;
}

export type CloseResult =
  /** Nothing can be paid any more (also: the channel never had it). */
  | { readonly outcome: 'closed' }
  /** The payer paid first: the order is paid, not closed. */
  | { readonly outcome: 'already_paid'; readonly state: ChannelPaymentState };

export interface ChannelRefundRequest {
  readonly refundId: string;
  readonly paymentId: string;
  readonly channelPaymentId: string;
  readonly amount: number;
  /** The payment's captured total (WeChat and Alipay want it with every refund). */
  readonly paymentAmount: number;
  readonly currency: Currency;
  readonly reason?: string;
  readonly callbackUrl: string;
}

export interface ChannelRefundState {
  readonly status: 'succeeded' | 'processing' | 'failed' | 'not_found';
  readonly refundId: string;
  readonly channelRefundId: string | null;
  readonly code?: string;
  /**
   * What a refund callback says besides the status, for the platform to cross-check before it believes it (a
   * validly signed notification about another refund, trade or amount must change nothing). Our attempt id, the
   * channel's merchant order number the refund was made against.
   */
  readonly paymentId?: string;
  /** This refund's amount in minor units, when the channel reports it (WeChat's REFUND.* `amount.refund`). */
  readonly amount?: number;
  readonly currency?: Currency;
  /**
   * The trade's cumulative refunded amount, when that is all the channel reports: Alipay's notification after a
   * refund carries `refund_fee`, the total refunded so far, not this refund's own amount.
   */
  readonly refundedTotal?: number;
}

export interface CallbackRequest {
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: string;
}

/** A callback whose signature verified and whose content decoded. */
export type VerifiedCallback =
  | { readonly kind: 'payment'; readonly state: ChannelPaymentState; readonly callbackId: string }
  | { readonly kind: 'refund'; readonly state: ChannelRefundState; readonly callbackId: string }
  /** A wallet's signing or unsigning notice (WeChat PAPAY.SIGN / PAPAY.TERMINATE, Alipay dut_user_sign / dut_user_unsign). */
  | { readonly kind: 'agreement'; readonly state: ChannelAgreementState; readonly callbackId: string }
  | { readonly kind: 'other'; readonly callbackId: string };

/**
 * An agreement as a wallet's notice reports it. `agreementId` is our id as the channel echoes it (WeChat
 * `out_contract_code`, Alipay `external_agreement_no`), `token` the channel's own number that debits name (WeChat
 * `contract_id`, Alipay `agreement_no`).
 */
export interface ChannelAgreementState {
  readonly status: 'active' | 'terminated';
  readonly agreementId: string;
  readonly token: string;
  /** Who ended it, when the channel says (WeChat's contract_termination_mode, Alipay's unsign notice: the payer). */
  readonly terminatedBy?: 'payer' | 'merchant';
}

/**
 * An agreement as the channel's own query reports it (docs/decisions.md, 238): signed (`active`, with the token) or
 * ended (`terminated`), as a notice would say, or `not_signed`: the channel has no signed contract under our id (the
 * payer has not agreed yet, or never will). A state the adapter cannot read is not an answer: it throws.
 */
export type ChannelAgreementQueryState = ChannelAgreementState | { readonly status: 'not_signed'; readonly agreementId: string };

/** The answer a channel expects to a callback, in its own format (WeChat JSON, Alipay `success`, …). */
export interface CallbackAck {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Signing an agreement at the channel: our agreement id is the channel's reference, so a retry signs once. */
export interface SignAgreementRequest {
  readonly agreementId: string;
  readonly merchantId: string;
  readonly currency: Currency;
  /** Card channels: the card to keep as a stored credential (sent once, never kept by the platform). */
  readonly card?: CardInput;
  /** Wallets show the payer the limit they agree to (Alipay `single_amount`), in minor units of `currency`. */
  readonly maxAmountPerDebit?: number;
  /** Wallets: the merchant's own customer reference shown on the signing page (WeChat `out_user_code`). */
  readonly customerId?: string;
  readonly callbackUrl: string;
}

export interface AgreementRef {
  readonly agreementId: string;
  readonly channelAgreementId: string;
  /** The token once the agreement is active, for channels whose revocation names it (UnionPay's tokenPayData). */
  readonly token?: string | null;
}

/** What the channel says about an agreement after a sign, confirm or terminate call. */
export type AgreementChannelResult =
  /** The payer must act (an OTP, a wallet's QR code) before the channel activates it. */
  | { readonly outcome: 'requires_action'; readonly channelAgreementId: string; readonly action: PayerAction }
  /** Active: `token` is what a debit names; brand and last4 describe the card for the merchant, never the card itself. */
  | { readonly outcome: 'active'; readonly channelAgreementId: string; readonly token: string; readonly brand: string; readonly last4: string }
  | { readonly outcome: 'declined'; readonly channelAgreementId: string | null; readonly code: string; readonly message: string }
  | { readonly outcome: 'terminated'; readonly channelAgreementId: string };

export interface ChannelAdapter {
  readonly id: string;
  createPayment?(request: CreatePaymentRequest): Promise<CreatePaymentResult>;
  confirmPayment?(request: PaymentRef & { readonly otp: string; readonly capture: boolean }): Promise<CreatePaymentResult>;
  capture?(request: PaymentRef & { readonly amount: number; readonly currency: Currency }): Promise<ChannelPaymentState>;
  void?(request: PaymentRef): Promise<ChannelPaymentState>;
  queryPayment?(request: PaymentRef): Promise<ChannelPaymentState>;
  closePayment?(request: PaymentRef): Promise<CloseResult>;
  refund?(request: ChannelRefundRequest): Promise<ChannelRefundState>;
  queryRefund?(request: { readonly refundId: string; readonly paymentId: string }): Promise<ChannelRefundState>;
  signAgreement?(request: SignAgreementRequest): Promise<AgreementChannelResult>;
  /** The payer's one-time password for a card agreement; a wrong one is `declined` with `authentication_failed`. */
  confirmAgreement?(request: AgreementRef & { readonly otp: string }): Promise<AgreementChannelResult>;
  /** Ends the agreement at the channel; idempotent (terminated again answers `terminated`). */
  terminateAgreement?(request: AgreementRef): Promise<AgreementChannelResult>;
  /**
   * Asks the channel about an agreement waiting for the payer (a wallet's contract query by our agreement id), so a
   * sign notice that never arrived is found. Channels whose signing challenge is the platform's (card OTPs) have none.
   */
  queryAgreement?(request: AgreementRef): Promise<ChannelAgreementQueryState>;
  /**
   * Downloads the channel's bill (对账单) of one of its business days (YYYY-MM-DD in the channel's clock) the way
   * the channel serves it, and reads it with the channel's bill parser (shared/channels/<name>/bill-parser.ts).
   * Transport trouble is ChannelTimeoutError; a file that does not read is BillFormatError.
   */
  fetchBill?(request: { readonly date: string }): Promise<ParsedBill>;
  /** Verifies (signature, timestamp, certificate serial) and decodes; throws CallbackRejectedError otherwise. */
  parseCallback?(request: CallbackRequest): Promise<VerifiedCallback>;
  /** The acknowledgement for a callback that was accepted (`ok`) or refused. */
  callbackAck?(result: 'ok' | 'rejected'): CallbackAck;
}

/** A callback that must change nothing: bad or missing signature, unknown key serial, stale timestamp, bad body. */
export class CallbackRejectedError extends Error {
  constructor(
    readonly channelId: string,
    readonly reason: 'signature' | 'unknown_key' | 'stale' | 'malformed',
    detail: string,
  ) {
    super(`Callback from ${channelId} refused (${reason}): ${detail}`);
    this.name = 'CallbackRejectedError';
  }
}
