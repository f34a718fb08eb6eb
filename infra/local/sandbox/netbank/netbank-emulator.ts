import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as z from 'zod/mini';
import type { NetbankEmulatorKeys } from '../../../../shared/channels/netbank/credentials.js';
import {
  NETBANK_HEADERS,
  headerReader,
  netbankHeaderRecord,
  signNetbankMessage,
  verifyNetbankMessage,
} from '../../../../shared/channels/netbank/signature.js';
import {
  NETBANK_BANKS,
  NETBANK_PATHS,
  netbankCreateSchema,
  netbankOrderRefSchema,
  netbankRefundRefSchema,
  netbankRefundSchema,
  type NetbankCreateBody,
  type NetbankNotify,
  type NetbankOrder,
  type NetbankOrderStatus,
  type NetbankRefundBody,
  type NetbankRefundState,
} from '../../../../shared/channels/netbank/wire.js';
import { fromDecimalString, toDecimalString, type Currency } from '../../../../shared/domain/money.js';
import { parseJsonBody, readRequestBody, sendText } from '../http-io.js';
import type { SandboxStore } from '../sandbox-store.js';
import { NETBANK_PAYOUT_PATHS, netbankPayoutCreateSchema, netbankPayoutRefSchema } from '../../../../shared/channels/netbank/payout-wire.js';
import { NetbankPayoutDesk } from './payout-desk.js';
import { BANK_PAGE_HEADERS, renderBankMessage, renderBankPage, type BankPageView } from './bank-page.js';
import { fetchSendCallback, Notifier, type SendCallback } from './notifier.js';

const CHANNEL = 'netbank';

export interface NetbankEmulatorOptions {
  readonly store: SandboxStore;
  readonly keys: NetbankEmulatorKeys;
  /** Multiplies the notify retry delays (1 in local mode, about 1/1000 in tests). */
  readonly timeScale: number;
  readonly now?: () => Date;
  readonly sendCallback?: SendCallback;
  /** The bank's public address for payer pages; by default the address the create request came in on. */
  readonly publicBaseUrl?: string;
}

/** An order as the bank keeps it. Amounts in minor units inside; decimal strings only on the wire. */
export interface OrderRecord {
  readonly merchantNo: string;
  readonly orderNo: string;
  readonly bankOrderId: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly subject: string;
  readonly bankCode?: string;
  readonly notifyUrl: string;
  readonly returnUrl?: string;
  readonly expireTime: string;
  readonly status: NetbankOrderStatus;
  readonly paidTime?: string;
  readonly failCode?: string;
  readonly refundedAmount: number;
  readonly pageToken: string;
}

export interface RefundRecord extends NetbankRefundState {
  readonly orderNo: string;
  readonly amount: number;
  /** When the bank paid it back (its collections statement books it then); absent on records older than the statement. */
  readonly succeededAt?: string;
}

type ApiAnswer = { readonly status: number; readonly body: Record<string, unknown> };

/**
 * The sandbox bank (docs/channels.md, Netbank): a B2C online-banking gateway. Merchants create orders by signed
 * server-to-server calls and send the payer to the bank's page; the payer picks a bank and confirms or cancels; the
 * bank notifies the merchant (signed, retried until acknowledged) and answers queries, closes and refunds.
 */
export class NetbankEmulator {
  private readonly now: () => Date;
  private readonly notifier: Notifier;
  private readonly payouts: NetbankPayoutDesk;

  constructor(private readonly options: NetbankEmulatorOptions) {
    this.now = options.now ?? (() => new Date());
    this.notifier = new Notifier({
      store: options.store,
      channel: CHANNEL,
      sign: (body) => netbankHeaderRecord(signNetbankMessage(options.keys.signingKey, body, this.now())),
      isAck: (answer) => answer.status === 200 && (parseJsonBody(answer.body) as { code?: unknown } | undefined)?.code === 'SUCCESS',
      timeScale: options.timeScale,
      now: this.now,
      sendCallback: options.sendCallback ?? fetchSendCallback,
    });
    this.payouts = new NetbankPayoutDesk({ store: options.store, now: this.now, notify: (id, url, body) => this.notifier.send(id, url, body) });
  }

