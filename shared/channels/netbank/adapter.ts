import * as z from 'zod/mini';
import {
  CallbackRejectedError,
  type CallbackAck,
  type CallbackRequest,
  type ChannelAdapter,
  type ChannelPaymentState,
  type ChannelRefundRequest,
  type ChannelRefundState,
  type CloseResult,
  type CreatePaymentRequest,
  type CreatePaymentResult,
  type PaymentRef,
  type VerifiedCallback,
} from '../../ports/channel-flows.js';
import { ChannelRejectedError, ChannelTimeoutError } from '../../ports/payment-channel.js';
import { channelExchange } from '../channel-http.js';
import { combineBills, type ParsedBill } from '../../reconciliation/bill.js';
import type { NetbankStatementType } from './bill-format.js';
import { parseNetbankBill, parseNetbankCollections } from './bill-parser.js';
import type { NetbankCredentials } from './credentials.js';
import { NETBANK_HEADERS, netbankHeaderRecord, signNetbankMessage, verifyNetbankMessage } from './signature.js';
import { toCreateBody, toPaymentState, toRefundBody, toRefundState } from './transformers.js';
import {
  NETBANK_NOTIFY_ACK,
  NETBANK_PATHS,
  netbankAnswerSchema,
  netbankNotifySchema,
  netbankOrderSchema,
  netbankRefundStateSchema,
} from './wire.js';

export interface NetbankAdapterOptions {
  readonly id: string;
  /** e.g. `http://127.0.0.1:3000/sandbox/channels/netbank`; the API paths are appended. */
  readonly baseUrl: string;
  readonly credentials: NetbankCredentials;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
}

type Answer = z.infer<typeof netbankAnswerSchema>;

/**
 * The bank redirect channel (docs/channels.md, Netbank). A payment is an order created server to server; the payer
 * pays on the bank's page; the bank notifies the platform and answers queries. Every request is signed with the
 * merchant key, every answer and notify verified against the bank's keys.
 */
export class NetbankAdapter implements ChannelAdapter {
  readonly id: string;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => Date;

  constructor(readonly options: NetbankAdapterOptions) {
    this.id = options.id;
    this.fetchImpl = options.fetch ?? fetch;
    this.now = options.now ?? (() => new Date());
  }

  async createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult> {
    const answer = await this.call(NETBANK_PATHS.create, toCreateBody(request, this.options.credentials.merchantNo));
    if (answer.code === 'SUCCESS') {
      const created = this.read(z.object({ bankOrderId: z.string(), payUrl: z.url() }), answer);
      return { outcome: 'requires_action', channelPaymentId: created.bankOrderId, action: { type: 'redirect', url: created.payUrl } };
    }
    if (answer.code === 'BANK_NOT_SUPPORTED' || answer.code === 'ORDER_EXPIRED') {
      return { outcome: 'declined', channelPaymentId: null, code: 'processing_error', message: answer.message ?? answer.code };
    }
    throw new ChannelRejectedError(this.id, answer.code);
  }

  async queryPayment(request: PaymentRef): Promise<ChannelPaymentState> {
    const answer = await this.call(NETBANK_PATHS.query, this.orderRef(request.paymentId));
    if (answer.code === 'ORDER_NOT_FOUND') return { status: 'not_found', channelPaymentId: null, paymentId: request.paymentId };
    if (answer.code !== 'SUCCESS') throw new ChannelRejectedError(this.id, answer.code);
    return this.orderState(answer);
  }

  async closePayment(request: PaymentRef): Promise<CloseResult> {
    const answer = await this.call(NETBANK_PATHS.close, this.orderRef(request.paymentId));
    // A close of an order the bank never had is a success: nothing can be paid under that number any more.
    if (answer.code === 'SUCCESS' || answer.code === 'ORDER_NOT_FOUND') return { outcome: 'closed' };
    if (answer.code === 'ORDER_PAID') return { outcome: 'already_paid', state: this.orderState(answer) };
    throw new ChannelRejectedError(this.id, answer.code);
  }

  async refund(request: ChannelRefundRequest): Promise<ChannelRefundState> {
    const answer = await this.call(NETBANK_PATHS.refund, toRefundBody(request, this.options.credentials.merchantNo));
    if (answer.code === 'SUCCESS') return toRefundState(this.read(netbankRefundStateSchema, answer));
    if (answer.code === 'REFUND_AMOUNT_EXCEEDED' || answer.code === 'ORDER_NOT_PAID') {
      return { status: 'failed', refundId: request.refundId, channelRefundId: null, code: answer.code.toLowerCase() };
    }
    throw new ChannelRejectedError(this.id, answer.code);
  }

