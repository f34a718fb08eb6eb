import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnPayWorkflow } from '../../shared/adapters/aws/sfn-pay-workflow.js';
import { getConfig } from '../../shared/config.js';
import type { PayWorkflow } from '../../shared/ports/pay-workflow.js';

/** The pay workflow in AWS: a synchronous execution of the Express state machine. */
export function sfnPayWorkflow(): PayWorkflow {
  const config = getConfig();
  if (!config.PAY_WORKFLOW_ARN) throw new Error('PAY_WORKFLOW_ARN must be set for the pay function');
  return new SfnPayWorkflow(new SFNClient({ region: config.AWS_REGION }), config.PAY_WORKFLOW_ARN);
}
