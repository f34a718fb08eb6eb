import { assertReturnUrl } from '../checkout/return-url.js';
import { ConflictError, NotFoundError, ServiceUnavailableError, ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { assertNotifyUrl } from '../domain/notify-url.js';
import { isClosing, isExpired, type Order } from '../domain/order.js';
import { CLOSABLE } from '../domain/order-state.js';
import { logger } from '../logger.js';
import type { Merchant, NonceGuard, OrderQuery } from '../ports/stores.js';
import type { CreateOrderRequest } from '../schemas/requests.js';
import type { AttemptOutcome } from '../domain/payment-outcome.js';
import type { ChannelAdapter, CloseResult, PaymentRef } from '../ports/channel-flows.js';
import { loadCustomer } from './customers.js';
import { channelOf, flowOf, type Deps } from './deps.js';
import { orderEvent } from './events.js';
import { scheduleOrderExpiry } from './janitor-timers.js';
import { claimWithAttempt, commitAttemptOutcome, transitionOrder } from './state-writer.js';

type CloseReason = NonNullable<Order['closeReason']>;

export async function createOrder(deps: Deps, merchant: Merchant, request: CreateOrderRequest, guard?: NonceGuard): Promise<Order> {
  const notifyUrl = request.notifyUrl
    ? assertNotifyUrl(request.notifyUrl, deps.settings.localMode)
    : merchant.notifyUrl;
  const returnUrl = request.returnUrl ? assertReturnUrl(request.returnUrl, deps.settings.localMode) : null;
  const customerId = await topupCustomer(deps, merchant, request);
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
    returnUrl,
    payment: null,
    lastPaymentError: null,
    createdAt: now,
    expiresAt: new Date(nowMs + request.expiresInSeconds * 1000).toISOString(),
    updatedAt: now,
    capturedAt: null,
    closedAt: null,
    closeReason: null,
    ...(customerId ? { purpose: 'topup' as const, customerId } : {}),
  };
  await deps.orders.createOrder(order, guard);
  // Set after the order exists (a timer for no order would only be dropped); a crash between the two leaves an order
  // that reads CLOSED once expired (effectiveOrder) and that pay refuses, with nothing at any channel to close.
  await scheduleOrderExpiry(deps, order);
  return order;
}

