import { createRefundSchema, idParam } from '../shared/schemas/requests.js';
import { refundResource } from '../shared/schemas/resources.js';
import { createRefund } from '../shared/services/refunds.js';
import { parse } from './http/errors.js';
import { apiHandler } from './http/api-handler.js';

/** Refund an order. A repeated outRefundNo returns the existing refund with 200. */
export const handler = apiHandler({
  'POST /v1/orders/{id}/refunds': async ({ body, pathParameters, merchant, deps }) => {
    const orderId = parse(idParam('ord'), pathParameters.id, 'id');
    const { created, refund } = await createRefund(deps, merchant, orderId, parse(createRefundSchema, body));
    return { statusCode: created ? 201 : 200, body: refundResource(refund) };
  },
});
