import { newId } from '../domain/ids.js';
import type { Agreement } from '../domain/agreement.js';
import type { Order, Refund } from '../domain/order.js';
import type { DomainEvent } from '../ports/stores.js';
import { agreementResource } from '../schemas/agreement-resources.js';
import { orderResource, refundResource } from '../schemas/resources.js';

/** Outbox records for the contract's webhook types; the object is the public JSON after the change. */
export function orderEvent(type: string, order: Order, nowMs: number): DomainEvent {
  const createdAt = new Date(nowMs).toISOString();
  return {
    id: newId('evt', nowMs),
    type,
    merchantId: order.merchantId,
    orderId: order.id,
    objectType: 'order',
    objectId: order.id,
    objectVersion: order.version,
    object: orderResource(order, nowMs),
    notifyUrl: order.notifyUrl,
    createdAt,
  };
}

export function refundEvent(type: string, refund: Refund, notifyUrl: string | null, nowMs: number): DomainEvent {
  return {
    id: newId('evt', nowMs),
    type,
    merchantId: refund.merchantId,
    orderId: refund.orderId,
    objectType: 'refund',
    objectId: refund.id,
    objectVersion: refund.version,
    object: refundResource(refund),
    notifyUrl,
    createdAt: new Date(nowMs).toISOString(),
  };
}

/**
 * An agreement's event goes to its own notifyUrl, else the merchant's default (contract, "Notifications"); the
 * agreement id is the event's scope (`orderId`, the outbox index), as an order's id is for order events.
 */
export function agreementEvent(type: 'agreement.activated' | 'agreement.terminated', agreement: Agreement, notifyUrl: string | null, nowMs: number): DomainEvent {
  return {
    id: newId('evt', nowMs),
    type,
    merchantId: agreement.merchantId,
    orderId: agreement.id,
    objectType: 'agreement',
    objectId: agreement.id,
    objectVersion: agreement.version,
    object: agreementResource(agreement),
    notifyUrl,
    createdAt: new Date(nowMs).toISOString(),
  };
}