  start(): Promise<void> {
    return this.notifier.start();
  }

  stop(): Promise<void> {
    this.payouts.stop();
    return this.notifier.stop();
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const route = path.split('?')[0] ?? '';
    const page = /^\/pay\/([A-Za-z0-9]{1,64})$/.exec(route);
    if (page && req.method === 'GET') return this.showPage(res, page[1]!);
    if (page && req.method === 'POST') return this.submitPage(req, res, page[1]!);
    const complete = /^\/payments\/([A-Za-z0-9]{1,64})\/complete$/.exec(route);
    if (complete && req.method === 'POST') return this.sandboxComplete(req, res, complete[1]!);
    if (req.method === 'POST' && (Object.values(NETBANK_PATHS) as string[]).includes(route)) return this.api(req, res, route);
    if (req.method === 'POST' && (Object.values(NETBANK_PAYOUT_PATHS) as string[]).includes(route)) return this.api(req, res, route);
    // Read-only, sandbox only: the transfers the bank holds and how many instructions each got (the chaos check).
    if (req.method === 'GET' && route === '/payouts') {
      return sendText(res, 200, JSON.stringify({ data: await this.payouts.list() }), { 'content-type': 'application/json' });
    }
    sendText(res, 404, JSON.stringify({ code: 'NOT_FOUND', message: 'No such endpoint' }), { 'content-type': 'application/json' });
  }

  // --- the signed server-to-server API -------------------------------------------------------------------------

  private async api(req: IncomingMessage, res: ServerResponse, route: string): Promise<void> {
    const body = await readRequestBody(req);
    const answer = body === undefined ? { status: 413, body: { code: 'INVALID_REQUEST', message: 'body too large' } } : await this.apiAnswer(req, route, body);
    // The sandbox's lost answer (a payout to an account ending 0003): the bank did the work, the caller hears nothing.
    if (answer === 'drop') return void res.destroy();
    const text = JSON.stringify(answer.body);
    // Every answer is signed, errors too, so the merchant can tell the bank's refusal from a forged one.
    const signed = netbankHeaderRecord(signNetbankMessage(this.options.keys.signingKey, text, this.now()));
    sendText(res, answer.status, text, { 'content-type': 'application/json', ...signed });
  }

  private async apiAnswer(req: IncomingMessage, route: string, body: string): Promise<ApiAnswer | 'drop'> {
    const merchantNo = headerReader(req.headers)(NETBANK_HEADERS.merchant);
    const merchant = this.options.keys.merchants.find((m) => m.merchantNo === merchantNo);
    if (!merchant) return { status: 401, body: { code: 'MERCHANT_UNKNOWN', message: 'unknown merchant number' } };
    const pathname = new URL(req.url ?? '/', 'http://bank.invalid').pathname;
    const failure = verifyNetbankMessage(merchant.publicKeys, req.headers as Record<string, string>, body, this.now(), { method: 'POST', path: pathname });
    if (failure) return { status: 401, body: { code: 'SIGNATURE_INVALID', message: `signature check failed: ${failure}` } };
    const json = parseJsonBody(body);
    if ((json as { merchantNo?: unknown } | undefined)?.merchantNo !== merchantNo) {
      return { status: 400, body: { code: 'INVALID_REQUEST', message: 'merchantNo must match the signing merchant' } };
    }
    switch (route) {
      case NETBANK_PATHS.create:
        return this.withBody(netbankCreateSchema, json, (b) => this.create(req, b));
      case NETBANK_PATHS.query:
        return this.withBody(netbankOrderRefSchema, json, (b) => this.query(b.merchantNo, b.orderNo));
      case NETBANK_PATHS.close:
        return this.withBody(netbankOrderRefSchema, json, (b) => this.close(b.merchantNo, b.orderNo));
      case NETBANK_PATHS.refund:
        return this.withBody(netbankRefundSchema, json, (b) => this.refund(b));
      case NETBANK_PAYOUT_PATHS.create:
        return this.withBody(netbankPayoutCreateSchema, json, (b) => this.payouts.create(b));
      case NETBANK_PAYOUT_PATHS.query:
        return this.withBody(netbankPayoutRefSchema, json, (b) => this.payouts.query(b.merchantNo, b.payoutNo));
      default:
        return this.withBody(netbankRefundRefSchema, json, (b) => this.queryRefund(b.merchantNo, b.refundNo));
    }
  }

