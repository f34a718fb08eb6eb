import { ValidationError } from '../shared/domain/errors.js';
import { idParam, listOrdersQuerySchema, listSettlementsQuerySchema } from '../shared/schemas/requests.js';
import { balanceResource, orderListResource, orderResource, refundResource, settlementListResource, settlementResource } from '../shared/schemas/resources.js';
import { findOrderByOutTradeNo, listOrders, loadOrder } from '../shared/services/orders.js';
import { getRefund } from '../shared/services/refunds.js';
import { getSettlement, listSettlements } from '../shared/services/settlement.js';
import { parse } from './http/errors.js';
import { apiHandler } from './http/api-handler.js';

/** Reads: one order (with its refunds), order lists, one refund, settlements, the merchant's balance. */
export const handler = apiHandler({
  'GET /v1/orders/{id}': async ({ pathParameters, merchant, deps }) => {
    const order = await loadOrder(deps, merchant.merchantId, parse(idParam('ord'), pathParameters.id, 'id'));
    return { statusCode: 200, body: orderResource(order, deps.now(), await deps.orders.listRefunds(order.id)) };
  },
  'GET /v1/orders': async ({ query, merchant, deps }) => {
    const q = parse(listOrdersQuerySchema, query);
    if (q.outTradeNo !== undefined) {
      if (Object.keys(query).length > 1) {
        throw new ValidationError('parameter_invalid', 'outTradeNo cannot be combined with other filters.', 'outTradeNo');
      }
      const order = await findOrderByOutTradeNo(deps, merchant.merchantId, q.outTradeNo);
      return { statusCode: 200, body: orderResource(order, deps.now(), await deps.orders.listRefunds(order.id)) };
    }
    const page = await listOrders(deps, { ...q, merchantId: merchant.merchantId });
    return { statusCode: 200, body: orderListResource(page.orders, page.nextCursor, deps.now()) };
  },
  'GET /v1/refunds/{id}': async ({ pathParameters, merchant, deps }) => {
    const refund = await getRefund(deps, merchant.merchantId, parse(idParam('rf'), pathParameters.id, 'id'));
    return { statusCode: 200, body: refundResource(refund) };
  },
  'GET /v1/settlements': async ({ query, merchant, deps }) => {
    const page = await listSettlements(deps, merchant.merchantId, parse(listSettlementsQuerySchema, query));
    return { statusCode: 200, body: settlementListResource(page.settlements, page.nextCursor) };
  },
  'GET /v1/settlements/{id}': async ({ pathParameters, merchant, deps }) => {
    const settlement = await getSettlement(deps, merchant.merchantId, parse(idParam('stl'), pathParameters.id, 'id'));
    return { statusCode: 200, body: settlementResource(settlement) };
  },
  'GET /v1/balance': async ({ merchant, deps }) => {
    const balances = await deps.ledger.balances(merchant.merchantId);
    return { statusCode: 200, body: balanceResource(balances.available, balances.pending) };
  },
});
