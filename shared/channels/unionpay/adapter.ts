import { randomBytes } from 'node:crypto';
import type { Currency } from '../../domain/money.js';
import type {
  AgreementChannelResult,
  AgreementRef,
  ChannelAdapter,
  ChannelPaymentState,
  ChannelRefundRequest,
  ChannelRefundState,
  CreatePaymentRequest,
  CreatePaymentResult,
  PaymentRef,
  SignAgreementRequest,
} from '../../ports/channel-flows.js';
import { ChannelRejectedError, ChannelTimeoutError } from '../../ports/payment-channel.js';
import type { ParsedBill } from '../../reconciliation/bill.js';
import { channelExchange } from '../channel-http.js';
import { parseUnionpayBill } from './bill-parser.js';
import type { UnionpayCredentials } from './credentials.js';
import { decodeUnionpayForm, encodeUnionpayForm, signUnionpay, verifyUnionpay, type UnionpayFields } from './signature.js';
import { deleteFields, openFields, openingSmsFields, toOpenResult, toSignResult, tokenPurchaseFields } from './token-transformers.js';
import { amountFields, baseFields, captureOrderId, declineFor, purchaseFields, toCreateResult, voidOrderId } from './transformers.js';
import { RESERVED, RESP, TXN_TYPE, UNIONPAY_PATHS, currencyFromUnionpay } from './wire.js';

export interface UnionpayAdapterOptions {
  readonly id: string;
  /** e.g. `http://127.0.0.1:3000/sandbox/channels/unionpay`; the gateway paths are appended. */
  readonly baseUrl: string;
  readonly credentials: UnionpayCredentials;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
}

/** A transaction as a query reports it: found or not, and its own result code. */
type Queried = { readonly found: false } | { readonly found: true; readonly fields: UnionpayFields; readonly origRespCode: string };

/**
 * UnionPay card payments (docs/channels.md, UnionPay): synchronous purchase and pre-authorization with completion and
 * cancellation, refunds, and the transaction query. Requests are form-encoded and signed with the merchant
 * certificate; answers are read only when UnionPay's signature on them verifies. The card number is encrypted to
 * UnionPay's certificate and exists nowhere else: nothing here logs.
 */
export class UnionpayAdapter implements ChannelAdapter {
  readonly id: string;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => Date;

  constructor(private readonly options: UnionpayAdapterOptions) {
    this.id = options.id;
    this.fetchImpl = options.fetch ?? fetch;
    this.now = options.now ?? (() => new Date());
  }

  async createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult> {
    // A debit under an agreement: a consumption with the token (docs/decisions.md, 135).
    if (request.agreementToken) return this.purchase(tokenPurchaseFields({ ...request, agreementToken: request.agreementToken }, this.options.credentials, this.now()), request);
    const card = request.card;
    if (!card) throw new ChannelRejectedError(this.id, 'a card is required');
    // The sandbox gateway offers no payer challenge on this back-end flow: refusing keeps a risk decision from being
    // skipped silently (docs/decisions.md, entry 70).
    if (request.requireOtp) throw new ChannelRejectedError(this.id, 'strong customer authentication is not offered');
    return this.purchase(purchaseFields({ ...request, card }, this.options.credentials, this.now()), request);
  }

  /** Tokenization (开通短信): the card once; UnionPay sends the payer the SMS code that opens it. */
  async signAgreement(request: SignAgreementRequest): Promise<AgreementChannelResult> {
    const card = request.card;
    if (!card) return { outcome: 'declined', channelAgreementId: null, code: 'invalid_request', message: 'A UnionPay agreement needs a card.' };
    const answer = await this.backTrans(openingSmsFields({ ...request, card }, this.options.credentials, this.now()));
    const result = toSignResult(answer);
    if (result) return result;
    throw this.failure(answer.respCode!);
  }

  /** 开通 with the payer's SMS code: the token, or `authentication_failed` for a wrong code (the opening stays). */
  async confirmAgreement(request: AgreementRef & { readonly otp: string }): Promise<AgreementChannelResult> {
    const answer = await this.backTrans(openFields(request, request.otp, this.options.credentials, this.now(), nonce()));
    const result = toOpenResult(answer, request.channelAgreementId);
    if (result) return result;
    throw this.failure(answer.respCode!);
  }

  /** 解除标记: the token (or the opening still waiting for its code) can never pay again; idempotent at the gateway. */
  async terminateAgreement(request: AgreementRef): Promise<AgreementChannelResult> {
    const answer = await this.backTrans(deleteFields(request, this.options.credentials, this.now(), nonce()));
    if (answer.respCode === RESP.success) return { outcome: 'terminated', channelAgreementId: request.channelAgreementId };
    throw this.failure(answer.respCode!);
  }

