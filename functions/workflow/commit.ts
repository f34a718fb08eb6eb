import { commitPayment } from '../../shared/services/pay-steps.js';
import { getDeps } from '../services.js';
import { workflowTask } from './task.js';

export const handler = workflowTask(getDeps, commitPayment);
