import { randomUUID } from 'node:crypto';
import type * as z from 'zod/mini';
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
import { parseCardReport } from './bill-parser.js';
import type { CardAcquirerCredentials } from './credentials.js';
import { verifyAnswer } from './signature.js';
import { toAgreementResult, toCreateResult, toInstrumentBody, toPaymentBody, toPaymentState, toRefundBody } from './transformers.js';
import {
  ACQUIRER_HEADERS,
  ACQUIRER_PATHS,
  REFUND_REFUSALS,
  UNKNOWN_OUTCOME_ERRORS,
  actionListSchema,
  errorSchema,
  instrumentSchema,
  paymentListSchema,
  paymentSchema,
  refundAnswerSchema,
  voidAnswerSchema,
  type AcquirerPayment,
} from './wire.js';

export interface CardAcquirerAdapterOptions {
  readonly id: string;
  /** e.g. `http://127.0.0.1:3000/sandbox/channels/card_a`; the API paths are appended. */
  readonly baseUrl: string;
  readonly credentials: CardAcquirerCredentials;
  /** How long a call may take before its outcome counts as unknown (ChannelTimeoutError). */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
}

/** A verified answer: its status and its parsed JSON body. */
interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * A card acquirer (docs/channels.md, "Card acquirers"), reached over its REST API: synchronous charge or
 * authorization (or an OTP challenge), the OTP authentication, capture, void by our reference, retrieve, refund and
 * its lookup. card_a and card_b are two instances. Every POST carries an idempotency key derived from our ids, so a
 * retried call never charges or refunds twice; every answer is read only when the acquirer's signature on it
 * verifies for this very request. The card number travels in the request body only: nothing here logs.
 */
export class CardAcquirerAdapter implements ChannelAdapter {
  readonly id: string;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => Date;

  constructor(private readonly options: CardAcquirerAdapterOptions) {
    this.id = options.id;
    this.fetchImpl = options.fetch ?? fetch;
    this.now = options.now ?? (() => new Date());
  }

  async createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult> {
    if (!request.card && !request.agreementToken) return { outcome: 'declined', channelPaymentId: null, code: 'invalid_request', message: 'A card channel needs a card.' };
    const answer = await this.call('POST', ACQUIRER_PATHS.payments, toPaymentBody(request), request.paymentId);
    return toCreateResult(this.read(paymentSchema, this.expect(answer, [200, 201, 202])));
  }

  async confirmPayment(request: PaymentRef & { readonly otp: string; readonly capture: boolean }): Promise<CreatePaymentResult> {
    const id = request.channelPaymentId ?? (await this.byReference(request.paymentId))?.id;
    if (!id) throw new ChannelRejectedError(this.id, 'no such payment at the acquirer');
    // Each authentication is the payer's own act, not a retry of an earlier one: its key is fresh.
    const answer = await this.call('POST', ACQUIRER_PATHS.authentications(id), { otp: request.otp }, `${request.paymentId}:auth:${randomUUID()}`);
    return toCreateResult(this.read(paymentSchema, this.expect(answer, [200])));
  }

  async capture(request: PaymentRef & { readonly amount: number; readonly currency: Currency }): Promise<ChannelPaymentState> {
    const id = request.channelPaymentId ?? (await this.byReference(request.paymentId))?.id;
    if (!id) throw new ChannelRejectedError(this.id, 'no such payment at the acquirer');
    const answer = await this.call('POST', ACQUIRER_PATHS.captures(id), { amount: request.amount, reference: request.paymentId }, `${request.paymentId}:capture`);
    return toPaymentState(this.read(paymentSchema, this.expect(answer, [200])));
  }

  /** Voids by our reference: harmless when the acquirer never saw the payment, and a create arriving later is refused. */
  async void(request: PaymentRef): Promise<ChannelPaymentState> {
    const answer = await this.call('POST', ACQUIRER_PATHS.voids, { reference: request.paymentId }, `${request.paymentId}:void`);
    const voided = this.read(voidAnswerSchema, this.expect(answer, [200]));
    return { status: 'closed', paymentId: request.paymentId, channelPaymentId: voided.payment_id ?? request.channelPaymentId };
  }

  async queryPayment(request: PaymentRef): Promise<ChannelPaymentState> {
    const payment = request.channelPaymentId ? await this.retrieve(request.channelPaymentId) : await this.byReference(request.paymentId);
    if (!payment || payment.reference !== request.paymentId) return { status: 'not_found', paymentId: request.paymentId, channelPaymentId: request.channelPaymentId };
    return toPaymentState(payment);
  }

  /** Keyed by our refund id: a retry gets the first refund's answer, never a second refund. */
  async refund(request: ChannelRefundRequest): Promise<ChannelRefundState> {
    const answer = await this.call('POST', ACQUIRER_PATHS.refunds(request.channelPaymentId), toRefundBody(request), request.refundId);
    const refused = answer.status === 422 ? errorSchema.safeParse(answer.body) : undefined;
    if (refused?.success && REFUND_REFUSALS.includes(refused.data.error_type)) {
      return { status: 'failed', refundId: request.refundId, channelRefundId: null, code: refused.data.error_type };
    }
    const accepted = this.read(refundAnswerSchema, this.expect(answer, [200, 202]));
    return { status: 'succeeded', refundId: request.refundId, channelRefundId: accepted.action_id };
  }

