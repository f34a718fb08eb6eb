import { createRefundSchema, idParam } from '../shared/schemas/requests.js';
import { refundResource } from '../shared/schemas/resources.js';
import { createRefund } from '../shared/services/refunds.js';
import { parse } from './http/errors.js';
import { apiHandler } from './http/api-handler.js';
import { schedulerTimers } from './aws/scheduler-timers.js';
import { provideAws } from './services.js';

// This function sets deadlines: the janitor's query of a refund left PROCESSING (shared/services/janitor-timers.ts).
provideAws({ timers: schedulerTimers });

/** Refund an order. A repeated outRefundNo returns the existing refund with 200. */
export const handler = apiHandler({
  'POST /v1/orders/{id}/refunds': async ({ body, pathParameters, merchant, deps }) => {
    const orderId = parse(idParam('ord'), pathParameters.id, 'id');
    const { created, unknown, refund } = await createRefund(deps, merchant, orderId, parse(createRefundSchema, body));
    // 202: the channel's answer was lost; the janitor's query resolves the refund (contract, "Refunds").
    return { statusCode: unknown ? 202 : created ? 201 : 200, body: refundResource(refund) };
  },
}, { channelRoutes: ['POST /v1/orders/{id}/refunds'] }); // the refund is made at the payment's channel
