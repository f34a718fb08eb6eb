import { SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SfnPayWorkflow } from '../../shared/adapters/aws/sfn-pay-workflow.js';
import type { PayWorkflowInput } from '../../shared/ports/pay-workflow.js';

const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

const input = { paymentId: 'pay_01abc', orderId: 'ord_1', merchantId: 'm_1' } as unknown as PayWorkflowInput;

describe('Step Functions pay workflow adapter (aws-sdk-client-mock)', () => {
  it('starts a synchronous execution named after the payment id, and returns its output', async () => {
    sfn.on(StartSyncExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify({ outcome: 'succeeded' }) });
    const result = await new SfnPayWorkflow(new SFNClient({ region: 'eu-west-1' }), 'arn:sm').run(input);
    expect(result).toEqual({ status: 'SUCCEEDED', output: { outcome: 'succeeded' } });
    expect(sfn.commandCalls(StartSyncExecutionCommand)[0]!.args[0].input).toEqual({
      stateMachineArn: 'arn:sm',
      name: 'pay_01abc',
      input: JSON.stringify(input),
    });
  });

  it('maps a failed or timed-out execution to FAILED with its error and cause', async () => {
    const workflow = new SfnPayWorkflow(new SFNClient({ region: 'eu-west-1' }), 'arn:sm');
    sfn.on(StartSyncExecutionCommand).resolves({ status: 'FAILED', error: 'ChannelOutcomeUnknown', cause: 'stays PROCESSING' });
    expect(await workflow.run(input)).toEqual({ status: 'FAILED', error: 'ChannelOutcomeUnknown', cause: 'stays PROCESSING' });
    sfn.on(StartSyncExecutionCommand).resolves({ status: 'TIMED_OUT' });
    expect(await workflow.run(input)).toEqual({ status: 'FAILED', error: 'TIMED_OUT', cause: '' });
  });
});
