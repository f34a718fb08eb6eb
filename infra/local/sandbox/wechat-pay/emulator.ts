import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WechatPaySandboxKeys } from '../../../../shared/channels/wechat-pay/credentials.js';
import {
  AUTH_SCHEMA,
  encryptResource,
  isFresh,
  newNonce,
  parseAuthorization,
  requestMessage,
  responseMessage,
  rsaSign,
  rsaVerify,
  unixSeconds,
} from '../../../../shared/channels/wechat-pay/signing.js';
import { toWechatTime } from '../../../../shared/channels/wechat-pay/transformers.js';
import type { SandboxStore } from '../sandbox-store.js';
import { notifyKnob } from '../http-io.js';
import { CallbackQueue, sendWithFetch, type SendCallback } from './callback-queue.js';
import { WechatError } from './errors.js';
import { WechatPapay } from './papay.js';
import { refundNotificationView, refundView, transactionView, type SandboxRefund, type SandboxTrade } from './records.js';

export const WECHAT_PAY_CHANNEL = 'wechat_pay';
/** A refund with this reason ends ABNORMAL (a REFUND.ABNORMAL notification, the query says ABNORMAL): sandbox only. */
export const SANDBOX_ABNORMAL_REFUND_REASON = 'sandbox: refund abnormal';
const MAX_BODY_BYTES = 64 * 1024;
const WITHHOLD_MS = 60_000;

export interface WechatPayEmulatorOptions {
  readonly store: SandboxStore;
  readonly keys: WechatPaySandboxKeys;
  /** Multiplies the callback retry cadence (1 = WeChat's real delays). */
  readonly timeScale: number;
  readonly now?: () => Date;
  readonly sendCallback?: SendCallback;
}

interface Answer {
  readonly status: number;
  readonly body?: unknown;
}

/**
 * The WeChat Pay API v3 sandbox, Native payments: the channel's side of the protocol, over HTTP, with its records in
 * the sandbox store. It checks every request's WECHATPAY2-SHA256-RSA2048 signature against the merchant key
 * registered for its serial, signs every answer and callback with the platform key, encrypts callback resources
 * under the APIv3 key, and retries unacknowledged callbacks on WeChat's cadence. Besides the real API it serves the
 * contract's sandbox `POST /payments/{out_trade_no}/complete`, which plays the payer scanning the code and paying
 * (or failing to).
 */
export class WechatPayEmulator {
  private readonly store: SandboxStore;
  private readonly keys: WechatPaySandboxKeys;
  private readonly now: () => Date;
  readonly callbacks: CallbackQueue;
  private readonly papay: WechatPapay;

  constructor(options: WechatPayEmulatorOptions) {
    this.store = options.store;
    this.keys = options.keys;
    this.now = options.now ?? (() => new Date());
    this.callbacks = new CallbackQueue({
      store: options.store,
      channel: WECHAT_PAY_CHANNEL,
      timeScale: options.timeScale,
      now: this.now,
      send: options.sendCallback ?? sendWithFetch,
      sign: (body) => this.signatureHeaders(body),
    });
    this.papay = new WechatPapay(options.store, options.keys, this.now, async (eventType, summary, resource, url) => {
      const note = this.notification(eventType, summary, eventType.startsWith('PAPAY.') ? 'papay' : 'transaction', resource);
      await this.callbacks.enqueue(note.id, url, note.body);
    });
  }

  start(): Promise<void> {
    return this.callbacks.start();
  }

