import { routePayment } from '../../shared/services/pay-steps.js';
import { getRoutingDeps } from '../routing.js';
import { workflowTask } from './task.js';

export const handler = workflowTask(getRoutingDeps, routePayment);
