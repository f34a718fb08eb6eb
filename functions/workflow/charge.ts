import { chargeChannel } from '../../shared/services/pay-steps.js';
import { kmsKeyCenter } from '../aws/kms-key-center.js';
import { getDeps, provideAws } from '../services.js';
import { workflowTask } from './task.js';

// The card arrives sealed: this step opens it for the channel.
provideAws({ keyCenter: kmsKeyCenter });

export const handler = workflowTask(getDeps, chargeChannel);
