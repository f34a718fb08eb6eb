import { randomBytes, randomInt } from 'node:crypto';
import { chinaTime, fromYuan, parseChinaTime, toYuan } from '../../../../shared/channels/alipay/transformers.js';
import type { SandboxStore } from '../sandbox-store.js';

/**
 * The sandbox Alipay's trades and what its gateway methods do to them, as the real open platform behaves:
 * a precreated QR code is not yet a trade (query and close answer ACQ.TRADE_NOT_EXIST until the payer scans), a trade
 * past its time_expire closes, a paid trade cannot be closed (ACQ.TRADE_STATUS_ERROR), refunds are keyed by
 * out_request_no and a repeated one answers fund_change "N".
 */
export type TradeStatus = 'PRECREATED' | 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';

export interface Trade {
  readonly outTradeNo: string;
  readonly appId: string;
  /** Assigned when the payer scans, like Alipay's. */
  readonly tradeNo: string | null;
  readonly totalFen: number;
  readonly subject: string;
  readonly qrCode: string;
  readonly timeExpire: string | null;
  readonly notifyUrl: string | null;
  readonly status: TradeStatus;
  readonly createdAt: string;
  readonly paidAt?: string;
  readonly closedAt?: string;
  readonly refunds: Readonly<Record<string, { readonly amountFen: number; readonly at: string }>>;
  /** One notify_id per status notified, reused by every sending of that notification. */
  readonly notifyIds: Readonly<Record<string, string>>;
}

/** A gateway method's answer object (`code` "10000" or an error with sub_code). */
export type Answer = Record<string, string>;

const ok = (fields: Record<string, string | undefined>): Answer => ({
  code: '10000',
  msg: 'Success',
  ...(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Record<string, string>),
});
export const businessError = (subCode: string, subMsg: string): Answer => ({
  code: '40004',
  msg: 'Business Failed',
  sub_code: subCode,
  sub_msg: subMsg,
});

const MAX_TOTAL_FEN = 10_000_000_000; // 100,000,000.00 yuan, Alipay's per-trade ceiling
const SELLER_ID = '2088102177846880';
const BUYER_LOGON_ID = 'sbx***@sandbox.com';

export class AlipayTrades {
  constructor(
    private readonly store: SandboxStore,
    private readonly channel: string,
    private readonly now: () => Date,
  ) {}

  async get(outTradeNo: string): Promise<Trade | undefined> {
    const stored = await this.store.get<Trade>(this.channel, `trade#${outTradeNo}`);
    return stored && this.expired(stored.value);
  }

