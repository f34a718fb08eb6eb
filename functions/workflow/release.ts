import { releaseClaim } from '../../shared/services/pay-steps.js';
import { workflowTask } from './task.js';

export const handler = workflowTask(releaseClaim);
