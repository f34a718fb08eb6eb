import { createHash } from 'node:crypto';
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
import { parseWechatTradebill } from './bill-parser.js';
import type { WechatPayCredentials } from './credentials.js';
import {
  decryptResource,
  formatAuthorization,
  isFresh,
  newNonce,
  requestMessage,
  responseMessage,
  rsaSign,
  rsaVerify,
  unixSeconds,
} from './signing.js';
import {
  nativeOrderBody,
  paymentState,
  REFUND_BUSINESS_ERRORS,
  refundBody,
  refundState,
  UnsupportedCurrencyError,
  type WechatRefund,
  type WechatTransaction,
} from './transformers.js';
import { applyDeductBody, contractState, DEDUCT_BUSINESS_ERRORS, DEFAULT_PAPAY_PLAN_ID, preEntrustSignBody, type WechatContract } from './papay.js';

export { generateSandboxWechatPayKeys, parseWechatPayCredentials, rotateSandboxWechatPayPlatformKey } from './credentials.js';
export type { WechatPayCredentials, WechatPaySandboxKeys, WechatPayPublicKey } from './credentials.js';

export interface WechatPayAdapterOptions {
  readonly id: string;
  /** `https://api.mch.weixin.qq.com` in production; the sandbox emulator's URL locally. */
  readonly baseUrl: string;
  readonly credentials: WechatPayCredentials;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  /** The papay (委托代扣) plan configured at WeChat for this merchant; DEFAULT_PAPAY_PLAN_ID otherwise. */
  readonly papayPlanId?: number;
}

/** A signed answer from WeChat: HTTP status and the parsed JSON body (undefined for an empty body). */
interface WechatAnswer {
  readonly status: number;
  readonly body: Record<string, unknown> | undefined;
}

/**
 * WeChat Pay API v3, Native payments (the payer scans a `weixin://wxpay/bizpayurl?pr=…` code). Every request is
 * signed with the merchant key; every answer and callback is verified with WeChat's platform key before a byte of it is
 * believed. An answer that does not verify, does not parse, or does not come in time is an unknown outcome
 * (ChannelTimeoutError): the attempt stays pending until a query settles it.
 */
export class WechatPayAdapter implements ChannelAdapter {
  readonly id: string;
  private readonly baseUrl: string;
  private readonly credentials: WechatPayCredentials;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;
  private readonly now: () => Date;
  private readonly papayPlanId: number;

  constructor(options: WechatPayAdapterOptions) {
    this.id = options.id;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.credentials = options.credentials;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? (() => new Date());
    this.papayPlanId = options.papayPlanId ?? DEFAULT_PAPAY_PLAN_ID;
  }

  async createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult> {
    if (request.agreementToken) return this.applyDeduct(request, request.agreementToken);
    const body = this.mapRequest(() => nativeOrderBody(request, this.credentials.appId, this.credentials.mchId));
    const answer = await this.call('POST', '/v3/pay/transactions/native', body);
    if (answer.status === 200 && typeof answer.body?.code_url === 'string') {
      return {
        outcome: 'requires_action',
        channelPaymentId: request.paymentId,
        action: { type: 'qr_code', qrCode: answer.body.code_url },
      };
    }
    // A retried create after the payer paid or the order was closed: the query tells which.
    const code = errorCode(answer);
    if (code === 'ORDERPAID' || code === 'ORDER_CLOSED' || code === 'ORDERCLOSED') {
      const state = await this.queryPayment({ paymentId: request.paymentId, channelPaymentId: request.paymentId });
      if (state.status === 'succeeded') return { outcome: 'succeeded', channelPaymentId: request.paymentId };
      return { outcome: 'declined', channelPaymentId: request.paymentId, code: code.toLowerCase(), message: errorMessage(answer) };
    }
    throw this.refusal(answer);
  }

