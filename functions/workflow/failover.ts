import { failover } from '../../shared/services/pay-steps.js';
import { kmsKeyCenter } from '../aws/kms-key-center.js';
import { getChannelDeps, provideAws } from '../services.js';
import { workflowTask } from './task.js';

// Failover cancels the timed-out attempt at its channel (whose credentials are sealed: this step opens them, and only
// them), records it and starts the next one: the store and the channels, so the composition root with channels.
provideAws({ keyCenter: kmsKeyCenter });

export const handler = workflowTask(getChannelDeps, failover);
