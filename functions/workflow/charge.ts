import { chargeChannel } from '../../shared/services/pay-steps.js';
import { workflowTask } from './task.js';

export const handler = workflowTask(chargeChannel);
