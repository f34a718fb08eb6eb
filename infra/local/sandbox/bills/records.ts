import { UNIONPAY_CURRENCIES } from '../../../../shared/channels/unionpay/bill-format.js';
import { CHANNEL_PAYOUT_FEE, channelDay, channelFee, fromChannelLocalTime } from '../../../../shared/reconciliation/bill.js';
import type { BillLine } from '../../../../shared/reconciliation/bill.js';
import type { ActivityEntry, PaymentRecord } from '../card-acquirer/acquirer.js';
import type { Trade as AlipayTrade } from '../alipay/trades.js';
import type { SandboxStore } from '../sandbox-store.js';
import type { OrderRecord as NetbankOrderRecord, RefundRecord as NetbankRefundRecord } from '../netbank/netbank-emulator.js';
import type { PayoutRecord as NetbankPayoutRecord } from '../netbank/payout-desk.js';
import type { TxnRecord as UnionpayTxn } from '../unionpay/unionpay-emulator.js';
import type { SandboxRefund, SandboxTrade } from '../wechat-pay/records.js';

/**
 * A sandbox channel's day as its own records show it: what it took (payments) and gave back (refunds) with their
 * times in its clock, and the fee it charges us at its contracted rate (refunds: no fee returned). The bill files are
 * rendered from these lines in each channel's format; the platform's table is never read here.
 */
export type ChannelDayLines = (store: SandboxStore, channel: string, date: string) => Promise<BillLine[]>;

const onDay = (channel: string, date: string) => (line: BillLine) => channelDay(channel, line.at) === date;

/** WeChat Pay: paid trades (SUCCESS, or REFUND once refunded) and successful refunds. */
export const wechatPayLines: ChannelDayLines = async (store, channel, date) => {
  const trades = await store.list<SandboxTrade>(channel, 'payment#');
  const refunds = await store.list<SandboxRefund>(channel, 'refund#');
  const lines: BillLine[] = [];
  for (const { value: t } of trades) {
    if ((t.trade_state !== 'SUCCESS' && t.trade_state !== 'REFUND') || !t.success_time) continue;
    lines.push({
      kind: 'payment', paymentId: t.out_trade_no, refundId: null, channelPaymentId: t.transaction_id ?? null,
      amount: t.amount.total, fee: channelFee(channel, t.amount.total), currency: t.amount.currency, status: 'succeeded',
      at: new Date(t.success_time).toISOString(),
    });
  }
  for (const { value: r } of refunds) {
    if (r.status !== 'SUCCESS' || !r.success_time) continue;
    lines.push({
      kind: 'refund', paymentId: r.out_trade_no, refundId: r.out_refund_no, channelPaymentId: r.transaction_id,
      amount: r.amount.refund, fee: 0, currency: r.amount.currency, status: 'succeeded', at: new Date(r.success_time).toISOString(),
    });
  }
  return sortByTime(lines.filter(onDay(channel, date)));
};

const CAPTURING = new Set(['succeeded', 'captured_timeout', 'ok']);

/** The card acquirers: each capture (a sale's charge, a confirmed challenge, a capture) and each refund action. */
export const cardAcquirerLines: ChannelDayLines = async (store, channel, date) => {
  const records = await store.list<PaymentRecord>(channel, 'payment#');
  const lines: BillLine[] = [];
  for (const { value: p } of records) {
    if (p.status === 'Captured' && p.currency) {
      const amount = p.capturedAmount > 0 ? p.capturedAmount : (p.amount ?? 0);
      const captured = lastOf(p.actions, (a) => (a.kind === 'charge' || a.kind === 'confirm' || a.kind === 'capture') && CAPTURING.has(a.outcome));
      lines.push({
        kind: 'payment', paymentId: p.reference, refundId: null, channelPaymentId: p.id, amount,
        fee: channelFee(channel, amount), currency: p.currency, status: 'succeeded', at: captured?.at ?? p.actions.at(-1)!.at,
      });
    }
    for (const a of p.actions) {
      if (a.kind !== 'refund' || a.outcome !== 'succeeded' || !p.currency) continue;
      lines.push({
        kind: 'refund', paymentId: p.reference, refundId: a.reference ?? a.id, channelPaymentId: p.id, amount: a.amount ?? 0,
        fee: 0, currency: p.currency, status: 'succeeded', at: a.at,
      });
    }
  }
  return sortByTime(lines.filter(onDay(channel, date)));
};

function lastOf(actions: readonly ActivityEntry[], test: (a: ActivityEntry) => boolean): ActivityEntry | undefined {
  return [...actions].reverse().find(test);
}

function sortByTime(lines: BillLine[]): BillLine[] {
  return lines.sort((a, b) => a.at.localeCompare(b.at) || (a.refundId ?? a.paymentId).localeCompare(b.refundId ?? b.paymentId));
}

