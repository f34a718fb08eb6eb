import { confirmPaymentSchema, idParam, payOrderSchema } from '../shared/schemas/requests.js';
import { orderResource } from '../shared/schemas/resources.js';
import { confirmPayment, payOrder } from '../shared/services/payments.js';
import { parse } from './http/errors.js';
import { apiHandler } from './http/api-handler.js';
import { schedulerTimers } from './aws/scheduler-timers.js';
import { sfnPayWorkflow } from './aws/sfn-workflow.js';
import { provideAws } from './services.js';

// Only this function starts the pay workflow; it also sets the janitor's query of each attempt it claims.
provideAws({ workflow: sfnPayWorkflow, timers: schedulerTimers });

/** Pay an order, and confirm a challenged payment. */
export const handler = apiHandler({
  'POST /v1/orders/{id}/pay': async ({ body, pathParameters, merchant, deps, nonceGuard }) => {
    const orderId = parse(idParam('ord'), pathParameters.id, 'id');
    const result = await payOrder(deps, merchant, orderId, parse(payOrderSchema, body), nonceGuard);
    return { statusCode: result.statusCode, body: orderResource(result.order, deps.now()) };
  },
  'POST /v1/orders/{id}/pay/confirm': async ({ body, pathParameters, merchant, deps }) => {
    const orderId = parse(idParam('ord'), pathParameters.id, 'id');
    const { otp } = parse(confirmPaymentSchema, body);
    const result = await confirmPayment(deps, merchant, orderId, otp);
    return { statusCode: result.statusCode, body: orderResource(result.order, deps.now()) };
  },
}, { nonceWithFirstWrite: ['POST /v1/orders/{id}/pay'], channelRoutes: ['POST /v1/orders/{id}/pay/confirm'] }); // confirm calls the channel
