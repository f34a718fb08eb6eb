/**
 * What the WeChat Pay sandbox keeps per order and per refund, and how it shows them in the API's own JSON shapes
 * (query answers and decrypted callback resources).
 */

export interface SandboxTrade {
  readonly appid: string;
  readonly mchid: string;
  readonly out_trade_no: string;
  readonly description: string;
  readonly notify_url: string;
  readonly time_expire: string;
  readonly amount: { readonly total: number; readonly currency: string };
  readonly code_url: string;
  readonly create_time: string;
  readonly trade_state: 'NOTPAY' | 'SUCCESS' | 'REFUND' | 'CLOSED' | 'PAYERROR';
  /** PAP for a 委托代扣 deduction (infra/local/sandbox/wechat-pay/papay.ts); Native payments leave it out. */
  readonly trade_type?: 'PAP';
  readonly transaction_id?: string;
  readonly success_time?: string;
  /** Refunds by out_refund_no → fen: reserving the amount here makes a retried refund idempotent. */
  readonly refunds: Readonly<Record<string, number>>;
  /** The payment notification, built once so that every re-send carries the same id and the same content. */
  readonly notification?: { readonly id: string; readonly body: string };
}

export interface SandboxRefund {
  readonly mchid: string;
  readonly refund_id: string;
  readonly out_refund_no: string;
  readonly transaction_id: string;
  readonly out_trade_no: string;
  readonly reason?: string;
  readonly notify_url?: string;
  readonly status: 'PROCESSING' | 'SUCCESS' | 'ABNORMAL';
  readonly create_time: string;
  readonly success_time?: string;
  readonly amount: { readonly refund: number; readonly total: number; readonly currency: string };
}

const TRADE_STATE_DESC: Readonly<Record<SandboxTrade['trade_state'], string>> = {
  NOTPAY: '未支付',
  SUCCESS: '支付成功',
  REFUND: '转入退款',
  CLOSED: '已关闭',
  PAYERROR: '支付失败',
};

/** The transaction as `GET /v3/pay/transactions/out-trade-no/{no}` answers it and a TRANSACTION.* resource holds it. */
export function transactionView(trade: SandboxTrade): Record<string, unknown> {
  const paid = trade.trade_state === 'SUCCESS' || trade.trade_state === 'REFUND';
  return {
    appid: trade.appid,
    mchid: trade.mchid,
    out_trade_no: trade.out_trade_no,
    ...(trade.transaction_id ? { transaction_id: trade.transaction_id } : {}),
    trade_type: trade.trade_type ?? 'NATIVE',
    trade_state: trade.trade_state,
    trade_state_desc: TRADE_STATE_DESC[trade.trade_state],
    ...(paid ? { bank_type: 'OTHERS', success_time: trade.success_time, payer: { openid: 'oSandboxPayer0000000000000' } } : {}),
    amount: paid
      ? { total: trade.amount.total, payer_total: trade.amount.total, currency: trade.amount.currency, payer_currency: 'CNY' }
      : { total: trade.amount.total, currency: trade.amount.currency },
  };
}

/** The refund as the refund APIs answer it. */
export function refundView(refund: SandboxRefund): Record<string, unknown> {
  return {
    refund_id: refund.refund_id,
    out_refund_no: refund.out_refund_no,
    transaction_id: refund.transaction_id,
    out_trade_no: refund.out_trade_no,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    ...(refund.success_time ? { success_time: refund.success_time } : {}),
    create_time: refund.create_time,
    status: refund.status,
    funds_account: 'AVAILABLE',
    amount: {
      total: refund.amount.total,
      refund: refund.amount.refund,
      payer_total: refund.amount.total,
      payer_refund: refund.amount.refund,
      settlement_total: refund.amount.total,
      settlement_refund: refund.amount.refund,
      discount_refund: 0,
      currency: refund.amount.currency,
    },
  };
}

/** The resource of a REFUND.* notification (its field is `refund_status`, not `status`). */
export function refundNotificationView(refund: SandboxRefund): Record<string, unknown> {
  return {
    mchid: refund.mchid,
    out_trade_no: refund.out_trade_no,
    transaction_id: refund.transaction_id,
    out_refund_no: refund.out_refund_no,
    refund_id: refund.refund_id,
    refund_status: refund.status,
    success_time: refund.success_time,
    user_received_account: '支付用户零钱',
    amount: {
      total: refund.amount.total,
      refund: refund.amount.refund,
      payer_total: refund.amount.total,
      payer_refund: refund.amount.refund,
    },
  };
}