  private async withBody<T, A extends ApiAnswer | 'drop'>(schema: z.ZodMiniType<T>, json: unknown, run: (body: T) => Promise<A>): Promise<A | ApiAnswer> {
    const parsed = schema.safeParse(json);
    if (!parsed.success) return { status: 400, body: { code: 'INVALID_REQUEST', message: 'the body does not match the API' } };
    return run(parsed.data);
  }

  private async create(req: IncomingMessage, body: NetbankCreateBody): Promise<ApiAnswer> {
    const amount = fromDecimalString(body.amount, body.currency);
    if (amount === undefined || amount < 1) return bad('INVALID_AMOUNT', 'amount does not read in its currency');
    if (body.bankCode !== undefined && !NETBANK_BANKS[body.bankCode]) return { status: 200, body: { code: 'BANK_NOT_SUPPORTED', message: 'unknown bank code' } };
    if (Date.parse(body.expireTime) <= this.now().getTime()) return { status: 200, body: { code: 'ORDER_EXPIRED', message: 'expireTime has passed' } };
    const pointerKey = `merchant-order#${body.merchantNo}#${body.orderNo}`;
    const existing = await this.options.store.get<{ bankOrderId: string }>(CHANNEL, pointerKey);
    if (existing) return this.createdAgain(req, existing.value.bankOrderId, amount, body);
    const order: OrderRecord = {
      merchantNo: body.merchantNo,
      orderNo: body.orderNo,
      bankOrderId: `NB${this.now().toISOString().slice(0, 10).replaceAll('-', '')}${randomBytes(8).toString('hex').toUpperCase()}`,
      amount,
      currency: body.currency,
      subject: body.subject,
      ...(body.bankCode ? { bankCode: body.bankCode } : {}),
      notifyUrl: body.notifyUrl,
      ...(body.returnUrl ? { returnUrl: body.returnUrl } : {}),
      expireTime: body.expireTime,
      status: 'PENDING',
      refundedAmount: 0,
      pageToken: randomBytes(16).toString('hex'),
    };
    await this.options.store.put(CHANNEL, orderKey(order.bankOrderId), order, 0);
    // The merchant's order number names one bank order: of two concurrent creates, the pointer's first writer wins.
    if (!(await this.options.store.put(CHANNEL, pointerKey, { bankOrderId: order.bankOrderId }, 0))) {
      const winner = await this.options.store.get<{ bankOrderId: string }>(CHANNEL, pointerKey);
      return this.createdAgain(req, winner!.value.bankOrderId, amount, body);
    }
    return { status: 200, body: { code: 'SUCCESS', bankOrderId: order.bankOrderId, payUrl: this.payUrl(req, order.bankOrderId) } };
  }

  /** A repeated create is answered with the same order, unless it asks for something else under the same number. */
  private async createdAgain(req: IncomingMessage, bankOrderId: string, amount: number, body: NetbankCreateBody): Promise<ApiAnswer> {
    const order = (await this.options.store.get<OrderRecord>(CHANNEL, orderKey(bankOrderId)))!.value;
    if (order.amount !== amount || order.currency !== body.currency) return { status: 200, body: { code: 'ORDER_NO_REUSED', message: 'orderNo was used with other terms' } };
    if (order.status === 'PAID') return { status: 200, body: { code: 'ORDER_PAID', ...wireOrder(order) } };
    return { status: 200, body: { code: 'SUCCESS', bankOrderId, payUrl: this.payUrl(req, bankOrderId) } };
  }

