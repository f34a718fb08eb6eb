import type { Currency } from '../../domain/money.js';
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
  type AgreementChannelResult,
  type AgreementRef,
  type ChannelAgreementQueryState,
  type CreatePaymentResult,
  type PaymentRef,
  type SignAgreementRequest,
  type VerifiedCallback,
} from '../../ports/channel-flows.js';
import { ChannelRejectedError, ChannelTimeoutError } from '../../ports/payment-channel.js';
import type { ParsedBill } from '../../reconciliation/bill.js';
import { channelExchange } from '../channel-http.js';
import { parseAlipayBill } from './bill-parser.js';
import type { AlipayCredentials } from './credentials.js';
import { NOTIFY_UNSIGNED, REQUEST_UNSIGNED, rawResponseObject, rsa2Sign, rsa2Verify, signContent } from './signature.js';
import {
  callbackFromNotify,
  chinaTime,
  paymentStateFromQuery,
  parseChinaTime,
  precreateBiz,
  refundBiz,
  refundStateFromAnswer,
  refundStateFromQuery,
  type AlipayAnswer,
} from './transformers.js';
import {
  AGREEMENT_NOT_EXIST,
  agreementFromNotify,
  agreementFromQuery,
  agreementQueryBiz,
  CYCLE_PAY_DECLINES,
  cyclePayBiz,
  pageSignBiz,
  unsignBiz,
} from './agreements.js';

export interface AlipayAdapterOptions {
  readonly id?: string;
  /** `https://openapi.alipay.com` in production; the sandbox emulator's `…/sandbox/channels/alipay` locally. */
  readonly baseUrl: string;
  readonly credentials: AlipayCredentials;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  /**
   * How old a notification's `notify_time` may be. Alipay re-sends an unacknowledged notification for about 25 hours
   * with a fresh notify_time each time, so anything older than the retry window is a replay, not a retry.
   */
  readonly callbackMaxAgeSeconds?: number;
}

/** Alipay's answer codes: 10000 success, 40004 a business refusal, 20000/20001 the gateway itself failing. */
const SUCCESS = '10000';
const BUSINESS_FAILED = '40004';
/** 10003: the trade waits for the payer; whether it will be paid is not known yet. */
const WAITING = '10003';
const DEFAULT_CALLBACK_MAX_AGE_SECONDS = 26 * 3_600;
/** A notify_time this far ahead of our clock is still accepted (the two clocks drift). */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The Alipay open-platform adapter (当面付 precreate: the payer scans a QR code). Speaks the real gateway protocol:
 * form-encoded common parameters signed RSA2 with the app's private key, JSON answers verified with Alipay's public
 * key (chosen by `alipay_cert_sn`), form-encoded async notifications verified the same way and acknowledged with the
 * literal `success`. Our attempt id is `out_trade_no` and also the channel payment id: Alipay assigns its `trade_no`
 * only when the payer scans, and every call, notification and bill line carries out_trade_no.
 */
export class AlipayAdapter implements ChannelAdapter {
  readonly id: string;
  private readonly baseUrl: string;
  private readonly credentials: AlipayCredentials;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;
  private readonly now: () => Date;
  private readonly callbackMaxAgeMs: number;

  constructor(options: AlipayAdapterOptions) {
    this.id = options.id ?? 'alipay';
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.credentials = options.credentials;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? (() => new Date());
    this.callbackMaxAgeMs = (options.callbackMaxAgeSeconds ?? DEFAULT_CALLBACK_MAX_AGE_SECONDS) * 1_000;
  }

  async createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult> {
    this.assertCny(request.currency);
    if (request.agreementToken) return this.cyclePay(request, request.agreementToken);
    const answer = await this.call('alipay.trade.precreate', precreateBiz(request), request.callbackUrl);
    if (subCode(answer) === 'ACQ.TRADE_HAS_SUCCESS') return this.alreadyPaid(request.paymentId);
    if (answer.code !== SUCCESS) {
      return { outcome: 'declined', channelPaymentId: null, code: subCode(answer), message: subMessage(answer) };
    }
    const qrCode = answer.qr_code;
    if (typeof qrCode !== 'string' || !qrCode.startsWith('https://') || answer.out_trade_no !== request.paymentId) {
      // A success without a usable QR code for this trade: Alipay may hold the trade, so the outcome is unknown.
      throw new ChannelTimeoutError(this.id);
    }
    return { outcome: 'requires_action', channelPaymentId: request.paymentId, action: { type: 'qr_code', qrCode } };
  }

