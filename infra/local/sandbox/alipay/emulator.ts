import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AlipaySandboxChannelKeys } from '../../../../shared/channels/alipay/credentials.js';
import { REQUEST_UNSIGNED, rsa2Sign, rsa2Verify, signContent } from '../../../../shared/channels/alipay/signature.js';
import { chinaTime, parseChinaTime } from '../../../../shared/channels/alipay/transformers.js';
import type { SandboxStore } from '../sandbox-store.js';
import { AlipayNotifier, sendOverHttp, type SendCallback } from './notifier.js';
import { notifyKnob } from '../http-io.js';
import { AlipayAgreements, type AgreementNotice } from './agreements.js';
import { AlipayTrades, type Answer } from './trades.js';

export interface AlipayEmulatorOptions {
  readonly store: SandboxStore;
  readonly keys: AlipaySandboxChannelKeys;
  /** Multiplies Alipay's real notification retry delays (1: 4 minutes to the first retry; tests use ~1/60000). */
  readonly timeScale: number;
  readonly now?: () => Date;
  readonly sendCallback?: SendCallback;
}

/** The sandbox channel id: the store partition, and the `/sandbox/channels/alipay` mount point. */
const CHANNEL = 'alipay';
/** Alipay refuses a request whose timestamp is this far from its own clock. */
const TIMESTAMP_TOLERANCE_MS = 15 * 60_000;
const MAX_BODY_BYTES = 64 * 1024;

type GatewayError = { readonly code: string; readonly msg: string; readonly sub_code: string; readonly sub_msg: string };
const gatewayError = (code: '40001' | '40002', subCode: string, subMsg: string): GatewayError => ({
  code,
  msg: code === '40001' ? 'Missing Required Arguments' : 'Invalid Arguments',
  sub_code: subCode,
  sub_msg: subMsg,
});

/**
 * A faithful emulator of Alipay's open-platform gateway for 当面付 (precreate QR), reached over HTTP like the real
 * `https://openapi.alipay.com/gateway.do`: it checks the app's RSA2 request signature, answers
 * `{"<method>_response": {…}, "alipay_cert_sn": "…", "sign": "…"}` signed over the exact response text, and sends
 * signed form-encoded notifications on Alipay's retry cadence. `POST /payments/{out_trade_no}/complete` plays the
 * payer (the contract's sandbox endpoint; `{"outcome": "scanned"}` is this emulator's extra, to reach WAIT_BUYER_PAY).
 */
export class AlipayEmulator {
  private readonly trades: AlipayTrades;
  private readonly agreements: AlipayAgreements;
  private readonly notifier: AlipayNotifier;
  private readonly now: () => Date;
  private signingKey: AlipaySandboxChannelKeys['alipaySigningKey'];

  constructor(private readonly options: AlipayEmulatorOptions) {
    this.now = options.now ?? (() => new Date());
    this.signingKey = options.keys.alipaySigningKey;
    this.trades = new AlipayTrades(options.store, CHANNEL, this.now);
    this.agreements = new AlipayAgreements(options.store, CHANNEL, this.now);
    this.notifier = new AlipayNotifier({
      store: options.store,
      channel: CHANNEL,
      signingKeyPem: () => this.signingKey.privateKeyPem,
      timeScale: options.timeScale,
      now: this.now,
      send: options.sendCallback ?? sendOverHttp,
    });
  }

  start(): Promise<void> {
    return this.notifier.start();
  }

  stop(): void {
    this.notifier.stop();
  }

  /** Alipay rotates its signing key: answers and notifications from now on are signed with the new one. */
  rotateSigningKey(key: AlipaySandboxChannelKeys['alipaySigningKey']): void {
    this.signingKey = key;
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const route = path.split('?')[0]!;
    const complete = /^\/payments\/([^/]+)\/complete$/.exec(route);
    try {
      if (req.method === 'POST' && route === '/gateway.do') return await this.gateway(req, res);
      if (req.method === 'GET' && route === '/gateway.do') return await this.page(req, res);
      if (req.method === 'POST' && complete) return await this.complete(decodeURIComponent(complete[1]!), req, res);
      const payer = /^\/agreements\/([^/]+)(?:\/(sign|unsign))?$/.exec(route);
      if (payer && req.method === 'POST' && payer[2]) return await this.payerActsOnAgreement(decodeURIComponent(payer[1]!), payer[2] as 'sign' | 'unsign', req, res);
      if (payer && req.method === 'GET' && !payer[2]) return await this.inspectAgreement(decodeURIComponent(payer[1]!), res);
      sendJson(res, 404, { error: { code: 'not_found', message: `No sandbox Alipay endpoint ${req.method} ${route}` } });
    } catch (error) {
      // As a real gateway under failure: 500, nothing signed, so the caller cannot take it for an answer.
      sendJson(res, 500, { error: { code: 'internal', message: (error as Error).message } });
    }
  }