  /**
   * 委托代扣 pre-sign for a QR code: WeChat answers a pre_entrustweb_id and the `redirect_url` whose code the payer
   * scans. Nothing is signed until the payer agrees in WeChat; the PAPAY.SIGN notice (or the contract query) says so.
   */
  async signAgreement(request: SignAgreementRequest): Promise<AgreementChannelResult> {
    const body = this.mapRequest(() => preEntrustSignBody(request, this.credentials.appId, this.papayPlanId));
    const answer = await this.call('POST', '/v3/papay/sign/contracts/pre-entrust-sign', body);
    if (answer.status === 200 && typeof answer.body?.redirect_url === 'string' && typeof answer.body.pre_entrustweb_id === 'string') {
      return { outcome: 'requires_action', channelAgreementId: request.agreementId, action: { type: 'qr_code', qrCode: answer.body.redirect_url } };
    }
    throw this.refusal(answer);
  }

  /**
   * 通过商户协议号解约: idempotent here, since a contract that is already terminated, or was never signed (the payer
   * did not scan), leaves nothing that can be debited.
   */
  async terminateAgreement(request: AgreementRef): Promise<AgreementChannelResult> {
    const path = `${this.contractPath(request.channelAgreementId)}/terminate`;
    const answer = await this.call('POST', path, { contract_termination_remark: 'merchant terminated the agreement' });
    const code = errorCode(answer);
    if (answer.status === 200 || answer.status === 204 || code === 'CONTRACT_NOT_EXIST' || code === 'CONTRACT_TERMINATED') {
      return { outcome: 'terminated', channelAgreementId: request.channelAgreementId };
    }
    throw this.refusal(answer);
  }

  /**
   * 通过商户协议号查询委托代扣签约协议 (`GET …/plan-id/{plan_id}/out-contract-code/{agr_…}`), for a signing whose
   * PAPAY.SIGN notice never came (docs/decisions.md, 238). WeChat has no contract before the payer agrees
   * (CONTRACT_NOT_EXIST / 404: `not_signed`); a contract is believed only when the signed answer names our
   * out_contract_code, merchant and plan and a state we know, exactly as a notice's would be.
   */
  async queryAgreement(request: AgreementRef): Promise<ChannelAgreementQueryState> {
    const answer = await this.call('GET', this.contractPath(request.agreementId));
    if (answer.status === 404 || errorCode(answer) === 'CONTRACT_NOT_EXIST') return { status: 'not_signed', agreementId: request.agreementId };
    if (answer.status !== 200) throw this.refusal(answer);
    const contract = (answer.body ?? {}) as WechatContract;
    const state = contractState(contract);
    if (!state || state.agreementId !== request.agreementId || contract.mchid !== this.credentials.mchId || contract.plan_id !== this.papayPlanId) {
      throw new ChannelTimeoutError(this.id);
    }
    return state;
  }

  /**
   * 受理扣款 with the contract: WeChat accepts the deduction and charges asynchronously (its TRANSACTION.SUCCESS notice,
   * or the transaction query, tells the result). The query right after the acceptance settles the usual case at once;
   * still in progress there is an unknown outcome (PROCESSING, settled by the notice or the janitor's query).
   */
  private async applyDeduct(request: CreatePaymentRequest, contractId: string): Promise<CreatePaymentResult> {
    const body = this.mapRequest(() => applyDeductBody(request, this.credentials.appId, contractId));
    const answer = await this.call('POST', '/v3/papay/pay/transactions/apply', body);
    const code = errorCode(answer);
    if (answer.status >= 400 && answer.status < 500 && code && DEDUCT_BUSINESS_ERRORS.has(code)) {
      return { outcome: 'declined', channelPaymentId: request.paymentId, code: code.toLowerCase(), message: errorMessage(answer) };
    }
    if (answer.status !== 200 && answer.status !== 204) throw this.refusal(answer);
    const state = await this.queryPayment({ paymentId: request.paymentId, channelPaymentId: request.paymentId });
    if (state.status === 'succeeded') return { outcome: 'succeeded', channelPaymentId: request.paymentId };
    if (state.status === 'failed' || state.status === 'closed') {
      return { outcome: 'declined', channelPaymentId: request.paymentId, code: state.code ?? 'PAYERROR', message: 'WeChat Pay did not deduct the amount.' };
    }
    throw new ChannelTimeoutError(this.id);
  }