  /**
   * 周期扣款 debit: alipay.trade.pay with the agreement, answered synchronously (10000: paid). A definite refusal of
   * the agreement or the payer's funds is a decline; 10003 (waiting for the payer, impossible without one) or a
   * repeated out_trade_no already paid is settled by the query.
   */
  private async cyclePay(request: CreatePaymentRequest, agreementNo: string): Promise<CreatePaymentResult> {
    const answer = await this.call('alipay.trade.pay', cyclePayBiz(request, agreementNo), request.callbackUrl);
    if (answer.code === SUCCESS) {
      if (answer.out_trade_no !== request.paymentId) this.unknown();
      return { outcome: 'succeeded', channelPaymentId: request.paymentId };
    }
    if (subCode(answer) === 'ACQ.TRADE_HAS_SUCCESS') return this.alreadyPaid(request.paymentId);
    if (CYCLE_PAY_DECLINES.has(subCode(answer))) {
      return { outcome: 'declined', channelPaymentId: request.paymentId, code: subCode(answer), message: subMessage(answer) };
    }
    return this.unknown();
  }

  /**
   * alipay.user.agreement.page.sign is a page, not an API answer: its signed URL (the SDK's pageExecute GET) is what
   * the payer opens, here as a QR code. The platform opens it once itself, so a request Alipay refuses (signature, app,
   * period rule) fails the create instead of showing the payer a code that leads nowhere.
   */
  async signAgreement(request: SignAgreementRequest): Promise<AgreementChannelResult> {
    this.assertCny(request.currency);
    const url = `${this.baseUrl}/gateway.do?${new URLSearchParams(this.signedParams('alipay.user.agreement.page.sign', pageSignBiz(request, this.now()), request.callbackUrl)).toString()}`;
    let status: number;
    try {
      const response = await this.fetch(url, { method: 'GET', signal: AbortSignal.timeout(this.timeoutMs) });
      await response.arrayBuffer();
      status = response.status;
    } catch {
      return this.unknown();
    }
    if (status === 200) return { outcome: 'requires_action', channelAgreementId: request.agreementId, action: { type: 'qr_code', qrCode: url } };
    if (status >= 400 && status < 500) throw new ChannelRejectedError(this.id, `agreement page refused: HTTP ${status}`);
    return this.unknown();
  }

  /** alipay.user.agreement.unsign by our external_agreement_no; an agreement Alipay never signed has nothing to end. */
  async terminateAgreement(request: AgreementRef): Promise<AgreementChannelResult> {
    const answer = await this.call('alipay.user.agreement.unsign', unsignBiz(request.channelAgreementId));
    if (answer.code === SUCCESS || subCode(answer) === 'USER_AGREEMENT_NOT_EXIST' || subCode(answer) === 'AGREEMENT_HAS_UNSIGNED') {
      return { outcome: 'terminated', channelAgreementId: request.channelAgreementId };
    }
    throw new ChannelRejectedError(this.id, subCode(answer));
  }

  /**
   * alipay.user.agreement.query by our external_agreement_no, for a signing whose dut_user_sign notification never came
   * (docs/decisions.md, 238): signed RSA2 and verified like every call; USER_AGREEMENT_NOT_EXIST is `not_signed`.
   */
  async queryAgreement(request: AgreementRef): Promise<ChannelAgreementQueryState> {
    const answer = await this.call('alipay.user.agreement.query', agreementQueryBiz(request.agreementId));
    if (answer.code === SUCCESS) return agreementFromQuery(request.agreementId, answer) ?? this.unknown();
    if (subCode(answer) === AGREEMENT_NOT_EXIST) return { status: 'not_signed', agreementId: request.agreementId };
    throw new ChannelRejectedError(this.id, subCode(answer));
  }

  /** A repeated precreate of a trade the payer already paid (our earlier answer was lost): the query confirms it. */
  private async alreadyPaid(paymentId: string): Promise<CreatePaymentResult> {
    const state = await this.queryPayment({ paymentId, channelPaymentId: paymentId });
    if (state.status !== 'succeeded') throw new ChannelTimeoutError(this.id);
    return { outcome: 'succeeded', channelPaymentId: paymentId };
  }

  async queryPayment(request: PaymentRef): Promise<ChannelPaymentState> {
    const answer = await this.call('alipay.trade.query', { out_trade_no: request.paymentId });
    if (answer.code === SUCCESS) {
      if (answer.out_trade_no !== request.paymentId) throw new ChannelTimeoutError(this.id);
      return paymentStateFromQuery(request.paymentId, answer) ?? this.unknown();
    }
    // Before the payer scans, Alipay has no trade under that out_trade_no at all.
    if (subCode(answer) === 'ACQ.TRADE_NOT_EXIST') return { status: 'not_found', channelPaymentId: null, paymentId: request.paymentId };
    throw new ChannelRejectedError(this.id, subCode(answer));
  }