  private async query(merchantNo: string, orderNo: string): Promise<ApiAnswer> {
    const order = await this.findOrder(merchantNo, orderNo);
    if (!order) return { status: 200, body: { code: 'ORDER_NOT_FOUND', message: 'no such order' } };
    return { status: 200, body: { code: 'SUCCESS', ...wireOrder(this.effective(order.value)) } };
  }

  private async close(merchantNo: string, orderNo: string): Promise<ApiAnswer> {
    const found = await this.findOrder(merchantNo, orderNo);
    if (!found) return { status: 200, body: { code: 'ORDER_NOT_FOUND', message: 'no such order' } };
    const order = this.effective(found.value);
    if (order.status === 'PAID') return { status: 200, body: { code: 'ORDER_PAID', ...wireOrder(order) } };
    if (order.status === 'PENDING' || order.status !== found.value.status) {
      const closed: OrderRecord = { ...order, status: 'CLOSED' };
      // Conditional: if the payer confirmed meanwhile, the order is paid and the merchant is told so.
      if (!(await this.options.store.put(CHANNEL, orderKey(order.bankOrderId), closed, found.version))) return this.close(merchantNo, orderNo);
    }
    return { status: 200, body: { code: 'SUCCESS', status: 'CLOSED' } };
  }

  private async refund(body: NetbankRefundBody): Promise<ApiAnswer> {
    const refundKey = `refund#${body.merchantNo}#${body.refundNo}`;
    const known = await this.options.store.get<RefundRecord>(CHANNEL, refundKey);
    if (known) return { status: 200, body: { code: 'SUCCESS', ...wireRefund(known.value) } };
    const found = await this.findOrder(body.merchantNo, body.orderNo);
    if (!found) return { status: 200, body: { code: 'ORDER_NOT_FOUND', message: 'no such order' } };
    const amount = fromDecimalString(body.amount, body.currency);
    if (amount === undefined || amount < 1 || body.currency !== found.value.currency) return bad('INVALID_AMOUNT', 'refund amount or currency');
    if (found.value.status !== 'PAID') return { status: 200, body: { code: 'ORDER_NOT_PAID', message: 'only paid orders are refunded' } };
    if (found.value.refundedAmount + amount > found.value.amount) {
      return { status: 200, body: { code: 'REFUND_AMOUNT_EXCEEDED', message: 'more than the paid amount left' } };
    }
    const order: OrderRecord = { ...found.value, refundedAmount: found.value.refundedAmount + amount };
    if (!(await this.options.store.put(CHANNEL, orderKey(order.bankOrderId), order, found.version))) return this.refund(body);
    const refund: RefundRecord = {
      refundNo: body.refundNo, bankRefundId: `NBR${randomBytes(8).toString('hex').toUpperCase()}`, status: 'SUCCESS', orderNo: body.orderNo, amount,
      succeededAt: this.now().toISOString(),
    };
    await this.options.store.put(CHANNEL, refundKey, refund);
    return { status: 200, body: { code: 'SUCCESS', ...wireRefund(refund) } };
  }

  private async queryRefund(merchantNo: string, refundNo: string): Promise<ApiAnswer> {
    const known = await this.options.store.get<RefundRecord>(CHANNEL, `refund#${merchantNo}#${refundNo}`);
    if (!known) return { status: 200, body: { code: 'REFUND_NOT_FOUND', message: 'no such refund' } };
    return { status: 200, body: { code: 'SUCCESS', ...wireRefund(known.value) } };
  }

  // --- the payer's page --------------------------------------------------------------------------------------------

  private async showPage(res: ServerResponse, bankOrderId: string): Promise<void> {
    const found = await this.options.store.get<OrderRecord>(CHANNEL, orderKey(bankOrderId));
    if (!found) return sendText(res, 404, renderBankMessage('Not found', 'There is no such payment.'), BANK_PAGE_HEADERS);
    const order = this.effective(found.value);
    sendText(res, 200, renderBankPage(order, pageView(order)), BANK_PAGE_HEADERS);
  }