  /** A purchase or pre-authorization, with the card or a token; a duplicate order id is answered by the earlier one. */
  private async purchase(fields: Record<string, string>, request: CreatePaymentRequest): Promise<CreatePaymentResult> {
    const answer = await this.backTrans(fields);
    const respCode = answer.respCode!;
    // A duplicate order id: an earlier call got through, so its result is the answer.
    if (respCode === RESP.duplicate) return this.createdBefore(request.paymentId, request.capture);
    const result = toCreateResult(respCode, answer.queryId, request.capture);
    if (result) return result;
    throw this.failure(respCode);
  }

  async capture(request: PaymentRef & { readonly amount: number; readonly currency: Currency }): Promise<ChannelPaymentState> {
    const origQryId = await this.channelId(request);
    const fields = {
      ...baseFields(this.options.credentials, TXN_TYPE.preauthComplete, captureOrderId(request.paymentId), this.now()),
      ...amountFields(request.amount, request.currency),
      origQryId,
    };
    const respCode = await this.followUp(fields);
    if (respCode !== RESP.success) throw this.failure(respCode);
    return { status: 'succeeded', channelPaymentId: origQryId, paymentId: request.paymentId, amount: request.amount, currency: request.currency };
  }

  async void(request: PaymentRef): Promise<ChannelPaymentState> {
    const original = await this.query({ queryId: request.channelPaymentId ?? undefined, orderId: request.paymentId });
    if (!original.found) return { status: 'not_found', channelPaymentId: null, paymentId: request.paymentId };
    const fields = {
      ...baseFields(this.options.credentials, TXN_TYPE.preauthCancel, voidOrderId(request.paymentId), this.now()),
      txnAmt: original.fields.txnAmt ?? '',
      currencyCode: original.fields.currencyCode ?? '',
      origQryId: original.fields.queryId ?? '',
    };
    const respCode = await this.followUp(fields);
    if (respCode !== RESP.success) throw this.failure(respCode);
    return { ...this.stateOf(request.paymentId, original), status: 'closed' };
  }

  /**
   * The day's transaction file, fixed width (bill-format.ts). The real one is fetched by a file-transfer request
   * (fileType 00) answering it base64-deflated in fileContent; the sandbox serves it at its bill path.
   */
  async fetchBill(request: { readonly date: string }): Promise<ParsedBill> {
    const file = await channelExchange(this.id, this.fetchImpl, `${this.options.baseUrl.replace(/\/$/, '')}/bills/${encodeURIComponent(request.date)}`, {
      method: 'GET',
      headers: { accept: 'text/plain' },
      timeoutMs: this.options.timeoutMs ?? 10_000,
    });
    if (file.status !== 200) throw new ChannelTimeoutError(this.id);
    return parseUnionpayBill(file.body);
  }

  async queryPayment(request: PaymentRef): Promise<ChannelPaymentState> {
    const original = await this.query({ queryId: request.channelPaymentId ?? undefined, orderId: request.paymentId });
    if (!original.found) return { status: 'not_found', channelPaymentId: null, paymentId: request.paymentId };
    const state = this.stateOf(request.paymentId, original);
    if (state.status !== 'succeeded' || original.fields.reqReserved !== RESERVED.preauth) return state;
    // A pre-authorization: its completion or its cancellation, if either went through, says where it stands.
    const completed = await this.query({ orderId: captureOrderId(request.paymentId) });
    if (completed.found && completed.origRespCode === RESP.success) return { ...this.stateOf(request.paymentId, completed), channelPaymentId: state.channelPaymentId };
    const cancelled = await this.query({ orderId: voidOrderId(request.paymentId) });
    if (cancelled.found && cancelled.origRespCode === RESP.success) return { ...state, status: 'closed' };
    return { ...state, status: 'authorized' };
  }

  async refund(request: ChannelRefundRequest): Promise<ChannelRefundState> {
    const fields = {
      ...baseFields(this.options.credentials, TXN_TYPE.refund, request.refundId, this.now()),
      ...amountFields(request.amount, request.currency),
      origQryId: request.channelPaymentId,
      backUrl: request.callbackUrl,
    };
    const answer = await this.backTrans(fields);
    const respCode = answer.respCode!;
    if (respCode === RESP.duplicate) return this.queryRefund({ refundId: request.refundId, paymentId: request.paymentId });
    if (respCode === RESP.success) return { status: 'succeeded', refundId: request.refundId, channelRefundId: answer.queryId ?? null };
    if (respCode === RESP.mismatch || respCode === RESP.originalState) {
      return { status: 'failed', refundId: request.refundId, channelRefundId: null, code: respCode === RESP.mismatch ? 'refund_amount_exceeded' : 'payment_not_refundable' };
    }
    throw this.failure(respCode);
  }