  stop(): Promise<void> {
    return this.callbacks.stop();
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    let answer: Answer;
    let withhold = false;
    try {
      const body = await readBody(req);
      const mode = path.startsWith('/v3/') ? await this.faultMode() : 'normal';
      if (mode === 'error') throw new WechatError(500, 'SYSTEM_ERROR', '系统繁忙，请稍后重试');
      answer = await this.route(req.method ?? 'GET', path, body, req.headers.authorization);
      withhold = mode === 'timeout';
    } catch (error) {
      answer =
        error instanceof WechatError
          ? { status: error.status, body: { code: error.code, message: error.message } }
          : { status: 500, body: { code: 'SYSTEM_ERROR', message: '系统错误' } };
    }
    // Timeout mode: WeChat did the work but its answer never arrives, the case that leaves the caller not knowing.
    if (withhold) return withholdAnswer(res);
    const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      'request-id': randomUUID(),
      ...this.signatureHeaders(text),
    });
    res.end(text);
  }

  private async route(method: string, path: string, body: string, authorization: string | undefined): Promise<Answer> {
    const [pathname = ''] = path.split('?');
    const complete = /^\/payments\/([^/]+)\/complete$/.exec(pathname);
    if (method === 'POST' && complete) return this.complete(decodeURIComponent(complete[1]!), body);
    if (method === 'POST' && pathname === '/mode') return this.setFaultMode(body);
    // The sandbox payer signing or unsigning a 委托代扣 contract, and the sandbox's own view of one.
    const payer = /^\/agreements\/([^/]+)(?:\/(sign|unsign))?$/.exec(pathname);
    if (payer) {
      const code = await this.papay.outContractCodeOf(decodeURIComponent(payer[1]!));
      if (method === 'POST' && payer[2] === 'sign') return this.papay.payerSigns(code, payerNotifies(body));
      if (method === 'POST' && payer[2] === 'unsign') return this.papay.payerUnsigns(code);
      if (method === 'GET' && !payer[2]) return this.papay.inspect(code);
    }
    if (!pathname.startsWith('/v3/')) throw new WechatError(404, 'NOT_FOUND', '接口不存在');
    this.verifyRequest(method, path, body, authorization);
    if (pathname.startsWith('/v3/papay/')) return this.routePapay(method, pathname, body);
    const trade = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)$/.exec(pathname);
    const close = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/.exec(pathname);
    const refund = /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/.exec(pathname);
    if (method === 'POST' && pathname === '/v3/pay/transactions/native') return this.createNative(parseBody(body));
    if (method === 'GET' && trade) return this.queryTrade(decodeURIComponent(trade[1]!), new URLSearchParams(path.split('?')[1]));
    if (method === 'POST' && close) return this.closeTrade(decodeURIComponent(close[1]!), parseBody(body));
    if (method === 'POST' && pathname === '/v3/refund/domestic/refunds') return this.createRefund(parseBody(body));
    if (method === 'GET' && refund) return this.queryRefund(decodeURIComponent(refund[1]!));
    throw new WechatError(404, 'NOT_FOUND', '接口不存在');
  }

  private routePapay(method: string, pathname: string, body: string): Promise<Answer> {
    const contract = /^\/v3\/papay\/sign\/contracts\/plan-id\/([^/]+)\/out-contract-code\/([^/]+)(\/terminate)?$/.exec(pathname);
    if (method === 'POST' && pathname === '/v3/papay/sign/contracts/pre-entrust-sign') return this.papay.preEntrustSign(parseBody(body));
    if (method === 'POST' && pathname === '/v3/papay/pay/transactions/apply') return this.papay.applyDeduct(parseBody(body));
    if (method === 'GET' && contract && !contract[3]) return this.papay.query(decodeURIComponent(contract[1]!), decodeURIComponent(contract[2]!));
    if (method === 'POST' && contract?.[3]) return this.papay.terminate(decodeURIComponent(contract[1]!), decodeURIComponent(contract[2]!));
    throw new WechatError(404, 'NOT_FOUND', '接口不存在');
  }

  /**
   * The contract's sandbox fault knob, `POST /mode {"mode": "normal" | "timeout" | "error"}`: `error` answers every API
   * call 500 SYSTEM_ERROR without acting, `timeout` acts and never answers. Kept in the store, so it holds across
   * restarts and for every emulator instance on the same store.
   */
  private async setFaultMode(rawBody: string): Promise<Answer> {
    const mode = parseBody(rawBody).mode;
    if (mode !== 'normal' && mode !== 'timeout' && mode !== 'error') throw new WechatError(400, 'PARAM_ERROR', 'mode 必须是 normal、timeout 或 error');
    await this.store.put(WECHAT_PAY_CHANNEL, 'mode', { mode });
    return { status: 200, body: { mode } };
  }

  private async faultMode(): Promise<FaultMode> {
    return (await this.store.get<{ mode: FaultMode }>(WECHAT_PAY_CHANNEL, 'mode'))?.value.mode ?? 'normal';
  }

  /** The merchant's signature: known mchid and certificate serial, fresh timestamp, RSA over the request. */
  private verifyRequest(method: string, pathWithQuery: string, body: string, authorization: string | undefined): void {
    const auth = parseAuthorization(authorization);
    if (!auth) throw new WechatError(401, 'SIGN_ERROR', 'Authorization 头缺失或格式错误');
    if (auth.mchid !== this.keys.mchId) throw new WechatError(401, 'SIGN_ERROR', '商户号不存在');
    const key = this.keys.merchantPublicKeys.find((k) => k.serialNo === auth.serial_no);
    if (!key) throw new WechatError(401, 'SIGN_ERROR', '证书序列号不存在');
    if (!isFresh(auth.timestamp, this.now())) throw new WechatError(401, 'SIGN_ERROR', '请求时间戳过期');
    const message = requestMessage(method, pathWithQuery, auth.timestamp, auth.nonce_str, body);
    if (!rsaVerify(message, auth.signature, key.publicKeyPem)) throw new WechatError(401, 'SIGN_ERROR', '签名错误');
  }

  /** Public for the bill paths in front of the emulator (sandbox/bills/bill-routes.ts), whose API answers WeChat signs too. */
  signatureHeaders(body: string): Record<string, string> {
    const timestamp = unixSeconds(this.now());
    const nonce = newNonce();
    return {
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-serial': this.keys.platformSerialNo,
      'wechatpay-signature-type': AUTH_SCHEMA,
      'wechatpay-signature': rsaSign(responseMessage(timestamp, nonce, body), this.keys.platformPrivateKeyPem),
    };
  }

  private async createNative(body: Record<string, unknown>): Promise<Answer> {
    const order = validateNativeOrder(body, this.keys);
    const key = `payment#${order.out_trade_no}`;
    const existing = await this.store.get<SandboxTrade>(WECHAT_PAY_CHANNEL, key);
    if (existing) return this.repeatedCreate(existing.value, order);
    if (Date.parse(order.time_expire) <= this.now().getTime()) throw new WechatError(400, 'PARAM_ERROR', 'time_expire 已过期');
    const trade: SandboxTrade = {
      ...order,
      code_url: `weixin://wxpay/bizpayurl?pr=${randomBytes(6).toString('base64url')}`,
      create_time: toWechatTime(this.now().toISOString()),
      trade_state: 'NOTPAY',
      refunds: {},
    };
    if (!(await this.store.put(WECHAT_PAY_CHANNEL, key, trade, 0))) {
      const raced = await this.store.get<SandboxTrade>(WECHAT_PAY_CHANNEL, key);
      return this.repeatedCreate(raced!.value, order);
    }
    return { status: 200, body: { code_url: trade.code_url } };
  }

  /** WeChat answers a repeated order with the same code; the same number with other content is refused. */
  private repeatedCreate(trade: SandboxTrade, order: NativeOrder): Answer {
    if (trade.trade_state === 'SUCCESS' || trade.trade_state === 'REFUND') throw new WechatError(403, 'ORDERPAID', '该订单已支付');
    if (trade.trade_state === 'CLOSED') throw new WechatError(400, 'ORDER_CLOSED', '订单已关闭');
    const same =
      trade.amount.total === order.amount.total &&
      trade.description === order.description &&
      trade.notify_url === order.notify_url &&
      trade.appid === order.appid;
    if (!same) throw new WechatError(403, 'OUT_TRADE_NO_USED', '商户订单号重复');
    return { status: 200, body: { code_url: trade.code_url } };
  }

  private async queryTrade(outTradeNo: string, query: URLSearchParams): Promise<Answer> {
    if (query.get('mchid') !== this.keys.mchId) throw new WechatError(400, 'PARAM_ERROR', 'mchid 不正确');
    const trade = await this.store.get<SandboxTrade>(WECHAT_PAY_CHANNEL, `payment#${outTradeNo}`);
    if (!trade) throw new WechatError(404, 'ORDER_NOT_EXIST', '订单不存在');
    return { status: 200, body: transactionView(trade.value) };
  }

  /** 关单: only an unpaid order closes; a paid one answers ORDERPAID. Closing twice is fine. */
  private async closeTrade(outTradeNo: string, body: Record<string, unknown>): Promise<Answer> {
    if (body.mchid !== this.keys.mchId) throw new WechatError(400, 'PARAM_ERROR', 'mchid 不正确');
    await this.updateTrade(outTradeNo, (trade) => {
      if (trade.trade_state === 'SUCCESS' || trade.trade_state === 'REFUND') throw new WechatError(403, 'ORDERPAID', '该订单已支付');
      return trade.trade_state === 'NOTPAY' || trade.trade_state === 'PAYERROR' ? { ...trade, trade_state: 'CLOSED' } : trade;
    });
    return { status: 204 };
  }

  /**
   * The sandbox payer: `succeeded` pays the order, `failed` ends it PAYERROR. Either way the channel sends its signed
   * notification (a failure as the sandbox-only TRANSACTION.PAYERROR event: docs/decisions.md, entry 63); calling it
   * again re-sends the same notification, same id.
   */
  private async complete(outTradeNo: string, rawBody: string): Promise<Answer> {
    const outcome = rawBody.trim() === '' ? 'succeeded' : parseBody(rawBody).outcome ?? 'succeeded';
    if (outcome !== 'succeeded' && outcome !== 'failed') throw new WechatError(400, 'PARAM_ERROR', 'outcome 必须是 succeeded 或 failed');
    const trade = await this.updateTrade(outTradeNo, (current) => this.settle(current, outcome));
    await this.callbacks.enqueue(trade.notification!.id, trade.notify_url, trade.notification!.body);
    return { status: 200, body: { out_trade_no: trade.out_trade_no, trade_state: trade.trade_state, notification_id: trade.notification!.id } };
  }

  private settle(trade: SandboxTrade, outcome: 'succeeded' | 'failed'): SandboxTrade {
    const paid = trade.trade_state === 'SUCCESS' || trade.trade_state === 'REFUND';
    if (paid && outcome === 'succeeded') return trade;
    if (trade.trade_state === 'PAYERROR' && outcome === 'failed') return trade;
    if (trade.trade_state === 'CLOSED') throw new WechatError(400, 'ORDER_CLOSED', '订单已关闭');
    if (trade.trade_state !== 'NOTPAY') throw new WechatError(403, 'TRADE_ERROR', `订单状态为 ${trade.trade_state}`);
    // The payer cannot pay after time_expire: WeChat refuses the scan.
    if (Date.parse(trade.time_expire) <= this.now().getTime()) throw new WechatError(400, 'ORDER_CLOSED', '订单已过期');
    const settled: SandboxTrade = {
      ...trade,
      trade_state: outcome === 'succeeded' ? 'SUCCESS' : 'PAYERROR',
      transaction_id: `4200${Array.from(randomBytes(24), (b) => String(b % 10)).join('')}`,
      ...(outcome === 'succeeded' ? { success_time: toWechatTime(this.now().toISOString()) } : {}),
    };
    const eventType = outcome === 'succeeded' ? 'TRANSACTION.SUCCESS' : 'TRANSACTION.PAYERROR';
    const summary = outcome === 'succeeded' ? '支付成功' : '支付失败';
    return { ...settled, notification: this.notification(eventType, summary, 'transaction', transactionView(settled)) };
  }

  private notification(eventType: string, summary: string, originalType: string, resource: unknown): { id: string; body: string } {
    const id = randomUUID();
    const body = JSON.stringify({
      id,
      create_time: toWechatTime(this.now().toISOString()),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary,
      resource: encryptResource(JSON.stringify(resource), this.keys.apiV3Key, originalType),
    });
    return { id, body };
  }

  private async createRefund(body: Record<string, unknown>): Promise<Answer> {
    const request = validateRefund(body);
    const abnormal = request.reason === SANDBOX_ABNORMAL_REFUND_REASON;
    const reserved = await this.updateTrade(request.out_trade_no, (trade) => reserveRefund(trade, request));
    const key = `refund#${request.out_refund_no}`;
    const existing = await this.store.get<SandboxRefund>(WECHAT_PAY_CHANNEL, key);
    if (existing) return { status: 200, body: refundView(existing.value) };
    const created = toWechatTime(this.now().toISOString());
    const refund: SandboxRefund = {
      mchid: this.keys.mchId,
      refund_id: `5030${Array.from(randomBytes(25), (b) => String(b % 10)).join('')}`,
      out_refund_no: request.out_refund_no,
      transaction_id: reserved.transaction_id!,
      out_trade_no: request.out_trade_no,
      ...(request.reason ? { reason: request.reason } : {}),
      ...(request.notify_url ? { notify_url: request.notify_url } : {}),
      // Balance refunds settle at once in the sandbox; the answer still says PROCESSING, as WeChat's usually does.
      // The sandbox reason plays WeChat's 退款异常 (the payer's card or account can no longer receive it).
      ...(abnormal ? { status: 'ABNORMAL' as const } : { status: 'SUCCESS' as const, success_time: created }),
      create_time: created,
      amount: request.amount,
    };
    if (!(await this.store.put(WECHAT_PAY_CHANNEL, key, refund, 0))) {
      const raced = await this.store.get<SandboxRefund>(WECHAT_PAY_CHANNEL, key);
      return { status: 200, body: refundView(raced!.value) };
    }
    // Nothing left the merchant's account for an abnormal refund: the amount can be refunded again.
    if (abnormal) await this.updateTrade(request.out_trade_no, (trade) => releaseRefund(trade, request.out_refund_no));
    if (refund.notify_url) {
      // WeChat notifies the refund's final state at the notify_url of the refund request, on its callback cadence.
      const [eventType, summary] = abnormal ? ['REFUND.ABNORMAL', '退款异常'] : ['REFUND.SUCCESS', '退款成功'];
      const note = this.notification(eventType, summary, 'refund', refundNotificationView(refund));
      await this.callbacks.enqueue(note.id, refund.notify_url, note.body);
    }
    return { status: 200, body: refundView({ ...refund, status: 'PROCESSING' }) };
  }

  private async queryRefund(outRefundNo: string): Promise<Answer> {
    const refund = await this.store.get<SandboxRefund>(WECHAT_PAY_CHANNEL, `refund#${outRefundNo}`);
    if (!refund) throw new WechatError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    return { status: 200, body: refundView(refund.value) };
  }

  /** Read-modify-write of one order with the store's version check, retried when another request changed it first. */
  private async updateTrade(outTradeNo: string, change: (trade: SandboxTrade) => SandboxTrade): Promise<SandboxTrade> {
    for (;;) {
      const stored = await this.store.get<SandboxTrade>(WECHAT_PAY_CHANNEL, `payment#${outTradeNo}`);
      if (!stored) throw new WechatError(404, 'ORDER_NOT_EXIST', '订单不存在');
      const next = change(stored.value);
      if (next === stored.value) return next;
      if (await this.store.put(WECHAT_PAY_CHANNEL, `payment#${outTradeNo}`, next, stored.version)) return next;
    }
  }
}