  private async gateway(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const params = Object.fromEntries(new URL(req.url ?? '/', 'http://gateway').searchParams);
    for (const [name, value] of new URLSearchParams(await readBody(req))) params[name] = value;
    const method = params.method ?? '';
    const known = METHODS.includes(method);
    const refusal = this.checkRequest(params, known);
    const answer = refusal ?? (await this.dispatch(method, params));
    const name = known ? `${method.replaceAll('.', '_')}_response` : 'error_response';
    this.sendSigned(res, name, answer);
  }

  /**
   * A page method opened by GET (the SDK's pageExecute URL): alipay.user.agreement.page.sign only. The gateway checks
   * it as any request; Alipay would render its signing page (here a minimal one), or an error page (here 400).
   */
  private async page(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const params = Object.fromEntries(new URL(req.url ?? '/', 'http://gateway').searchParams);
    const refusal = params.method === PAGE_SIGN ? this.checkRequest(params, true) : gatewayError('40002', 'isv.invalid-method', '不存在的方法名');
    let biz: Record<string, unknown> = {};
    try {
      biz = JSON.parse(params.biz_content ?? '{}') as Record<string, unknown>;
    } catch {
      // An unreadable biz_content is refused below like a missing one.
    }
    const answer = refusal ?? (await this.agreements.pageSign(params.app_id!, biz, params.notify_url));
    const ok = answer.code === '10000';
    res.writeHead(ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>支付宝 周期扣款签约</title><p>${ok ? '请使用支付宝扫码签约' : 'sub_code: ' + escapeHtml(String(answer.sub_code))}</p>`);
  }

  /**
   * The sandbox payer signs or unsigns in Alipay: the agreement changes and its notification goes to notify_url; a sign
   * with `{"notify": false}` loses its dut_user_sign notification (only alipay.user.agreement.query finds it).
   */
  private async payerActsOnAgreement(id: string, act: 'sign' | 'unsign', req: IncomingMessage, res: ServerResponse): Promise<void> {
    const notify = notifyKnob(await readBody(req));
    if (notify === undefined) return sendJson(res, 400, { error: { code: 'invalid_notify', message: 'notify must be true or false.' } });
    const externalAgreementNo = await this.agreements.externalNoFor(id);
    const notice: AgreementNotice | 'not_found' | 'conflict' =
      act === 'sign' ? await this.agreements.payerSigns(externalAgreementNo) : await this.agreements.payerUnsigns(externalAgreementNo);
    if (notice === 'not_found') return sendJson(res, 404, { error: { code: 'not_found', message: 'No such agreement (or no notify_url).' } });
    if (notice === 'conflict') return sendJson(res, 409, { error: { code: 'conflict', message: `The payer cannot ${act} this agreement in its state.` } });
    if (notify || act === 'unsign') await this.notifier.notify(notice.notifyId, notice.url, notice.params);
    const agreement = await this.agreements.get(externalAgreementNo);
    sendJson(res, 200, { externalAgreementNo, agreementNo: agreement?.agreementNo, status: agreement?.status, notifyId: notice.notifyId });
  }

  /** The sandbox's own view of an agreement, with its debits: for tests and people, never the platform. */
  private async inspectAgreement(id: string, res: ServerResponse): Promise<void> {
    const agreement = await this.agreements.get(await this.agreements.externalNoFor(id));
    if (!agreement) return sendJson(res, 404, { error: { code: 'not_found', message: 'No such agreement.' } });
    sendJson(res, 200, agreement);
  }

  /** The gateway's own checks, before any business logic: required arguments, app, signature, timestamp. */
  private checkRequest(params: Record<string, string>, knownMethod: boolean): GatewayError | undefined {
    for (const name of ['app_id', 'method', 'sign_type', 'sign', 'timestamp', 'version']) {
      if (!params[name]) return gatewayError('40001', `isv.missing-${name.replace('_', '-')}`, `缺少参数 ${name}`);
    }
    if (!knownMethod) return gatewayError('40002', 'isv.invalid-method', '不存在的方法名');
    if (params.app_id !== this.options.keys.appId) return gatewayError('40002', 'isv.invalid-app-id', '无效的AppID参数');
    if (params.sign_type !== 'RSA2') return gatewayError('40002', 'isv.invalid-signature-type', '无效的签名类型');
    const keys = this.options.keys.appPublicKeys.filter((key) => !params.app_cert_sn || key.certSn === params.app_cert_sn);
    if (keys.length === 0) return gatewayError('40002', 'isv.app-cert-sn-mismatch', '应用公钥证书序列号不匹配');
    const content = signContent(params, REQUEST_UNSIGNED);
    if (!keys.some((key) => rsa2Verify(content, params.sign!, key.publicKeyPem))) {
      return gatewayError('40002', 'isv.invalid-signature', '验签出错');
    }
    const sentAt = parseChinaTime(params.timestamp!);
    if (!sentAt || Math.abs(sentAt.getTime() - this.now().getTime()) > TIMESTAMP_TOLERANCE_MS) {
      return gatewayError('40002', 'isv.invalid-timestamp', '非法的时间戳参数');
    }
    return undefined;
  }

  private async dispatch(method: string, params: Record<string, string>): Promise<Answer> {
    let biz: Record<string, unknown>;
    try {
      biz = JSON.parse(params.biz_content ?? '{}') as Record<string, unknown>;
    } catch {
      return gatewayError('40002', 'isv.invalid-biz-content', 'biz_content 不是合法的JSON');
    }
    switch (method) {
      case 'alipay.trade.precreate':
        return this.trades.precreate(params.app_id!, biz, params.notify_url);
      case 'alipay.trade.query':
        return this.trades.query(biz);
      case 'alipay.trade.close':
        return this.trades.close(biz);
      case 'alipay.trade.refund':
        return this.refund(biz);
      case 'alipay.trade.pay':
        return this.cyclePay(params.app_id!, biz, params.notify_url);
      case 'alipay.user.agreement.unsign':
        return this.agreements.unsign(biz);
      case 'alipay.user.agreement.query':
        return this.agreements.query(params.app_id!, biz);
      default:
        return this.trades.refundQuery(biz);
    }
  }

  /**
   * A refund that moved the money (fund_change "Y") is followed by the trade notification it triggers, sent after this
   * answer (decisions 103); a repeated out_request_no moves nothing and triggers nothing.
   */
  private async refund(biz: Record<string, unknown>): Promise<Answer> {
    const answer = await this.trades.refund(biz);
    if (answer.fund_change !== 'Y' || typeof biz.out_request_no !== 'string') return answer;
    const notification = await this.trades.refundNotification(String(biz.out_trade_no), biz.out_request_no);
    if (notification) await this.notifier.notifyAfterAnswer(notification.notifyId, notification.url, notification.params);
    return answer;
  }

  /** A recurring debit: paid at once, answered, then notified like any paid trade (when it named a notify_url). */
  private async cyclePay(appId: string, biz: Record<string, unknown>, notifyUrl: string | undefined): Promise<Answer> {
    const result = await this.agreements.cyclePay(appId, biz, notifyUrl);
    if (!('outTradeNo' in result && 'refunds' in result)) return result as Answer;
    const trade = result;
    const notification = await this.trades.notifyIdFor(trade.outTradeNo);
    if (notification && trade.notifyUrl) {
      await this.notifier.notifyAfterAnswer(notification.notifyId, trade.notifyUrl, this.trades.notifyParams(notification.trade, notification.notifyId));
    }
    return {
      code: '10000',
      msg: 'Success',
      trade_no: trade.tradeNo!,
      out_trade_no: trade.outTradeNo,
      buyer_logon_id: 'sbx***@sandbox.com',
      total_amount: biz.total_amount as string,
      receipt_amount: biz.total_amount as string,
      gmt_payment: chinaTime(new Date(trade.paidAt!)),
    };
  }

  /** The signature covers the answer object's exact text, so the envelope is written around that very text. */
  private sendSigned(res: ServerResponse, name: string, answer: Answer): void {
    const text = JSON.stringify(answer);
    const sign = rsa2Sign(text, this.signingKey.privateKeyPem);
    const body = `{"${name}":${text},"alipay_cert_sn":"${this.signingKey.certSn}","sign":"${sign}"}`;
    res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' }).end(body);
  }

  private async complete(outTradeNo: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    let outcome: unknown = 'succeeded';
    try {
      outcome = body.trim() ? ((JSON.parse(body) as { outcome?: unknown }).outcome ?? 'succeeded') : 'succeeded';
    } catch {
      outcome = undefined;
    }
    if (outcome !== 'succeeded' && outcome !== 'failed' && outcome !== 'scanned') {
      return sendJson(res, 400, { error: { code: 'invalid_outcome', message: 'outcome is "succeeded", "failed" or "scanned".' } });
    }
    const trade = await this.trades.payerActs(outTradeNo, outcome);
    if (trade === 'not_found') return sendJson(res, 404, { error: { code: 'not_found', message: 'No such trade.' } });
    if (trade === 'expired' || trade === 'conflict') {
      return sendJson(res, 409, { error: { code: trade, message: `The payer cannot act on this trade (${trade}).` } });
    }
    // Alipay notifies the final states only; a scanned trade waiting for payment sends nothing.
    let notifyId: string | null = null;
    if (trade.status !== 'WAIT_BUYER_PAY' && trade.notifyUrl) {
      const notification = (await this.trades.notifyIdFor(outTradeNo))!;
      notifyId = notification.notifyId;
      await this.notifier.notify(notifyId, trade.notifyUrl, this.trades.notifyParams(notification.trade, notifyId));
    }
    sendJson(res, 200, { outTradeNo, tradeNo: trade.tradeNo, tradeStatus: trade.status, notifyId });
  }
}

const PAGE_SIGN = 'alipay.user.agreement.page.sign';

const METHODS = [
  'alipay.trade.precreate',
  'alipay.trade.pay',
  'alipay.user.agreement.unsign',
  'alipay.user.agreement.query',
  'alipay.trade.query',
  'alipay.trade.close',
  'alipay.trade.refund',
  'alipay.trade.fastpay.refund.query',
];

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