  async precreate(appId: string, biz: Record<string, unknown>, notifyUrl: string | undefined): Promise<Answer> {
    const outTradeNo = biz.out_trade_no;
    const totalFen = fromYuan(biz.total_amount);
    const subject = biz.subject;
    if (typeof outTradeNo !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(outTradeNo)) return invalid('out_trade_no');
    if (totalFen === undefined || totalFen < 1 || totalFen > MAX_TOTAL_FEN) return invalid('total_amount');
    if (typeof subject !== 'string' || subject === '' || subject.length > 256) return invalid('subject');
    const expireAt = typeof biz.time_expire === 'string' ? parseChinaTime(biz.time_expire) : undefined;
    if (biz.time_expire !== undefined && !expireAt) return invalid('time_expire');
    const trade: Trade = {
      outTradeNo,
      appId,
      tradeNo: null,
      totalFen,
      subject,
      qrCode: `https://qr.alipay.com/bax0${randomBytes(10).toString('hex')}`,
      timeExpire: expireAt?.toISOString() ?? null,
      notifyUrl: notifyUrl ?? null,
      status: 'PRECREATED',
      createdAt: this.now().toISOString(),
      refunds: {},
      notifyIds: {},
    };
    if (await this.store.put(this.channel, `trade#${outTradeNo}`, trade, 0)) {
      return ok({ out_trade_no: outTradeNo, qr_code: trade.qrCode });
    }
    // The same out_trade_no again: the same QR code for the same trade, a refusal for a different or finished one.
    const existing = (await this.get(outTradeNo))!;
    if (existing.totalFen !== totalFen || existing.subject !== subject) {
      return businessError('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改');
    }
    if (existing.status === 'TRADE_SUCCESS') return businessError('ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
    if (existing.status === 'TRADE_CLOSED') return businessError('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
    return ok({ out_trade_no: outTradeNo, qr_code: existing.qrCode });
  }

  async query(biz: Record<string, unknown>): Promise<Answer> {
    const trade = await this.scanned(biz.out_trade_no);
    if (!trade) return businessError('ACQ.TRADE_NOT_EXIST', '交易不存在');
    const paid = trade.paidAt !== undefined;
    return ok({
      trade_no: trade.tradeNo!,
      out_trade_no: trade.outTradeNo,
      buyer_logon_id: BUYER_LOGON_ID,
      trade_status: trade.status,
      total_amount: toYuan(trade.totalFen),
      buyer_pay_amount: paid ? toYuan(trade.totalFen) : undefined,
      send_pay_date: paid ? chinaTime(new Date(trade.paidAt!)) : undefined,
    });
  }

  async close(biz: Record<string, unknown>): Promise<Answer> {
    const result = await this.mutate(biz.out_trade_no, (trade) => {
      if (trade.status === 'PRECREATED') return businessError('ACQ.TRADE_NOT_EXIST', '交易不存在');
      if (trade.status !== 'WAIT_BUYER_PAY') return businessError('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
      return { ...trade, status: 'TRADE_CLOSED', closedAt: this.now().toISOString() };
    });
    if (!result) return businessError('ACQ.TRADE_NOT_EXIST', '交易不存在');
    return !isTrade(result) ? result : ok({ trade_no: result.tradeNo!, out_trade_no: result.outTradeNo });
  }

  async refund(biz: Record<string, unknown>): Promise<Answer> {
    const amountFen = fromYuan(biz.refund_amount);
    if (amountFen === undefined || amountFen < 1) return invalid('refund_amount');
    // Without out_request_no Alipay treats the call as the one full refund identified by out_trade_no.
    const requestNo = typeof biz.out_request_no === 'string' ? biz.out_request_no : String(biz.out_trade_no);
    let fundChange = 'Y';
    const result = await this.mutate(biz.out_trade_no, (trade) => {
      const earlier = trade.refunds[requestNo];
      if (earlier && earlier.amountFen !== amountFen) return businessError('ACQ.DISCORDANT_REPEAT_REQUEST', '请求信息不一致');
      if (earlier) return (fundChange = 'N'), trade;
      if (trade.status === 'PRECREATED') return businessError('ACQ.TRADE_NOT_EXIST', '交易不存在');
      if (trade.paidAt === undefined) return businessError('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
      const refundedFen = refundedTotal(trade) + amountFen;
      if (refundedFen > trade.totalFen) return businessError('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
      const at = this.now().toISOString();
      const full = refundedFen === trade.totalFen;
      return {
        ...trade,
        refunds: { ...trade.refunds, [requestNo]: { amountFen, at } },
        // The trade notification this refund triggers gets its notify_id now, once (refundNotification).
        notifyIds: { ...trade.notifyIds, [refundNotifyKey(requestNo)]: this.newNotifyId() },
        ...(full ? { status: 'TRADE_CLOSED' as const, closedAt: at } : {}),
      };
    });
    if (!result) return businessError('ACQ.TRADE_NOT_EXIST', '交易不存在');
    if (!isTrade(result)) return result;
    return ok({
      trade_no: result.tradeNo!,
      out_trade_no: result.outTradeNo,
      buyer_logon_id: BUYER_LOGON_ID,
      fund_change: fundChange,
      refund_fee: toYuan(refundedTotal(result)),
      gmt_refund_pay: chinaTime(new Date(result.refunds[requestNo]!.at)),
    });
  }

  async refundQuery(biz: Record<string, unknown>): Promise<Answer> {
    const trade = await this.scanned(biz.out_trade_no);
    if (!trade) return businessError('ACQ.TRADE_NOT_EXIST', '交易不存在');
    const requestNo = typeof biz.out_request_no === 'string' ? biz.out_request_no : trade.outTradeNo;
    const refund = trade.refunds[requestNo];
    // Alipay answers an unknown out_request_no with a bare success: no refund fields means no refund.
    if (!refund) return ok({});
    return ok({
      trade_no: trade.tradeNo!,
      out_trade_no: trade.outTradeNo,
      out_request_no: requestNo,
      total_amount: toYuan(trade.totalFen),
      refund_amount: toYuan(refund.amountFen),
      refund_status: 'REFUND_SUCCESS',
      gmt_refund_pay: chinaTime(new Date(refund.at)),
    });
  }

  /**
   * The payer's side (the sandbox `complete` endpoint): scan and pay, scan and abandon (the trade closes), or only
   * scan. Returns the trade as it now is, or why the payer could not act.
   */
  async payerActs(outTradeNo: string, outcome: 'succeeded' | 'failed' | 'scanned'): Promise<Trade | 'not_found' | 'expired' | 'conflict'> {
    const current = await this.get(outTradeNo);
    if (!current) return 'not_found';
    const target: TradeStatus = outcome === 'succeeded' ? 'TRADE_SUCCESS' : outcome === 'failed' ? 'TRADE_CLOSED' : 'WAIT_BUYER_PAY';
    if (current.status === target) return current;
    if (current.status === 'TRADE_SUCCESS' || current.status === 'TRADE_CLOSED') return 'conflict';
    if (current.timeExpire && Date.parse(current.timeExpire) <= this.now().getTime()) return 'expired';
    const result = await this.mutate(outTradeNo, (trade) => {
      if (trade.status !== current.status) return businessError('CONFLICT', 'changed meanwhile');
      const at = this.now().toISOString();
      const tradeNo = trade.tradeNo ?? newTradeNo(this.now());
      if (target === 'TRADE_SUCCESS') return { ...trade, tradeNo, status: target, paidAt: at };
      if (target === 'TRADE_CLOSED') return { ...trade, tradeNo, status: target, closedAt: at };
      return { ...trade, tradeNo, status: target };
    });
    if (!result || !isTrade(result)) return this.payerActs(outTradeNo, outcome);
    return result;
  }

  /** The notify_id of a trade's notification for its current status, made once and kept on the trade. */
  async notifyIdFor(outTradeNo: string): Promise<{ trade: Trade; notifyId: string } | undefined> {
    let notifyId = '';
    const result = await this.mutate(outTradeNo, (trade) => {
      notifyId = trade.notifyIds[trade.status] ?? this.newNotifyId();
      return trade.notifyIds[trade.status] ? trade : { ...trade, notifyIds: { ...trade.notifyIds, [trade.status]: notifyId } };
    });
    return result && isTrade(result) ? { trade: result, notifyId } : undefined;
  }

  /** The notification's parameters for a trade's current status (notify_time, notify_id and sign come later). */
  notifyParams(trade: Trade, notifyId: string): Record<string, string> {
    const params: Record<string, string | undefined> = {
      notify_type: 'trade_status_sync',
      notify_id: notifyId,
      app_id: trade.appId,
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      trade_no: trade.tradeNo ?? undefined,
      out_trade_no: trade.outTradeNo,
      seller_id: SELLER_ID,
      buyer_logon_id: BUYER_LOGON_ID,
      trade_status: trade.status,
      total_amount: toYuan(trade.totalFen),
      subject: trade.subject,
      gmt_create: chinaTime(new Date(trade.createdAt)),
    };
    if (trade.paidAt) {
      params.receipt_amount = params.buyer_pay_amount = toYuan(trade.totalFen);
      params.gmt_payment = chinaTime(new Date(trade.paidAt));
    }
    if (trade.closedAt) params.gmt_close = chinaTime(new Date(trade.closedAt));
    return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<string, string>;
  }

  /**
   * The notification a refund triggers, as Alipay sends it to the trade's notify_url (alipay.trade.refund takes none):
   * the trade's status after the refund (TRADE_SUCCESS, or TRADE_CLOSED with gmt_close once fully refunded),
   * `out_biz_no` = the refund's out_request_no, `refund_fee` = the total refunded so far, `gmt_refund`. Undefined for
   * a trade with no notify_url or a refund it does not have.
   */
  async refundNotification(outTradeNo: string, requestNo: string): Promise<{ notifyId: string; url: string; params: Record<string, string> } | undefined> {
    const trade = await this.get(outTradeNo);
    const refund = trade?.refunds[requestNo];
    const notifyId = trade?.notifyIds[refundNotifyKey(requestNo)];
    if (!trade?.notifyUrl || !refund || !notifyId) return undefined;
    const refundedFen = Object.values(trade.refunds)
      .filter((each) => each.at <= refund.at)
      .reduce((sum, each) => sum + each.amountFen, 0);
    const params = {
      ...this.notifyParams(trade, notifyId),
      out_biz_no: requestNo,
      refund_fee: toYuan(refundedFen),
      gmt_refund: chinaTime(new Date(refund.at)),
    };
    return { notifyId, url: trade.notifyUrl, params };
  }

  /** Alipay's notify_id shape: the date, then random hex. */
  private newNotifyId(): string {
    return `${chinaTime(this.now()).replace(/\D/g, '').slice(0, 8)}${randomBytes(13).toString('hex')}`;
  }

  /** A trade the payer has scanned (Alipay knows nothing of a QR code nobody scanned). */
  private async scanned(outTradeNo: unknown): Promise<Trade | undefined> {
    if (typeof outTradeNo !== 'string') return undefined;
    const trade = await this.get(outTradeNo);
    return trade && trade.status !== 'PRECREATED' ? trade : undefined;
  }

  /** A scanned, unpaid trade past its time_expire is closed, as Alipay closes it on time. */
  private expired(trade: Trade): Trade {
    if (trade.status !== 'WAIT_BUYER_PAY' || !trade.timeExpire || Date.parse(trade.timeExpire) > this.now().getTime()) return trade;
    return { ...trade, status: 'TRADE_CLOSED', closedAt: trade.timeExpire };
  }

  /** Applies `change` under the record's version (retried on a concurrent write); an Answer aborts with that answer. */
  private async mutate(outTradeNo: unknown, change: (trade: Trade) => Trade | Answer): Promise<Trade | Answer | undefined> {
    if (typeof outTradeNo !== 'string') return undefined;
    for (;;) {
      const stored = await this.store.get<Trade>(this.channel, `trade#${outTradeNo}`);
      if (!stored) return undefined;
      const result = change(this.expired(stored.value));
      if (!isTrade(result)) return result;
      if (result === stored.value) return result;
      if (await this.store.put(this.channel, `trade#${outTradeNo}`, result, stored.version)) return result;
    }
  }
}

function isTrade(value: Trade | Answer): value is Trade {
  return typeof value.outTradeNo === 'string' && 'refunds' in value;
}

/** Where a trade keeps the notify_id of the notification a refund triggered (`notifyIds` is keyed by status otherwise). */
const refundNotifyKey = (requestNo: string): string => `refund:${requestNo}`;

function refundedTotal(trade: Trade): number {
  return Object.values(trade.refunds).reduce((sum, refund) => sum + refund.amountFen, 0);
}

function invalid(param: string): Answer {
  return businessError('ACQ.INVALID_PARAMETER', `参数无效: ${param}`);
}

/** 28 digits like Alipay's: the date, a channel code, then a serial. */
export function newTradeNo(now: Date): string {
  const date = chinaTime(now).replace(/\D/g, '').slice(0, 8);
  return `${date}22001${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1e6)).padStart(6, '0')}`;
}