type FaultMode = 'normal' | 'timeout' | 'error';

/** Holds the connection open until the caller gives up (its timeout), at most a minute, then drops it unanswered. */
async function withholdAnswer(res: ServerResponse): Promise<void> {
  await new Promise<void>((done) => {
    const timer = setTimeout(done, WITHHOLD_MS);
    res.once('close', () => (clearTimeout(timer), done()));
  });
  res.destroy();
}

type NativeOrder = Pick<SandboxTrade, 'appid' | 'mchid' | 'description' | 'out_trade_no' | 'time_expire' | 'notify_url' | 'amount'>;

const OUT_TRADE_NO = /^[A-Za-z0-9_\-|*]{6,32}$/;
const OUT_REFUND_NO = /^[A-Za-z0-9_\-|*@]{1,64}$/;

function validateNativeOrder(body: Record<string, unknown>, keys: WechatPaySandboxKeys): NativeOrder {
  const { appid, mchid, description, out_trade_no, time_expire, notify_url } = body;
  const amount = body.amount as { total?: unknown; currency?: unknown } | undefined;
  if (mchid !== keys.mchId) throw new WechatError(400, 'PARAM_ERROR', 'mchid 与请求签名的商户号不一致');
  if (appid !== keys.appId) throw new WechatError(400, 'APPID_MCHID_NOT_MATCH', 'appid 和 mchid 不匹配');
  if (typeof description !== 'string' || description === '' || Buffer.byteLength(description) > 127) {
    throw new WechatError(400, 'PARAM_ERROR', 'description 长度必须为 1-127 字节');
  }
  if (typeof out_trade_no !== 'string' || !OUT_TRADE_NO.test(out_trade_no)) throw new WechatError(400, 'PARAM_ERROR', 'out_trade_no 格式错误');
  if (typeof time_expire !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d)$/.test(time_expire)) {
    throw new WechatError(400, 'PARAM_ERROR', 'time_expire 格式错误');
  }
  // WeChat requires https for notify_url; the sandbox also takes http, since local callbacks are on 127.0.0.1.
  if (typeof notify_url !== 'string' || !/^https?:\/\/[^\s]+$/.test(notify_url)) throw new WechatError(400, 'PARAM_ERROR', 'notify_url 格式错误');
  if (!Number.isSafeInteger(amount?.total) || (amount!.total as number) < 1) throw new WechatError(400, 'PARAM_ERROR', 'amount.total 必须为正整数（分）');
  if (amount!.currency !== undefined && amount!.currency !== 'CNY') throw new WechatError(400, 'PARAM_ERROR', '仅支持人民币 CNY');
  return { appid, mchid, description, out_trade_no, time_expire, notify_url, amount: { total: amount!.total as number, currency: 'CNY' } };
}

