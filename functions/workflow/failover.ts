import { failover } from '../../shared/services/pay-steps.js';
import { getDeps } from '../services.js';
import { workflowTask } from './task.js';

// Failover records the cancelled attempt and starts the next one: it needs the store, so the full composition root.
export const handler = workflowTask(getDeps, failover);