  async closePayment(request: PaymentRef): Promise<CloseResult> {
    const answer = await this.call('alipay.trade.close', { out_trade_no: request.paymentId });
    if (answer.code === SUCCESS || subCode(answer) === 'ACQ.TRADE_NOT_EXIST') return { outcome: 'closed' };
    if (subCode(answer) !== 'ACQ.TRADE_STATUS_ERROR') throw new ChannelRejectedError(this.id, subCode(answer));
    // Not closable: paid (or already closed). The query says which, and carries the paid state.
    const state = await this.queryPayment(request);
    if (state.status === 'succeeded') return { outcome: 'already_paid', state };
    if (state.status === 'closed') return { outcome: 'closed' };
    throw new ChannelTimeoutError(this.id);
  }

  async refund(request: ChannelRefundRequest): Promise<ChannelRefundState> {
    this.assertCny(request.currency);
    const answer = await this.call('alipay.trade.refund', refundBiz(request));
    if (answer.code !== SUCCESS) return { status: 'failed', refundId: request.refundId, channelRefundId: null, code: subCode(answer) };
    if (answer.out_trade_no !== request.paymentId) throw new ChannelTimeoutError(this.id);
    return refundStateFromAnswer(request.refundId, answer) ?? this.queryRefund(request);
  }

  async queryRefund(request: { readonly refundId: string; readonly paymentId: string }): Promise<ChannelRefundState> {
    const answer = await this.call('alipay.trade.fastpay.refund.query', {
      out_trade_no: request.paymentId,
      out_request_no: request.refundId,
    });
    if (answer.code === SUCCESS) return refundStateFromQuery(request.refundId, answer);
    if (subCode(answer) === 'ACQ.TRADE_NOT_EXIST') return { status: 'not_found', refundId: request.refundId, channelRefundId: null };
    throw new ChannelRejectedError(this.id, subCode(answer));
  }

  async parseCallback(request: CallbackRequest): Promise<VerifiedCallback> {
    const params = this.formParams(request.rawBody);
    if (!params.sign || !params.notify_id || !params.notify_time) this.reject('malformed', 'sign, notify_id or notify_time missing');
    if (params.sign_type !== 'RSA2') this.reject('malformed', `sign_type ${params.sign_type ?? '(none)'}`);
    // Alipay notifications name no key: any listed Alipay key (old and new during a rotation) may have signed it.
    const content = signContent(params, NOTIFY_UNSIGNED);
    if (!this.credentials.alipayPublicKeys.some((key) => rsa2Verify(content, params.sign!, key.publicKeyPem))) {
      this.reject('signature', 'no Alipay public key verifies the notification');
    }
    if (params.app_id !== this.credentials.appId) this.reject('malformed', 'notification for another app');
    const sentAt = parseChinaTime(params.notify_time!);
    if (!sentAt) this.reject('malformed', 'notify_time unreadable');
    const ageMs = this.now().getTime() - sentAt.getTime();
    if (ageMs > this.callbackMaxAgeMs || ageMs < -CLOCK_SKEW_MS) this.reject('stale', `notify_time ${params.notify_time}`);
    const agreement = agreementFromNotify(params);
    if (agreement === 'malformed') this.reject('malformed', `${params.notify_type} without its agreement numbers or status`);
    return agreement ?? callbackFromNotify(params) ?? this.reject('malformed', 'unknown notify_type, trade_status or amount');
  }

  /** Alipay stops re-sending only on the literal body `success`; anything else is retried on its cadence. */
  callbackAck(result: 'ok' | 'rejected'): CallbackAck {
    return result === 'ok'
      ? { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'success' }
      : { statusCode: 400, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'fail' };
  }

  /**
   * One gateway call: signed common parameters, the answer's signature verified. Returns the answer when it is a
   * success or a business refusal (40004); a request the gateway refused as malformed or unauthorised (400xx) is a
   * definite ChannelRejectedError; a gateway failure (20000, ACQ.SYSTEM_ERROR), a transport error, a timeout or an
   * answer that does not verify is a ChannelTimeoutError, because Alipay may or may not have acted.
   */
  private async call(method: string, biz: Record<string, unknown>, notifyUrl?: string): Promise<AlipayAnswer> {
    const params = this.signedParams(method, biz, notifyUrl);
    const answer = this.verifiedAnswer(method, await this.post(params));
    if (answer.code === SUCCESS) return answer;
    if (/SYSTEM_ERROR$/.test(subCode(answer)) || answer.code.startsWith('2')) throw new ChannelTimeoutError(this.id, 'system_error');
    if (answer.code === WAITING) throw new ChannelTimeoutError(this.id);
    if (answer.code === BUSINESS_FAILED) return answer;
    throw new ChannelRejectedError(this.id, `${answer.code} ${subCode(answer)}`);
  }