/** A top-up names a customer of this merchant, and only a top-up names one (contract, "Customers"). */
async function topupCustomer(deps: Deps, merchant: Merchant, request: CreateOrderRequest): Promise<string | null> {
  if (request.purpose !== 'topup') {
    if (request.customerId) throw new ValidationError('parameter_invalid', 'customerId is only accepted with purpose topup.', 'customerId');
    return null;
  }
  if (!request.customerId) throw new ValidationError('parameter_missing', 'customerId is required for a top-up.', 'customerId');
  return (await loadCustomer(deps, merchant.merchantId, request.customerId, 'customerId')).id;
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

/** How many times a close decides again after another request changed the order between its read and its write. */
const CLOSE_ATTEMPTS = 5;

/**
 * Closes an unpaid order; one past its expiry is closed as expired. A CREATED order has nothing at a channel: one
 * conditional write closes it. A challenged (REQUIRES_ACTION) order has an attempt open at its channel, which must be
 * cancelled there before the order may read CLOSED, and which a confirm must not capture meanwhile. So the close
 * claims it first (REQUIRES_ACTION → PROCESSING with closeReason set: a conditional write that excludes a confirm's
 * claim, and the other way round), then cancels at the channel, then commits CLOSED (docs/decisions.md, entry 44).
 */
export async function closeOrder(deps: Deps, merchantId: string, orderId: string): Promise<Order> {
  for (let attempt = 0; attempt < CLOSE_ATTEMPTS; attempt++) {
    const order = await loadOrder(deps, merchantId, orderId);
    // A close that stopped between its claim and its commit (channel error, crash): finish it.
    if (isClosing(order)) return finishClose(deps, order);
    if (order.status === 'CLOSED') return order;
    if (!CLOSABLE.includes(order.status)) {
      throw new ConflictError('order_not_closable', `An order in status ${order.status} cannot be closed.`);
    }
    const nowMs = deps.now();
    const reason = isExpired(order, nowMs) ? 'expired' : 'merchant';
    const closed = order.status === 'REQUIRES_ACTION'
      ? await claimForClose(deps, order, reason, nowMs)
      : await commitClose(deps, order, reason, nowMs);
    if (closed) return closed.status === 'CLOSED' ? closed : finishClose(deps, closed);
    // The order changed between the read and the write (a pay or a confirm claimed it): decide again on the new state.
  }
  throw new ConflictError('order_not_closable', 'The order kept changing while it was being closed; read it and try again.');
}

/** REQUIRES_ACTION → PROCESSING, marked as a close by its closeReason: no confirm can claim the order after this. */
async function claimForClose(deps: Deps, order: Order, reason: CloseReason, nowMs: number): Promise<Order | undefined> {
  const updatedAt = new Date(nowMs).toISOString();
  const claimed: Order = {
    ...order,
    status: 'PROCESSING',
    version: order.version + 1,
    updatedAt,
    closeReason: reason,
    payment: order.payment ? { ...order.payment, nextAction: null } : null,
  };
  return (await claimWithAttempt(deps, order, claimed)) ? claimed : undefined;
}

/**
 * Closes as expired an order whose payment is still PROCESSING past its expiry while its channel reports it waiting
 * for the payer: the pay that created it at a wallet or bank died before it stored the channel's answer, so no payer
 * ever saw its QR code or page (docs/decisions.md, entry 105). The order is marked for the close (closeReason, a
 * conditional write on its version, so a commit that lands first wins and this one reads again), then ended at the
 * channel and committed as finishClose does: CLOSED, or SUCCEEDED when the channel says the payer paid after all.
 */
export async function closeExpiredInFlight(deps: Deps, order: Order): Promise<Order> {
  if (order.status !== 'PROCESSING' || isClosing(order)) return isClosing(order) ? finishClose(deps, order) : order;
  const claimed: Order = { ...order, version: order.version + 1, updatedAt: new Date(deps.now()).toISOString(), closeReason: 'expired' };
  if (await transitionOrder(deps, { before: order, after: claimed })) return finishClose(deps, claimed);
  throw new ConflictError('order_not_closable', 'The order changed while it was being closed as expired.');
}

/**
 * Ends the claimed attempt at its channel (idempotent, so a retried close asks again harmlessly), then commits it
 * through the one commit step: CANCELLED and the order CLOSED with order.closed, or, when the channel says the payer
 * paid first, the payment's success (the order is SUCCEEDED, and the close answers 409). Exported for the janitor,
 * which finishes closes whose process died after the claim.
 */
export async function finishClose(deps: Deps, claimed: Order): Promise<Order> {
  const payment = claimed.payment;
  if (!payment) {
    const closed = await commitClose(deps, claimed, claimed.closeReason ?? 'merchant', deps.now());
    if (closed) return closed;
    return closedOrConflict(deps, claimed.id);
  }
  let outcome: AttemptOutcome = { outcome: 'cancelled', channel: payment.channel, channelPaymentId: payment.channelPaymentId };
  if (payment.channel) {
    try {
      const ended = await endAtChannel(channelOf(deps, payment.channel), { paymentId: payment.id, channelPaymentId: payment.channelPaymentId });
      if (ended.outcome === 'already_paid') {
        outcome = {
          outcome: ended.state.status === 'authorized' ? 'authorized' : 'succeeded',
          channel: payment.channel,
          channelPaymentId: ended.state.channelPaymentId ?? payment.channelPaymentId ?? payment.id,
          ...(ended.state.amount !== undefined ? { amount: ended.state.amount } : {}),
          ...(ended.state.currency ? { currency: ended.state.currency } : {}),
        };
      }
    } catch (error) {
      // The order stays claimed for the close (no confirm or pay can take it): a retry of the close, or the janitor,
      // cancels again and finishes it. It must not read CLOSED while the channel may still capture.
      logger.warn('close: the channel did not confirm the cancellation', {
        orderId: claimed.id,
        paymentId: payment.id,
        channel: payment.channel,
        error: error instanceof Error ? error.name : String(error),
      });
      throw new ServiceUnavailableError('channel_error', 'The payment channel did not confirm the cancellation; retry the close.');
    }
  }
  // A retry of this close finds the attempt already ended and gets the order back unchanged.
  const { order } = await commitAttemptOutcome(deps, { orderId: claimed.id, paymentId: payment.id, outcome });
  if (order.status === 'CLOSED') return order;
  if (order.status === 'SUCCEEDED' || order.status === 'AUTHORIZED') {
    throw new ConflictError('order_not_closable', `The payer paid before the close reached the channel; the order is ${order.status}.`);
  }
  return closedOrConflict(deps, claimed.id);
}

/**
 * Nothing may be paid on the attempt any more: a wallet or bank closes it (and may answer that the payer paid first),
 * a card channel voids it. The janitor ends a payment its channel has no record of the same way.
 */
export async function endAtChannel(channel: ChannelAdapter, ref: PaymentRef): Promise<CloseResult> {
  if (channel.closePayment) return channel.closePayment(ref);
  const state = await flowOf(channel, 'void')(ref);
  return state.status === 'succeeded' || state.status === 'authorized' ? { outcome: 'already_paid', state } : { outcome: 'closed' };
}

/** Another retry of this close committed first, or the order moved on. */
async function closedOrConflict(deps: Deps, orderId: string): Promise<Order> {
  const current = await deps.orders.getOrder(orderId);
  if (current?.status === 'CLOSED') return current;
  throw new ConflictError('order_not_closable', 'The order changed while it was being closed; read it and try again.');
}

async function commitClose(deps: Deps, order: Order, reason: CloseReason, nowMs: number): Promise<Order | undefined> {
  const now = new Date(nowMs).toISOString();
  const after: Order = {
    ...order,
    status: 'CLOSED',
    version: order.version + 1,
    updatedAt: now,
    closedAt: reason === 'expired' ? order.expiresAt : now,
    closeReason: reason,
    payment: order.payment ? { ...order.payment, nextAction: null } : null,
  };
  const committed = await transitionOrder(deps, { before: order, after, event: orderEvent('order.closed', after, nowMs) });
  return committed ? after : undefined;
}