  async queryRefund(request: { readonly refundId: string; readonly paymentId: string }): Promise<ChannelRefundState> {
    const answer = await this.call(NETBANK_PATHS.queryRefund, { merchantNo: this.options.credentials.merchantNo, refundNo: request.refundId });
    if (answer.code === 'REFUND_NOT_FOUND') return { status: 'not_found', refundId: request.refundId, channelRefundId: null };
    if (answer.code !== 'SUCCESS') throw new ChannelRejectedError(this.id, answer.code);
    return toRefundState(this.read(netbankRefundStateSchema, answer));
  }

  /**
   * The bank's day (Beijing time) as one bill: its collections statement (redirect payments and refunds) and its payout
   * desk's statement (payouts and returns), both downloaded under the merchant number like the card acquirers' report.
   * A statement file carries no answer signature (a download, not an API answer); its trailer guards its integrity.
   * Either file missing or unreadable fails the whole day: half a day reconciled would report the other half's items
   * as missing.
   */
  async fetchBill(request: { readonly date: string }): Promise<ParsedBill> {
    const [collections, payouts] = await Promise.all([this.statement(request.date, 'collection'), this.statement(request.date, 'payout')]);
    return combineBills([parseNetbankCollections(this.id, collections), parseNetbankBill(this.id, payouts)]);
  }

  private async statement(date: string, type: NetbankStatementType): Promise<string> {
    const url = `${this.options.baseUrl.replace(/\/$/, '')}/bills/${encodeURIComponent(date)}?type=${type}`;
    const answer = await channelExchange(this.id, this.fetchImpl, url, {
      method: 'GET',
      headers: { [NETBANK_HEADERS.merchant]: this.options.credentials.merchantNo, accept: 'text/plain' },
      timeoutMs: this.options.timeoutMs ?? 10_000,
    });
    if (answer.status !== 200) throw new ChannelTimeoutError(this.id);
    return answer.body;
  }

  async parseCallback(request: CallbackRequest): Promise<VerifiedCallback> {
    const failure = verifyNetbankMessage(this.options.credentials.bankPublicKeys, request.headers, request.rawBody, this.now());
    if (failure) throw new CallbackRejectedError(this.id, failure, `notify ${failure}`);
    const notify = netbankNotifySchema.safeParse(parseJson(request.rawBody));
    if (!notify.success) throw new CallbackRejectedError(this.id, 'malformed', 'notify body');
    if (notify.data.merchantNo !== this.options.credentials.merchantNo) {
      throw new CallbackRejectedError(this.id, 'malformed', 'notify for another merchant number');
    }
    const state = toPaymentState(notify.data);
    if (!state) throw new CallbackRejectedError(this.id, 'malformed', 'notify amount');
    return { kind: 'payment', state, callbackId: notify.data.notifyId };
  }

  callbackAck(result: 'ok' | 'rejected'): CallbackAck {
    const headers = { 'content-type': 'application/json' };
    return result === 'ok'
      ? { statusCode: 200, headers, body: JSON.stringify(NETBANK_NOTIFY_ACK) }
      : { statusCode: 400, headers, body: JSON.stringify({ code: 'FAIL', message: 'notify refused' }) };
  }

  private orderRef(paymentId: string): { merchantNo: string; orderNo: string } {
    return { merchantNo: this.options.credentials.merchantNo, orderNo: paymentId };
  }

  private orderState(answer: Answer): ChannelPaymentState {
    const state = toPaymentState(this.read(netbankOrderSchema, answer));
    if (!state) throw new ChannelTimeoutError(this.id);
    return state;
  }

  /** An answer that does not have the documented shape is not understood: outcome unknown. */
  private read<T>(schema: z.ZodMiniType<T>, answer: Answer): T {
    const parsed = schema.safeParse(answer);
    if (!parsed.success) throw new ChannelTimeoutError(this.id);
    return parsed.data;
  }

  /**
   * Signs and sends one request; returns the answer only when the bank's signature on it verifies. Public for the
   * bank's payout desk (payout-client.ts), which speaks the same signed API.
   */
  async call(path: string, payload: object): Promise<Answer> {
    const body = JSON.stringify(payload);
    const url = new URL(this.options.baseUrl);
    const signedPath = `${url.pathname.replace(/\/$/, '')}${path}`;
    const signed = signNetbankMessage(this.options.credentials.signingKey, body, this.now(), { method: 'POST', path: signedPath });
    const answer = await channelExchange(this.id, this.fetchImpl, `${url.origin}${signedPath}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [NETBANK_HEADERS.merchant]: this.options.credentials.merchantNo,
        ...netbankHeaderRecord(signed),
      },
      body,
      timeoutMs: this.options.timeoutMs ?? 10_000,
    });
    // An unsigned or mis-signed answer could come from anyone on the path: it decides nothing.
    if (verifyNetbankMessage(this.options.credentials.bankPublicKeys, answer.headers, answer.body, this.now())) {
      throw new ChannelTimeoutError(this.id);
    }
    const parsed = netbankAnswerSchema.safeParse(parseJson(answer.body));
    if (!parsed.success) throw new ChannelTimeoutError(this.id);
    return parsed.data;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
