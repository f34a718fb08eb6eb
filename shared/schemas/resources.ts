import type * as z from 'zod/mini';
import type { Currency } from '../domain/money.js';
import { effectiveOrder, type Order, type Refund } from '../domain/order.js';
import type { BalanceRow } from '../ports/stores.js';
import type { Customer } from '../domain/customer.js';
import type { CustomerTransaction } from '../services/customers.js';
import type { Settlement } from '../ledger/settlement.js';
import type { balanceSchema, customerSchema, customerTransactionListSchema, orderListSchema, orderSchema, refundSchema, settlementListSchema, settlementSchema } from './response-schemas.js';

/**
 * The public JSON of each object: what the API returns and what events carry. Internal fields (refundable
 * remainder, notify URL, channel ids of other attempts) stay inside. Each builder returns the type of its zod schema
 * (response-schemas.ts), so the compiler ties the JSON to the schemas the OpenAPI document is generated from; only
 * the types are imported, so no handler builds a schema at run time.
 */
export type OrderResource = z.infer<typeof orderSchema>;
export type RefundResource = z.infer<typeof refundSchema>;

export function orderResource(stored: Order, nowMs: number, refunds?: readonly Refund[]): OrderResource {
  const order = effectiveOrder(stored, nowMs);
  return {
    id: order.id,
    object: 'order',
    merchantId: order.merchantId,
    outTradeNo: order.outTradeNo,
    amount: order.amount,
    currency: order.currency,
    status: order.status,
    version: order.version,
    amountCaptured: order.amountCaptured,
    amountRefunded: order.amountRefunded,
    subject: order.subject,
    metadata: order.metadata,
    payment: order.payment
      ? {
          id: order.payment.id,
          method: order.payment.method,
          capture: order.payment.capture,
          channel: order.payment.channel,
          channelPaymentId: order.payment.channelPaymentId,
          card: order.payment.card,
          nextAction: order.payment.nextAction,
          fee: order.payment.fee,
          createdAt: order.payment.createdAt,
          ...(order.payment.amountAuthorized != null ? { amountAuthorized: order.payment.amountAuthorized } : {}),
          ...(order.payment.captureBefore ? { captureBefore: order.payment.captureBefore } : {}),
          ...(order.payment.customerId ? { customerId: order.payment.customerId } : {}),
          ...(order.payment.agreementId ? { agreementId: order.payment.agreementId } : {}),
        }
      : null,
    lastPaymentError: order.lastPaymentError,
    createdAt: order.createdAt,
    expiresAt: order.expiresAt,
    updatedAt: order.updatedAt,
    closedAt: order.closedAt,
    closeReason: order.closeReason,
    ...(refunds ? { refunds: refunds.map(refundResource) } : {}),
    ...(order.purpose === 'topup' ? { purpose: 'topup' as const, customerId: order.customerId! } : {}),
  };
}

export function refundResource(refund: Refund): RefundResource {
  return {
    id: refund.id,
    object: 'refund',
    orderId: refund.orderId,
    outRefundNo: refund.outRefundNo,
    amount: refund.amount,
    currency: refund.currency,
    status: refund.status,
    reason: refund.reason,
    failureCode: refund.failureCode,
    version: refund.version,
    createdAt: refund.createdAt,
    updatedAt: refund.updatedAt,
  };
}

export function orderListResource(orders: readonly Order[], nextCursor: string | null, nowMs: number): z.infer<typeof orderListSchema> {
  return { data: orders.map((o) => orderResource(o, nowMs)), nextCursor };
}

/** The ledger keeps currencies as the orders' own codes, so each is one of the API's currencies. */
export function balanceResource(available: readonly BalanceRow[], pending: readonly BalanceRow[] = []): z.infer<typeof balanceSchema> {
  const money = (row: BalanceRow) => ({ currency: row.currency as Currency, amount: row.amount });
  return { object: 'balance', available: available.map(money), pending: pending.map(money) };
}

export function customerResource(customer: Customer, balances: readonly BalanceRow[]): z.infer<typeof customerSchema> {
  return {
    id: customer.id,
    object: 'customer',
    outCustomerNo: customer.outCustomerNo,
    name: customer.name,
    balances: balances.map((row) => ({ currency: row.currency as Currency, amount: row.amount })),
    createdAt: customer.createdAt,
  };
}

export function customerTransactionListResource(
  transactions: readonly CustomerTransaction[],
  nextCursor: string | null,
): z.infer<typeof customerTransactionListSchema> {
  return {
    data: transactions.map((t) => ({
      object: 'customer_transaction',
      id: t.entryId,
      type: t.type,
      amount: t.amount,
      currency: t.currency,
      balanceAfter: t.balanceAfter,
      orderId: t.orderId,
      refundId: t.refundId,
      createdAt: t.createdAt,
    })),
    nextCursor,
  };
}

/** A settled batch as the merchant sees it: its totals, not its internal state or ledger entry. */
export function settlementResource(s: Settlement): z.infer<typeof settlementSchema> {
  return { id: s.id, object: 'settlement', currency: s.currency as Currency, settledAt: s.settledAt!, count: s.count, gross: s.gross, fees: s.fees, refunds: s.refunds, net: s.net };
}

export function settlementListResource(settlements: readonly Settlement[], nextCursor: string | null): z.infer<typeof settlementListSchema> {
  return { data: settlements.map(settlementResource), nextCursor };
}
