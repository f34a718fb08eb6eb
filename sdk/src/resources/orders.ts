import { PageList } from '../pagination.js';
import type { RequestOptions, Transport } from '../transport.js';
import type { CaptureOrderRequest, ConfirmPaymentRequest, CreateOrderRequest, Order, OrderList, OrderListQuery, PayOrderRequest } from '../types.generated.js';

/** Filters of `orders.list`; `outTradeNo` is a lookup of its own (`retrieveByOutTradeNo`), not a filter. */
export type OrderListParams = Omit<OrderListQuery, 'outTradeNo'>;

const orderPath = (id: string, action = '') => `/v1/orders/${encodeURIComponent(id)}${action}`;

/** `client.orders`: create, read, list, pay, confirm a challenge, capture or void an authorization, close. */
export class Orders {
  constructor(private readonly transport: Transport) {}

  /** POST /v1/orders → 201 Order (status CREATED). 409 `duplicate_out_trade_no` names the existing order. */
  create(params: CreateOrderRequest, options?: RequestOptions): Promise<Order> {
    return this.transport.request({ method: 'POST', path: '/v1/orders', body: params }, options);
  }

  /** GET /v1/orders/{id} → the Order with its refunds. */
  retrieve(orderId: string, options?: RequestOptions): Promise<Order> {
    return this.transport.request({ method: 'GET', path: orderPath(orderId) }, options);
  }

  /** GET /v1/orders?outTradeNo=… → the Order with that merchant reference. */
  retrieveByOutTradeNo(outTradeNo: string, options?: RequestOptions): Promise<Order> {
    return this.transport.request({ method: 'GET', path: '/v1/orders', query: { outTradeNo } }, options);
  }

  /** GET /v1/orders, newest first: await it for one page, or `for await` over every order of every page. */
  list(params: OrderListParams = {}, options?: RequestOptions): PageList<Order> {
    return new PageList<Order>(
      (cursor) => this.transport.request<OrderList>({ method: 'GET', path: '/v1/orders', query: { ...params, cursor } }, options),
      params.cursor,
    );
  }

  /** POST /v1/orders/{id}/pay → the Order (SUCCEEDED, AUTHORIZED, REQUIRES_ACTION, or PROCESSING); 402 PaymentError when declined. */
  pay(orderId: string, params: PayOrderRequest, options?: RequestOptions): Promise<Order> {
    return this.transport.request({ method: 'POST', path: orderPath(orderId, '/pay'), body: params }, options);
  }

  /** POST /v1/orders/{id}/pay/confirm with the payer's one-time password → the Order. */
  confirm(orderId: string, params: ConfirmPaymentRequest, options?: RequestOptions): Promise<Order> {
    return this.transport.request({ method: 'POST', path: orderPath(orderId, '/pay/confirm'), body: params }, options);
  }

  /**
   * POST /v1/orders/{id}/capture → the Order, SUCCEEDED with `amountCaptured` (all of `payment.amountAuthorized`
   * without an amount); the rest of the hold is released. 422 `capture_exceeds_authorized`, 409
   * `order_not_capturable` / `authorization_expired`; 202 PROCESSING when the channel's answer is not known yet.
   */
  capture(orderId: string, params: CaptureOrderRequest = {}, options?: RequestOptions): Promise<Order> {
    return this.transport.request({ method: 'POST', path: orderPath(orderId, '/capture'), body: params }, options);
  }

  /** POST /v1/orders/{id}/void → the Order, CLOSED (`closeReason: 'voided'`); 409 `order_not_voidable` unless AUTHORIZED. */
  void(orderId: string, options?: RequestOptions): Promise<Order> {
    return this.transport.request({ method: 'POST', path: orderPath(orderId, '/void'), body: {} }, options);
  }

  /** POST /v1/orders/{id}/close → the Order, CLOSED; 409 `order_not_closable` once it is paid. */
  close(orderId: string, options?: RequestOptions): Promise<Order> {
    return this.transport.request({ method: 'POST', path: orderPath(orderId, '/close'), body: {} }, options);
  }
}