/** Alipay: paid trades (a closed trade that was paid keeps its paidAt: refunded in full) and their refunds. */
export const alipayLines: ChannelDayLines = async (store, channel, date) => {
  const trades = await store.list<AlipayTrade>(channel, 'trade#');
  const lines: BillLine[] = [];
  for (const { value: t } of trades) {
    if (!t.paidAt) continue;
    lines.push({
      kind: 'payment', paymentId: t.outTradeNo, refundId: null, channelPaymentId: t.tradeNo, amount: t.totalFen,
      fee: channelFee(channel, t.totalFen), currency: 'CNY', status: 'succeeded', at: t.paidAt,
    });
    for (const [requestNo, refund] of Object.entries(t.refunds)) {
      lines.push({
        kind: 'refund', paymentId: t.outTradeNo, refundId: requestNo, channelPaymentId: t.tradeNo, amount: refund.amountFen,
        fee: 0, currency: 'CNY', status: 'succeeded', at: refund.at,
      });
    }
  }
  return sortByTime(lines.filter(onDay(channel, date)));
};

/**
 * UnionPay: successful purchases (01) and refunds (04), at the gateway's processing time (the first 14 digits of its
 * queryId, Beijing time). A refund names its original by queryId; the file carries the original's order id.
 */
export const unionpayLines: ChannelDayLines = async (store, channel, date) => {
  const txns = (await store.list<UnionpayTxn>(channel, 'txn#')).map((t) => t.value).filter((t) => t.respCode === '00');
  const orderOf = new Map(txns.map((t) => [t.queryId, t.orderId]));
  const lines: BillLine[] = [];
  for (const t of txns) {
    const at = fromChannelLocalTime(channel, t.queryId.slice(0, 14).replace(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/, '$1-$2-$3 $4:$5:$6'));
    const currency = UNIONPAY_CURRENCIES[t.currencyCode] ?? t.currencyCode;
    if (t.txnType === '01') {
      lines.push({ kind: 'payment', paymentId: t.orderId, refundId: null, channelPaymentId: t.queryId, amount: t.amount, fee: channelFee(channel, t.amount), currency, status: 'succeeded', at });
    } else if (t.txnType === '04') {
      lines.push({ kind: 'refund', paymentId: orderOf.get(t.origQryId ?? '') ?? '', refundId: t.orderId, channelPaymentId: t.queryId, amount: t.amount, fee: 0, currency, status: 'succeeded', at });
    }
  }
  return sortByTime(lines.filter(onDay(channel, date)));
};

/**
 * The netbank payout desk: each transfer it paid (at its completion time, once that has come) and each that came back
 * (at its return time): the bank's clock decides, as its statement would. Failed transfers moved no money: not billed.
 */
export const netbankPayoutLines: ChannelDayLines = async (store, channel, date) => {
  const nowMs = Date.now();
  const lines: BillLine[] = [];
  for (const { value: p } of await store.list<NetbankPayoutRecord>(channel, 'payout#')) {
    if (p.outcome !== 'SUCCEEDED' || Date.parse(p.completesAt) > nowMs) continue;
    const line = { paymentId: p.payoutNo, refundId: null, channelPaymentId: p.bankPayoutId, amount: p.amount, currency: p.currency, status: 'succeeded' as const };
    lines.push({ ...line, kind: 'payout', fee: CHANNEL_PAYOUT_FEE[channel] ?? 0, at: p.completesAt });
    if (p.returnsAt && Date.parse(p.returnsAt) <= nowMs) lines.push({ ...line, kind: 'payout_return', fee: 0, at: p.returnsAt });
  }
  return sortByTime(lines.filter(onDay(channel, date)));
};

/**
 * The bank's collections: each redirect payment a payer confirmed (at its paid time, with the bank's fee at the
 * contracted rate) and each refund the bank paid back (at its time, no fee back). An order paid and then refunded is
 * still a payment of its day; a closed or failed order moved no money.
 */
export const netbankCollectionLines: ChannelDayLines = async (store, channel, date) => {
  const orders = (await store.list<NetbankOrderRecord>(channel, 'order#')).map((o) => o.value);
  const orderOf = new Map(orders.map((o) => [`${o.merchantNo}#${o.orderNo}`, o]));
  const lines: BillLine[] = [];
  for (const o of orders) {
    if (o.status !== 'PAID' || !o.paidTime) continue;
    lines.push({
      kind: 'payment', paymentId: o.orderNo, refundId: null, channelPaymentId: o.bankOrderId, amount: o.amount,
      fee: channelFee(channel, o.amount), currency: o.currency, status: 'succeeded', at: o.paidTime,
    });
  }
  for (const { key, value: r } of await store.list<NetbankRefundRecord>(channel, 'refund#')) {
    // The refund's key names its merchant number (refund#<merchantNo>#<refundNo>): its order gives the currency.
    const order = orderOf.get(`${key.split('#')[1]}#${r.orderNo}`);
    if (r.status !== 'SUCCESS' || !r.succeededAt || !order) continue;
    lines.push({
      kind: 'refund', paymentId: r.orderNo, refundId: r.refundNo, channelPaymentId: r.bankRefundId, amount: r.amount,
      fee: 0, currency: order.currency, status: 'succeeded', at: r.succeededAt,
    });
  }
  return sortByTime(lines.filter(onDay(channel, date)));
};