interface RefundOrder {
  readonly out_trade_no: string;
  readonly out_refund_no: string;
  readonly reason?: string;
  readonly notify_url?: string;
  readonly amount: { readonly refund: number; readonly total: number; readonly currency: string };
}

function validateRefund(body: Record<string, unknown>): RefundOrder {
  const { out_trade_no, out_refund_no, reason, notify_url } = body;
  const amount = body.amount as { refund?: unknown; total?: unknown; currency?: unknown } | undefined;
  // The real API also takes transaction_id; the platform always refunds by its own order number.
  if (typeof out_trade_no !== 'string' || !OUT_TRADE_NO.test(out_trade_no)) throw new WechatError(400, 'PARAM_ERROR', 'out_trade_no 格式错误');
  if (typeof out_refund_no !== 'string' || !OUT_REFUND_NO.test(out_refund_no)) throw new WechatError(400, 'PARAM_ERROR', 'out_refund_no 格式错误');
  if (reason !== undefined && typeof reason !== 'string') throw new WechatError(400, 'PARAM_ERROR', 'reason 格式错误');
  if (notify_url !== undefined && (typeof notify_url !== 'string' || !/^https?:\/\/[^\s]+$/.test(notify_url))) {
    throw new WechatError(400, 'PARAM_ERROR', 'notify_url 格式错误');
  }
  const refund = amount?.refund;
  const total = amount?.total;
  if (!Number.isSafeInteger(refund) || (refund as number) < 1 || !Number.isSafeInteger(total)) {
    throw new WechatError(400, 'PARAM_ERROR', 'amount.refund 与 amount.total 必须为正整数（分）');
  }
  if (amount!.currency !== 'CNY') throw new WechatError(400, 'PARAM_ERROR', '仅支持人民币 CNY');
  return {
    out_trade_no,
    out_refund_no,
    ...(reason ? { reason } : {}),
    ...(notify_url ? { notify_url: notify_url as string } : {}),
    amount: { refund: refund as number, total: total as number, currency: 'CNY' },
  };
}