  async queryRefund(request: { readonly refundId: string; readonly paymentId: string }): Promise<ChannelRefundState> {
    const payment = await this.byReference(request.paymentId);
    if (!payment) return { status: 'not_found', refundId: request.refundId, channelRefundId: null };
    const actions = this.read(actionListSchema, this.expect(await this.call('GET', ACQUIRER_PATHS.actions(payment.id)), [200]));
    const refund = actions.data.find((a) => a.type === 'Refund' && a.reference === request.refundId);
    if (!refund) return { status: 'not_found', refundId: request.refundId, channelRefundId: null };
    return refund.approved
      ? { status: 'succeeded', refundId: request.refundId, channelRefundId: refund.id }
      : { status: 'failed', refundId: request.refundId, channelRefundId: refund.id, code: refund.response_code };
  }

  /** Tokenization: the card becomes an instrument pending the payer's OTP. Keyed by our agreement id: signed once. */
  async signAgreement(request: SignAgreementRequest): Promise<AgreementChannelResult> {
    const card = request.card;
    if (!card) return { outcome: 'declined', channelAgreementId: null, code: 'invalid_request', message: 'A card channel needs a card.' };
    const answer = await this.call('POST', ACQUIRER_PATHS.instruments, toInstrumentBody({ ...request, card }), `${request.agreementId}:sign`);
    return toAgreementResult(this.read(instrumentSchema, this.expect(answer, [200, 202])));
  }

  async confirmAgreement(request: AgreementRef & { readonly otp: string }): Promise<AgreementChannelResult> {
    // Each authentication is the payer's own act: its key is fresh, as for a payment's OTP.
    const path = ACQUIRER_PATHS.instrumentAuthentications(request.channelAgreementId);
    const answer = await this.call('POST', path, { otp: request.otp }, `${request.agreementId}:auth:${randomUUID()}`);
    return toAgreementResult(this.read(instrumentSchema, this.expect(answer, [200])));
  }

  async terminateAgreement(request: AgreementRef): Promise<AgreementChannelResult> {
    const answer = await this.call('POST', ACQUIRER_PATHS.instrumentRevocations(request.channelAgreementId), {}, `${request.agreementId}:revoke`);
    return toAgreementResult(this.read(instrumentSchema, this.expect(answer, [200])));
  }

  /**
   * The acquirer's settlement report of one UTC day (bill-format.ts), fetched with the secret key like any call; a
   * report file carries no answer signature (it is a download, not an API answer), its trailer guards its integrity.
   */
  async fetchBill(request: { readonly date: string }): Promise<ParsedBill> {
    const answer = await channelExchange(this.id, this.fetchImpl, `${this.options.baseUrl.replace(/\/$/, '')}/bills/${encodeURIComponent(request.date)}`, {
      method: 'GET',
      headers: { authorization: `Bearer ${this.options.credentials.secretKey}`, accept: 'text/csv' },
      timeoutMs: this.options.timeoutMs ?? 10_000,
    });
    if (answer.status !== 200) throw new ChannelTimeoutError(this.id);
    return parseCardReport(this.id, answer.body);
  }

  private async retrieve(id: string): Promise<AcquirerPayment | undefined> {
    const answer = await this.call('GET', ACQUIRER_PATHS.payment(id));
    return answer.status === 404 ? undefined : this.read(paymentSchema, this.expect(answer, [200]));
  }

  private async byReference(reference: string): Promise<AcquirerPayment | undefined> {
    const answer = await this.call('GET', `${ACQUIRER_PATHS.payments}?reference=${encodeURIComponent(reference)}`);
    const list = this.read(paymentListSchema, this.expect(answer, [200]));
    return list.data.find((p) => p.reference === reference);
  }

  /** The body of an answer with one of `statuses`; a verified refusal is ChannelRejectedError, unless it leaves the outcome open. */
  private expect(answer: Answer, statuses: readonly number[]): unknown {
    if (statuses.includes(answer.status)) return answer.body;
    const error = errorSchema.safeParse(answer.body);
    if (!error.success) throw new ChannelTimeoutError(this.id);
    if (UNKNOWN_OUTCOME_ERRORS.includes(error.data.error_type)) throw new ChannelTimeoutError(this.id);
    throw new ChannelRejectedError(this.id, `${answer.status} ${error.data.error_type}`);
  }

  /** A body that does not have the expected shape is not understood: the outcome is unknown, never success. */
  private read<T>(schema: z.ZodMiniType<T>, body: unknown): T {
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new ChannelTimeoutError(this.id);
    return parsed.data;
  }

  /** Authenticates, sends, and returns the answer only when the acquirer's signature on it verifies for this request. */
  private async call(method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string): Promise<Answer> {
    const requestId = randomUUID();
    const text = body === undefined ? undefined : JSON.stringify(body);
    const answer = await channelExchange(this.id, this.fetchImpl, `${this.options.baseUrl.replace(/\/$/, '')}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.options.credentials.secretKey}`,
        accept: 'application/json',
        [ACQUIRER_HEADERS.requestId]: requestId,
        ...(text === undefined ? {} : { 'content-type': 'application/json' }),
        ...(idempotencyKey ? { [ACQUIRER_HEADERS.idempotencyKey]: idempotencyKey } : {}),
      },
      body: text,
      timeoutMs: this.options.timeoutMs ?? 10_000,
    });
    const failure = verifyAnswer(answer.headers[ACQUIRER_HEADERS.signature], requestId, answer.body, this.options.credentials.answerKeys, this.now());
    if (failure !== null) throw new ChannelTimeoutError(this.id);
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      throw new ChannelTimeoutError(this.id);
    }
    return { status: answer.status, body: parsed };
  }
}