  private contractPath(outContractCode: string): string {
    return `/v3/papay/sign/contracts/plan-id/${this.papayPlanId}/out-contract-code/${encodeURIComponent(outContractCode)}`;
  }

  async queryPayment(request: PaymentRef): Promise<ChannelPaymentState> {
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(request.paymentId)}?mchid=${encodeURIComponent(this.credentials.mchId)}`;
    const answer = await this.call('GET', path);
    if (answer.status === 404 || errorCode(answer) === 'ORDER_NOT_EXIST' || errorCode(answer) === 'ORDERNOTEXIST') {
      return { status: 'not_found', channelPaymentId: request.channelPaymentId, paymentId: request.paymentId };
    }
    if (answer.status !== 200) throw this.refusal(answer);
    const state = paymentState(answer.body as unknown as WechatTransaction);
    if (!state || state.paymentId !== request.paymentId) throw new ChannelTimeoutError(this.id);
    return state;
  }

  /**
   * 申请交易账单 then 下载账单: the API answers a download_url (signed like any answer) with the file's SHA1; the file
   * itself is not signed, so its hash is checked. A download_url on another origin than the API is refused: the
   * adapter sends its merchant signature there.
   */
  async fetchBill(request: { readonly date: string }): Promise<ParsedBill> {
    const answer = await this.call('GET', `/v3/bill/tradebill?bill_date=${encodeURIComponent(request.date)}&bill_type=ALL`);
    if (answer.status !== 200) throw this.refusal(answer);
    const { download_url: url, hash_value: hash } = (answer.body ?? {}) as { download_url?: unknown; hash_value?: unknown };
    if (typeof url !== 'string' || typeof hash !== 'string' || new URL(url).origin !== new URL(this.baseUrl).origin) {
      throw new ChannelTimeoutError(this.id);
    }
    const file = await channelExchange(this.id, this.fetch, url, {
      method: 'GET',
      headers: { authorization: this.authorization('GET', new URL(url).pathname + new URL(url).search, '') },
      timeoutMs: this.timeoutMs,
    });
    if (file.status !== 200 || createHash('sha1').update(file.body, 'utf8').digest('hex') !== hash) throw new ChannelTimeoutError(this.id);
    return parseWechatTradebill(file.body);
  }

  /** 关单. WeChat answers ORDERPAID when the payer paid first: then the order is paid, not closed. */
  async closePayment(request: PaymentRef): Promise<CloseResult> {
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(request.paymentId)}/close`;
    const answer = await this.call('POST', path, { mchid: this.credentials.mchId });
    if (answer.status === 204 || answer.status === 200) return { outcome: 'closed' };
    const code = errorCode(answer);
    if (code === 'ORDERPAID') {
      const state = await this.queryPayment(request);
      if (state.status === 'succeeded') return { outcome: 'already_paid', state };
      throw new ChannelTimeoutError(this.id);
    }
    if (code === 'ORDER_NOT_EXIST' || code === 'ORDERNOTEXIST' || code === 'ORDERCLOSED' || code === 'ORDER_CLOSED') {
      return { outcome: 'closed' };
    }
    throw this.refusal(answer);
  }

  async refund(request: ChannelRefundRequest): Promise<ChannelRefundState> {
    const body = this.mapRequest(() => refundBody(request));
    const answer = await this.call('POST', '/v3/refund/domestic/refunds', body);
    if (answer.status === 200) return this.refundAnswer(answer, request.refundId);
    const code = errorCode(answer);
    if (answer.status < 500 && code && REFUND_BUSINESS_ERRORS.has(code)) {
      return { status: 'failed', refundId: request.refundId, channelRefundId: null, code };
    }
    throw this.refusal(answer);
  }

  async queryRefund(request: { readonly refundId: string; readonly paymentId: string }): Promise<ChannelRefundState> {
    const answer = await this.call('GET', `/v3/refund/domestic/refunds/${encodeURIComponent(request.refundId)}`);
    if (answer.status === 404 || errorCode(answer) === 'RESOURCE_NOT_EXISTS') {
      return { status: 'not_found', refundId: request.refundId, channelRefundId: null };
    }
    if (answer.status !== 200) throw this.refusal(answer);
    return this.refundAnswer(answer, request.refundId);
  }

  /**
   * Verifies a callback (known platform key serial, fresh timestamp, RSA signature over `timestamp\nnonce\nbody\n`),
   * decrypts its resource with the APIv3 key, and checks that it is for our merchant. Nothing of an unverified
   * callback is parsed beyond what verification needs.
   */
  async parseCallback(request: CallbackRequest): Promise<VerifiedCallback> {
    const headers = lowerCaseKeys(request.headers);
    this.verifySignature(headers, request.rawBody, (reason, detail) => new CallbackRejectedError(this.id, reason, detail));
    const event = parseJson(request.rawBody);
    const resource = event?.resource as Record<string, unknown> | undefined;
    if (typeof event?.id !== 'string' || typeof event.event_type !== 'string' || !isEncryptedResource(resource)) {
      throw new CallbackRejectedError(this.id, 'malformed', 'not a WeChat Pay notification');
    }
    let plain: Record<string, unknown> | undefined;
    try {
      plain = parseJson(decryptResource(resource, this.credentials.apiV3Key));
    } catch {
      throw new CallbackRejectedError(this.id, 'signature', 'resource does not decrypt under the APIv3 key');
    }
    if (!plain) throw new CallbackRejectedError(this.id, 'malformed', 'resource is not JSON');
    if (plain.mchid !== this.credentials.mchId) throw new CallbackRejectedError(this.id, 'malformed', 'for another merchant');
    return this.decodeEvent(event.id, event.event_type, plain);
  }

  /** WeChat wants 200/204 with no body for success, and a 4xx/5xx with `{code:"FAIL"}` to have it retried. */
  callbackAck(result: 'ok' | 'rejected'): CallbackAck {
    if (result === 'ok') return { statusCode: 204, headers: {}, body: '' };
    return {
      statusCode: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'FAIL', message: 'callback refused' }),
    };
  }

  private decodeEvent(callbackId: string, eventType: string, plain: Record<string, unknown>): VerifiedCallback {
    if (eventType.startsWith('TRANSACTION.')) {
      const state = paymentState(plain as unknown as WechatTransaction);
      if (!state) throw new CallbackRejectedError(this.id, 'malformed', `transaction in unknown state`);
      return { kind: 'payment', state, callbackId };
    }
    if (eventType.startsWith('REFUND.')) {
      // REFUND.SUCCESS, REFUND.ABNORMAL and REFUND.CLOSED, sent to the refund request's notify_url: the resource's
      // refund_status is the truth. WeChat always names the trade and the amount, which the platform cross-checks, so
      // one without them is not a notification we can believe.
      const state = refundState(plain as unknown as WechatRefund);
      if (!state) throw new CallbackRejectedError(this.id, 'malformed', `refund in unknown state`);
      if (!state.paymentId || state.amount === undefined) throw new CallbackRejectedError(this.id, 'malformed', 'refund without its trade or amount');
      return { kind: 'refund', state, callbackId };
    }
    if (eventType === 'PAPAY.SIGN' || eventType === 'PAPAY.TERMINATE') {
      // The contract's state is the truth, not the event's name: a SIGN notice must say SIGNED, a TERMINATE TERMINATED.
      const state = contractState(plain as WechatContract);
      const expected = eventType === 'PAPAY.SIGN' ? 'active' : 'terminated';
      if (!state || state.status !== expected) throw new CallbackRejectedError(this.id, 'malformed', `${eventType} without a contract in that state`);
      if (plain.plan_id !== this.papayPlanId) throw new CallbackRejectedError(this.id, 'malformed', 'contract of another plan');
      return { kind: 'agreement', state, callbackId };
    }
    return { kind: 'other', callbackId };
  }

  private refundAnswer(answer: WechatAnswer, refundId: string): ChannelRefundState {
    const state = refundState(answer.body as unknown as WechatRefund);
    if (!state || state.refundId !== refundId) throw new ChannelTimeoutError(this.id);
    return state;
  }

  /** A request we cannot even express (a currency WeChat does not settle) is refused before anything is sent. */
  private mapRequest<T>(map: () => T): T {
    try {
      return map();
    } catch (error) {
      if (error instanceof UnsupportedCurrencyError || error instanceof RangeError) {
        throw new ChannelRejectedError(this.id, error.message);
      }
      throw error;
    }
  }

  /** 5xx is WeChat's own trouble (SYSTEM_ERROR: the outcome is unknown); 4xx refused the request, nothing happened. */
  private refusal(answer: WechatAnswer): Error {
    if (answer.status >= 500) return new ChannelTimeoutError(this.id, 'system_error');
    if (answer.status < 400) return new ChannelTimeoutError(this.id);
    return new ChannelRejectedError(this.id, `${answer.status} ${errorCode(answer) ?? 'no code'}: ${errorMessage(answer)}`);
  }

  private async call(method: 'GET' | 'POST', pathWithQuery: string, body?: unknown): Promise<WechatAnswer> {
    const payload = body === undefined ? '' : JSON.stringify(body);
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(`${this.baseUrl}${pathWithQuery}`, {
        method,
        headers: {
          authorization: this.authorization(method, pathWithQuery, payload),
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: payload }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch {
      throw new ChannelTimeoutError(this.id);
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => (headers[key] = value));
    // An answer we cannot authenticate may not be WeChat's: its content is unknown, whatever it says.
    this.verifySignature(headers, text, () => new ChannelTimeoutError(this.id));
    if (text === '') return { status: response.status, body: undefined };
    const parsed = parseJson(text);
    if (!parsed) throw new ChannelTimeoutError(this.id);
    return { status: response.status, body: parsed };
  }

  private authorization(method: string, pathWithQuery: string, payload: string): string {
    // The URL path as signed is the one WeChat sees: a base URL's own path prefix is not part of the real API.
    const nonce = newNonce();
    const timestamp = unixSeconds(this.now());
    const signature = rsaSign(requestMessage(method, pathWithQuery, timestamp, nonce, payload), this.credentials.merchantPrivateKeyPem);
    return formatAuthorization({
      mchid: this.credentials.mchId,
      nonce_str: nonce,
      timestamp,
      serial_no: this.credentials.merchantSerialNo,
      signature,
    });
  }

  private verifySignature(
    headers: Readonly<Record<string, string>>,
    body: string,
    fail: (reason: 'signature' | 'unknown_key' | 'stale', detail: string) => Error,
  ): void {
    const serial = headers['wechatpay-serial'];
    const timestamp = headers['wechatpay-timestamp'];
    const nonce = headers['wechatpay-nonce'];
    const signature = headers['wechatpay-signature'];
    if (!serial || !timestamp || !nonce || !signature) throw fail('signature', 'Wechatpay-* signature headers missing');
    const key = this.credentials.platformPublicKeys.find((k) => k.serialNo === serial);
    if (!key) throw fail('unknown_key', `no platform key with serial ${serial}`);
    if (!isFresh(timestamp, this.now())) throw fail('stale', 'Wechatpay-Timestamp more than 5 minutes off');
    if (!rsaVerify(responseMessage(timestamp, nonce, body), signature, key.publicKeyPem)) {
      throw fail('signature', 'Wechatpay-Signature does not verify');
    }
  }
}

function lowerCaseKeys(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) out[key.toLowerCase()] = value;
  return out;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isEncryptedResource(
  resource: Record<string, unknown> | undefined,
): resource is { algorithm: string; ciphertext: string; nonce: string; associated_data?: string } {
  return (
    resource?.algorithm === 'AEAD_AES_256_GCM' &&
    typeof resource.ciphertext === 'string' &&
    typeof resource.nonce === 'string' &&
    (resource.associated_data === undefined || typeof resource.associated_data === 'string')
  );
}

function errorCode(answer: WechatAnswer): string | undefined {
  return typeof answer.body?.code === 'string' ? answer.body.code : undefined;
}

function errorMessage(answer: WechatAnswer): string {
  return typeof answer.body?.message === 'string' ? answer.body.message : '';
}