  async queryRefund(request: { readonly refundId: string; readonly paymentId: string }): Promise<ChannelRefundState> {
    const refund = await this.query({ orderId: request.refundId });
    if (!refund.found) return { status: 'not_found', refundId: request.refundId, channelRefundId: null };
    const channelRefundId = refund.fields.queryId ?? null;
    if (refund.origRespCode === RESP.success) return { status: 'succeeded', refundId: request.refundId, channelRefundId };
    if (RESP.unknown.includes(refund.origRespCode)) return { status: 'processing', refundId: request.refundId, channelRefundId };
    return { status: 'failed', refundId: request.refundId, channelRefundId, code: `unionpay_${refund.origRespCode}` };
  }

  private async createdBefore(paymentId: string, capture: boolean): Promise<CreatePaymentResult> {
    const earlier = await this.query({ orderId: paymentId });
    if (!earlier.found) throw new ChannelTimeoutError(this.id);
    const result = toCreateResult(earlier.origRespCode, earlier.fields.queryId, capture);
    if (result) return result;
    throw this.failure(earlier.origRespCode);
  }

  /** A completion or cancellation; a duplicate is settled by querying the earlier one. */
  private async followUp(fields: Record<string, string>): Promise<string> {
    const answer = await this.backTrans(fields);
    if (answer.respCode !== RESP.duplicate) return answer.respCode!;
    const earlier = await this.query({ orderId: fields.orderId! });
    if (!earlier.found) throw new ChannelTimeoutError(this.id);
    return earlier.origRespCode;
  }

  private stateOf(paymentId: string, queried: Queried & { found: true }): ChannelPaymentState {
    const currency = currencyFromUnionpay(queried.fields.currencyCode);
    const amount = Number(queried.fields.txnAmt);
    const code = queried.origRespCode;
    const status = code === RESP.success ? 'succeeded' : RESP.unknown.includes(code) ? 'pending' : 'failed';
    return {
      status,
      channelPaymentId: queried.fields.queryId ?? null,
      paymentId,
      ...(currency && Number.isSafeInteger(amount) ? { amount, currency } : {}),
      ...(status === 'failed' ? { code: declineFor(code)?.code ?? `unionpay_${code}` } : {}),
    };
  }

  private async channelId(request: PaymentRef): Promise<string> {
    if (request.channelPaymentId) return request.channelPaymentId;
    const original = await this.query({ orderId: request.paymentId });
    if (!original.found || !original.fields.queryId) throw new ChannelRejectedError(this.id, 'no such payment at UnionPay');
    return original.fields.queryId;
  }

  private async query(by: { readonly queryId?: string; readonly orderId: string }): Promise<Queried> {
    const fields = {
      ...baseFields(this.options.credentials, TXN_TYPE.query, by.orderId, this.now()),
      ...(by.queryId ? { queryId: by.queryId } : {}),
    };
    const answer = await this.exchange(UNIONPAY_PATHS.query, fields);
    if (answer.respCode === RESP.notFound) return { found: false };
    if (answer.respCode !== RESP.success || !answer.origRespCode) throw this.failure(answer.respCode!);
    return { found: true, fields: answer, origRespCode: answer.origRespCode };
  }

  private backTrans(fields: Record<string, string>): Promise<UnionpayFields> {
    return this.exchange(UNIONPAY_PATHS.backTrans, fields);
  }

  /** Signs, posts, and returns the answer's fields only when UnionPay's signature verifies and it is about this order. */
  private async exchange(path: string, fields: Record<string, string>): Promise<UnionpayFields> {
    const signed = signUnionpay(fields, this.options.credentials.signingCert);
    const answer = await channelExchange(this.id, this.fetchImpl, `${this.options.baseUrl.replace(/\/$/, '')}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
      body: encodeUnionpayForm(signed),
      timeoutMs: this.options.timeoutMs ?? 10_000,
    });
    const decoded = answer.status === 200 ? decodeUnionpayForm(answer.body) : undefined;
    if (!decoded || verifyUnionpay(decoded, this.options.credentials.verifyCerts) !== null) throw new ChannelTimeoutError(this.id);
    if (!decoded.respCode || decoded.orderId !== fields.orderId || decoded.merId !== fields.merId) throw new ChannelTimeoutError(this.id);
    return decoded;
  }

  /** 03/04/05: UnionPay does not know yet (outcome unknown); anything else it refused. */
  private failure(respCode: string): Error {
    return RESP.unknown.includes(respCode) ? new ChannelTimeoutError(this.id) : new ChannelRejectedError(this.id, `respCode ${respCode}`);
  }
}

/** A fresh suffix for a token transaction's order id (8 hex digits keep it within UnionPay's 40 characters). */
function nonce(): string {
  return randomBytes(4).toString('hex');
}
