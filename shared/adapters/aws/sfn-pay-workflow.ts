import { StartSyncExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { PayWorkflow, PayWorkflowExecution, PayWorkflowInput, PayWorkflowResult } from '../../ports/pay-workflow.js';

/** Runs the pay workflow as a synchronous Express execution. */
export class SfnPayWorkflow implements PayWorkflow {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async run(input: PayWorkflowInput): Promise<PayWorkflowExecution> {
    const out = await this.sfn.send(
      new StartSyncExecutionCommand({
        stateMachineArn: this.stateMachineArn,
        name: input.paymentId,
        input: JSON.stringify(input),
      }),
    );
    if (out.status === 'SUCCEEDED' && out.output) {
      return { status: 'SUCCEEDED', output: JSON.parse(out.output) as PayWorkflowResult };
    }
    return { status: 'FAILED', error: out.error ?? out.status ?? 'UNKNOWN', cause: out.cause ?? '' };
  }
}