  private async submitPage(req: IncomingMessage, res: ServerResponse, bankOrderId: string): Promise<void> {
    const form = new URLSearchParams((await readRequestBody(req, 8 * 1024)) ?? '');
    const found = await this.options.store.get<OrderRecord>(CHANNEL, orderKey(bankOrderId));
    if (!found) return sendText(res, 404, renderBankMessage('Not found', 'There is no such payment.'), BANK_PAGE_HEADERS);
    // The token printed in the page proves the form came from the bank's own page, not another site.
    if (form.get('pageToken') !== found.value.pageToken) {
      return sendText(res, 403, renderBankMessage('Refused', 'This form is not from the bank’s page.'), BANK_PAGE_HEADERS);
    }
    const action = form.get('action');
    const bankCode = found.value.bankCode ?? form.get('bank') ?? '';
    if (action === 'confirm' && !NETBANK_BANKS[bankCode]) {
      return sendText(res, 400, renderBankMessage('Choose a bank', 'Pick your bank to pay.'), BANK_PAGE_HEADERS);
    }
    if (action !== 'confirm' && action !== 'cancel') return sendText(res, 400, renderBankMessage('Refused', 'Unknown action.'), BANK_PAGE_HEADERS);
    await this.finish(bankOrderId, action === 'confirm' ? 'PAID' : 'FAILED', action === 'confirm' ? undefined : 'PAYER_CANCELLED', bankCode);
    // Post/redirect/get: a reload of the result does not submit again. Relative, so it works wherever the bank is mounted.
    res.writeHead(303, { location: bankOrderId, 'cache-control': 'no-store', 'content-length': '0' });
    res.end();
  }

  // --- the contract's sandbox knob -----------------------------------------------------------------------------

  private async sandboxComplete(req: IncomingMessage, res: ServerResponse, bankOrderId: string): Promise<void> {
    const text = (await readRequestBody(req, 4 * 1024)) ?? '';
    // The contract: the body and its outcome are optional, succeeded by default (an empty body or `{}` alike).
    const body = text.trim() === '' ? {} : (parseJsonBody(text) as { outcome?: unknown } | undefined);
    const requested = body === undefined ? undefined : (body.outcome ?? 'succeeded');
    const json = { 'content-type': 'application/json' };
    if (requested !== 'succeeded' && requested !== 'failed') {
      return sendText(res, 400, JSON.stringify({ code: 'INVALID_REQUEST', message: 'outcome is succeeded or failed' }), json);
    }
    const found = await this.options.store.get<OrderRecord>(CHANNEL, orderKey(bankOrderId));
    if (!found) return sendText(res, 404, JSON.stringify({ code: 'ORDER_NOT_FOUND', message: 'no such order' }), json);
    const result = await this.finish(bankOrderId, requested === 'succeeded' ? 'PAID' : 'FAILED', requested === 'failed' ? 'PAYMENT_FAILED' : undefined);
    if (result.outcome === 'conflict') {
      return sendText(res, 409, JSON.stringify({ code: 'ORDER_FINISHED', status: result.order.status, message: 'the order already ended otherwise' }), json);
    }
    sendText(res, 200, JSON.stringify({ bankOrderId, status: result.order.status, notifyId: notifyId(result.order) }), json);
  }

