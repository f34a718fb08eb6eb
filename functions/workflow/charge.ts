import { chargeChannel } from '../../shared/services/pay-steps.js';
import { kmsKeyCenter } from '../aws/kms-key-center.js';
import { getChannelDeps, provideAws } from '../services.js';
import { workflowTask } from './task.js';

// The card arrives sealed: this step opens it for the channel; the channels' own credentials are sealed too.
provideAws({ keyCenter: kmsKeyCenter });

export const handler = workflowTask(getChannelDeps, chargeChannel);
