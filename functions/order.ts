import { createOrderSchema, emptyBodySchema, idParam } from '../shared/schemas/requests.js';
import { orderResource } from '../shared/schemas/resources.js';
import { closeOrder, createOrder } from '../shared/services/orders.js';
import { parse } from './http/errors.js';
import { apiHandler } from './http/api-handler.js';
import { schedulerTimers } from './aws/scheduler-timers.js';
import { provideAws } from './services.js';

// This function sets deadlines: each order's expiry timer (shared/services/janitor-timers.ts).
provideAws({ timers: schedulerTimers });

/** Orders: create and close. */
export const handler = apiHandler({
  'POST /v1/orders': async ({ body, merchant, deps, nonceGuard }) => {
    const order = await createOrder(deps, merchant, parse(createOrderSchema, body), nonceGuard);
    return { statusCode: 201, body: orderResource(order, deps.now(), []) };
  },
  'POST /v1/orders/{id}/close': async ({ body, pathParameters, merchant, deps }) => {
    parse(emptyBodySchema, body);
    const order = await closeOrder(deps, merchant.merchantId, parse(idParam('ord'), pathParameters.id, 'id'));
    return { statusCode: 200, body: orderResource(order, deps.now()) };
  },
}, { nonceWithFirstWrite: ['POST /v1/orders'], channelRoutes: ['POST /v1/orders/{id}/close'] }); // a close ends the payment at its channel