  /**
   * Ends a pending order as paid or failed and notifies the merchant. Asked again for the outcome it already has, it
   * notifies again (same notifyId); asked for another, or after the order closed or expired, nothing changes.
   */
  private async finish(
    bankOrderId: string,
    status: 'PAID' | 'FAILED',
    failCode?: string,
    bankCode?: string,
  ): Promise<{ outcome: 'notified' | 'conflict'; order: OrderRecord }> {
    for (;;) {
      const found = (await this.options.store.get<OrderRecord>(CHANNEL, orderKey(bankOrderId)))!;
      const order = this.effective(found.value);
      if (order.status !== 'PENDING') {
        if (order.status !== status) return { outcome: 'conflict', order };
        await this.notify(order);
        return { outcome: 'notified', order };
      }
      const ended: OrderRecord = {
        ...order,
        status,
        bankCode: order.bankCode ?? bankCode ?? 'ICBC',
        ...(status === 'PAID' ? { paidTime: this.now().toISOString() } : { failCode: failCode ?? 'PAYMENT_FAILED' }),
      };
      // Conditional on the version read: a close that won the race keeps the order closed.
      if (await this.options.store.put(CHANNEL, orderKey(bankOrderId), ended, found.version)) {
        await this.notify(ended);
        return { outcome: 'notified', order: ended };
      }
    }
  }

  private notify(order: OrderRecord): Promise<void> {
    const notify: NetbankNotify = { notifyId: notifyId(order), notifyType: 'PAYMENT', merchantNo: order.merchantNo, ...wireOrder(order) };
    return this.notifier.send(notify.notifyId, order.notifyUrl, JSON.stringify(notify));
  }

  /** A pending order past its expiry can no longer be paid: the bank reports it closed. */
  private effective(order: OrderRecord): OrderRecord {
    return order.status === 'PENDING' && Date.parse(order.expireTime) <= this.now().getTime()
      ? { ...order, status: 'CLOSED', failCode: 'ORDER_EXPIRED' }
      : order;
  }

  private async findOrder(merchantNo: string, orderNo: string): Promise<{ value: OrderRecord; version: number } | undefined> {
    const pointer = await this.options.store.get<{ bankOrderId: string }>(CHANNEL, `merchant-order#${merchantNo}#${orderNo}`);
    return pointer ? this.options.store.get<OrderRecord>(CHANNEL, orderKey(pointer.value.bankOrderId)) : undefined;
  }

  private payUrl(req: IncomingMessage, bankOrderId: string): string {
    if (this.options.publicBaseUrl) return `${this.options.publicBaseUrl.replace(/\/$/, '')}/pay/${bankOrderId}`;
    // The bank's own address as the merchant reached it: the mount prefix is the request path before the API path.
    const pathname = new URL(req.url ?? '/', 'http://bank.invalid').pathname;
    const prefix = pathname.slice(0, pathname.length - NETBANK_PATHS.create.length);
    return `http://${req.headers.host ?? '127.0.0.1'}${prefix}/pay/${bankOrderId}`;
  }
}

function orderKey(bankOrderId: string): string {
  return `order#${bankOrderId}`;
}

/** One notification identity per order: an order ends once, and every notice of that end is the same notice. */
function notifyId(order: OrderRecord): string {
  return `NTF${order.bankOrderId}`;
}

function wireOrder(order: OrderRecord): NetbankOrder {
  return {
    orderNo: order.orderNo,
    bankOrderId: order.bankOrderId,
    status: order.status,
    amount: toDecimalString(order),
    currency: order.currency,
    ...(order.bankCode ? { bankCode: order.bankCode } : {}),
    ...(order.paidTime ? { paidTime: order.paidTime } : {}),
    ...(order.failCode ? { failCode: order.failCode } : {}),
  };
}

function wireRefund(refund: RefundRecord): NetbankRefundState {
  return { refundNo: refund.refundNo, bankRefundId: refund.bankRefundId, status: refund.status, ...(refund.failCode ? { failCode: refund.failCode } : {}) };
}

function pageView(order: OrderRecord): BankPageView {
  if (order.status === 'PENDING') return 'pay';
  if (order.status === 'PAID') return 'paid';
  if (order.status === 'CLOSED') return 'closed';
  return order.failCode === 'PAYER_CANCELLED' ? 'cancelled' : 'failed';
}

function bad(code: string, message: string): ApiAnswer {
  return { status: 400, body: { code, message } };
}