/** Reserves the refund on the order (idempotent per out_refund_no), or refuses it as WeChat would. */
function reserveRefund(trade: SandboxTrade, request: RefundOrder): SandboxTrade {
  // hasOwn: a refund number such as `__proto__` must not read the prototype.
  const previous = Object.hasOwn(trade.refunds, request.out_refund_no) ? trade.refunds[request.out_refund_no] : undefined;
  if (previous !== undefined) {
    if (previous !== request.amount.refund) throw new WechatError(400, 'INVALID_REQUEST', '退款单号已存在且金额不一致');
    return trade;
  }
  if (trade.trade_state !== 'SUCCESS' && trade.trade_state !== 'REFUND') throw new WechatError(400, 'INVALID_REQUEST', '订单未支付');
  if (request.amount.total !== trade.amount.total) throw new WechatError(400, 'INVALID_REQUEST', '订单金额与原订单金额不一致');
  const refunded = Object.values(trade.refunds).reduce((sum, fen) => sum + fen, 0);
  if (refunded + request.amount.refund > trade.amount.total) throw new WechatError(403, 'NOT_ENOUGH', '可退款金额不足');
  return { ...trade, trade_state: 'REFUND', refunds: { ...trade.refunds, [request.out_refund_no]: request.amount.refund } };
}

function releaseRefund(trade: SandboxTrade, outRefundNo: string): SandboxTrade {
  if (!Object.hasOwn(trade.refunds, outRefundNo)) return trade;
  const { [outRefundNo]: _released, ...refunds } = trade.refunds;
  return { ...trade, refunds };
}

/** The sign call's `{"notify": false}` knob (sandbox/http-io.ts), refused as WeChat refuses a bad body when malformed. */
function payerNotifies(body: string): boolean {
  const notify = notifyKnob(body);
  if (notify === undefined) throw new WechatError(400, 'PARAM_ERROR', 'notify 必须是布尔值');
  return notify;
}

function parseBody(body: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Falls through to the refusal below.
  }
  throw new WechatError(400, 'PARAM_ERROR', '请求体不是合法的 JSON 对象');
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new WechatError(400, 'PARAM_ERROR', '请求体过大');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