  /** The common parameters with the business content, signed RSA2 with the app's key. */
  private signedParams(method: string, biz: Record<string, unknown>, notifyUrl?: string): Record<string, string> {
    const params: Record<string, string> = {
      app_id: this.credentials.appId,
      method,
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: chinaTime(this.now()),
      version: '1.0',
      app_cert_sn: this.credentials.appCertSn,
      ...(notifyUrl ? { notify_url: notifyUrl } : {}),
      biz_content: JSON.stringify(biz),
    };
    params.sign = rsa2Sign(signContent(params, REQUEST_UNSIGNED), this.credentials.appPrivateKeyPem);
    return params;
  }

  /**
   * The day's trade bill. Alipay answers alipay.data.dataservice.bill.downloadurl.query with a short-lived
   * bill_download_url to a zip; the sandbox serves the file at its bill path directly (docs/decisions.md, 167), so
   * this fetches that URL, on the API's own origin, and reads it with the trade bill parser.
   */
  async fetchBill(request: { readonly date: string }): Promise<ParsedBill> {
    const file = await channelExchange(this.id, this.fetch, `${this.baseUrl}/bills/${encodeURIComponent(request.date)}`, {
      method: 'GET',
      headers: { accept: 'text/csv' },
      timeoutMs: this.timeoutMs,
    });
    if (file.status !== 200) throw new ChannelTimeoutError(this.id);
    return parseAlipayBill(file.body);
  }

  private async post(params: Record<string, string>): Promise<string> {
    let response: Response;
    let body: string;
    try {
      response = await this.fetch(`${this.baseUrl}/gateway.do?charset=utf-8`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8', accept: 'application/json' },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      body = await response.text();
    } catch {
      throw new ChannelTimeoutError(this.id);
    }
    // The gateway's own failure page: Alipay's outage, reported apart from no answer at all (channel health).
    if (response.status >= 500) throw new ChannelTimeoutError(this.id, 'system_error');
    if (!response.ok) throw new ChannelTimeoutError(this.id);
    return body;
  }

  /** The `<method>_response` (or `error_response`) object, once its signature verified with the named Alipay key. */
  private verifiedAnswer(method: string, body: string): AlipayAnswer {
    let envelope: Record<string, unknown>;
    try {
      envelope = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return this.unknown();
    }
    const name = [`${method.replaceAll('.', '_')}_response`, 'error_response'].find((key) => key in envelope);
    const raw = name ? rawResponseObject(body, name) : undefined;
    const sign = envelope.sign;
    const certSn = envelope.alipay_cert_sn;
    const keys = this.credentials.alipayPublicKeys.filter((key) => certSn === undefined || key.certSn === certSn);
    if (!raw || typeof sign !== 'string' || !keys.some((key) => rsa2Verify(raw, sign, key.publicKeyPem))) return this.unknown();
    const answer = JSON.parse(raw) as Record<string, unknown>;
    return typeof answer.code === 'string' ? (answer as AlipayAnswer) : this.unknown();
  }

  /** Form fields of a notification; a field given twice is refused (which one would have been signed?). */
  private formParams(rawBody: string): Record<string, string> {
    const params: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(rawBody)) {
      if (Object.hasOwn(params, name)) this.reject('malformed', `field ${name} repeated`);
      params[name] = value;
    }
    return params;
  }

  private assertCny(currency: Currency): void {
    // Domestic Alipay trades settle in CNY only (cross-border needs a separate contract and API).
    if (currency !== 'CNY') throw new ChannelRejectedError(this.id, `currency_not_supported: ${currency}`);
  }

  private unknown(): never {
    throw new ChannelTimeoutError(this.id);
  }

  private reject(reason: CallbackRejectedError['reason'], detail: string): never {
    throw new CallbackRejectedError(this.id, reason, detail);
  }
}

function subCode(answer: AlipayAnswer): string {
  return typeof answer.sub_code === 'string' ? answer.sub_code : answer.code;
}

function subMessage(answer: AlipayAnswer): string {
  return typeof answer.sub_msg === 'string' ? answer.sub_msg : (answer.msg ?? 'Alipay refused the payment.');
}
