import { ConflictError, NotFoundError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { assertNotifyUrl } from '../domain/notify-url.js';
import { effectiveOrder, type Order } from '../domain/order.js';
import { CLOSABLE, assertTransition, type OrderStatus } from '../domain/order-state.js';
import type { Merchant, NonceGuard, OrderQuery } from '../ports/stores.js';
import type { CreateOrderRequest } from '../schemas/requests.js';
import type { Deps } from './deps.js';
import { orderEvent } from './events.js';

export async function createOrder(deps: Deps, merchant: Merchant, request: CreateOrderRequest, guard?: NonceGuard): Promise<Order> {
  const notifyUrl = request.notifyUrl
    ? assertNotifyUrl(request.notifyUrl, deps.settings.localMode)
    : merchant.notifyUrl;
  const nowMs = deps.now();
  const now = new Date(nowMs).toISOString();
  const order: Order = {
    id: newId('ord', nowMs),
    merchantId: merchant.merchantId,
    outTradeNo: request.outTradeNo,
    amount: request.amount,
    currency: request.currency,
    status: 'CREATED',
    version: 1,
    amountCaptured: 0,
    amountRefunded: 0,
    refundableRemaining: 0,
    subject: request.subject,
    metadata: request.metadata,
    notifyUrl,
    payment: null,
    lastPaymentError: null,
    createdAt: now,
    expiresAt: new Date(nowMs + request.expiresInSeconds * 1000).toISOString(),
    updatedAt: now,
    capturedAt: null,
    closedAt: null,
    closeReason: null,
  };
  await deps.orders.createOrder(order, guard);
  return order;
}

/** A merchant sees only its own orders: another merchant's order is simply not found. */
export async function loadOrder(deps: Deps, merchantId: string, orderId: string): Promise<Order> {
  const order = await deps.orders.getOrder(orderId);
  if (!order || order.merchantId !== merchantId) throw new NotFoundError('order', 'id');
  return order;
}

export async function findOrderByOutTradeNo(deps: Deps, merchantId: string, outTradeNo: string): Promise<Order> {
  const orderId = await deps.orders.findOrderIdByOutTradeNo(merchantId, outTradeNo);
  if (!orderId) throw new NotFoundError('order', 'outTradeNo');
  return loadOrder(deps, merchantId, orderId);
}

export async function listOrders(deps: Deps, query: OrderQuery) {
  return deps.orders.listOrders(query);
}

/**
 * Closes an unpaid order. An order past its expiry is closed as expired. Closing an order that waits for a
 * challenge also cancels the attempt at the channel.
 */
export async function closeOrder(deps: Deps, merchantId: string, orderId: string): Promise<Order> {
  for (;;) {
    const order = await loadOrder(deps, merchantId, orderId);
    const nowMs = deps.now();
    const shown = effectiveOrder(order, nowMs);
    if (!CLOSABLE.includes(order.status as OrderStatus)) {
      if (order.status === 'CLOSED') return order;
      throw new ConflictError('order_not_closable', `An order in status ${order.status} cannot be closed.`);
    }
    assertTransition(order.status, 'CLOSED');
    const now = new Date(nowMs).toISOString();
    const after: Order = {
      ...order,
      status: 'CLOSED',
      version: order.version + 1,
      updatedAt: now,
      closedAt: shown.status === 'CLOSED' ? order.expiresAt : now,
      closeReason: shown.status === 'CLOSED' ? 'expired' : 'merchant',
      payment: order.payment ? { ...order.payment, nextAction: null } : null,
    };
    if (order.status === 'REQUIRES_ACTION' && order.payment?.channel) {
      await deps.channels.get(order.payment.channel)?.cancel(order.payment.id);
    }
    if (await deps.orders.transition({ before: order, after, event: orderEvent('order.closed', after, nowMs) })) {
      return after;
    }
    // The order changed between the read and the write (a payment claimed it): decide again on the new state.
  }
}
