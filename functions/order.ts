import { captureOrderSchema, createOrderSchema, emptyBodySchema, idParam } from '../shared/schemas/requests.js';
import { orderResource } from '../shared/schemas/resources.js';
import { captureOrder, voidOrder } from '../shared/services/capture.js';
import { closeOrder, createOrder } from '../shared/services/orders.js';
import { parse } from './http/errors.js';
import { apiHandler } from './http/api-handler.js';
import { schedulerTimers } from './aws/scheduler-timers.js';
import { provideAws } from './services.js';

// This function sets deadlines: each order's expiry timer, and the janitor's query of a capture or void
// (shared/services/janitor-timers.ts).
provideAws({ timers: schedulerTimers });

/** Orders: create and close; an authorization's capture and void. */
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
  'POST /v1/orders/{id}/capture': async ({ body, pathParameters, merchant, deps }) => {
    const orderId = parse(idParam('ord'), pathParameters.id, 'id');
    const result = await captureOrder(deps, merchant, orderId, parse(captureOrderSchema, body));
    return { statusCode: result.statusCode, body: orderResource(result.order, deps.now()) };
  },
  'POST /v1/orders/{id}/void': async ({ body, pathParameters, merchant, deps }) => {
    const orderId = parse(idParam('ord'), pathParameters.id, 'id');
    parse(emptyBodySchema, body);
    const result = await voidOrder(deps, merchant, orderId);
    return { statusCode: result.statusCode, body: orderResource(result.order, deps.now()) };
  },
}, {
  nonceWithFirstWrite: ['POST /v1/orders'],
  // A close ends the payment at its channel; a capture and a void are channel flows.
  channelRoutes: ['POST /v1/orders/{id}/close', 'POST /v1/orders/{id}/capture', 'POST /v1/orders/{id}/void'],
});
