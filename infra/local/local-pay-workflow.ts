import { StateMachine } from 'aws-local-stepfunctions';
import { handler as charge } from '../../functions/workflow/charge.js';
import { handler as commit } from '../../functions/workflow/commit.js';
import { handler as failover } from '../../functions/workflow/failover.js';
import { handler as release } from '../../functions/workflow/release.js';
import { handler as risk } from '../../functions/workflow/risk.js';
import { handler as route } from '../../functions/workflow/route.js';
import type { PayWorkflow, PayWorkflowExecution, PayWorkflowInput, PayWorkflowResult } from '../../shared/ports/pay-workflow.js';
import { PAY_WORKFLOW_TASKS, payWorkflowDefinition, substituteArns, type PayWorkflowTask } from '../definitions/pay-workflow.js';

type TaskHandler = (input: never) => Promise<unknown>;

/** The same handler modules CDK deploys as the workflow's Lambda functions. */
const TASK_HANDLERS: Record<PayWorkflowTask, TaskHandler> = {
  AssessRisk: risk as TaskHandler,
  Route: route as TaskHandler,
  Charge: charge as TaskHandler,
  Failover: failover as TaskHandler,
  Commit: commit as TaskHandler,
  ReleaseClaim: release as TaskHandler,
};

/** ARN-shaped stand-ins: the library validates Task resources before anything runs. */
export function localDefinition(): Record<string, unknown> {
  const arns = Object.fromEntries(
    Object.values(PAY_WORKFLOW_TASKS).map((t) => [t.placeholder, `arn:aws:lambda:local:000000000000:function:${t.placeholder}`]),
  );
  return substituteArns(payWorkflowDefinition(), arns);
}

/**
 * Runs the pay workflow in-process with aws-local-stepfunctions. Each Task's input and output cross a JSON boundary,
 * as they do between Step Functions and Lambda, so nothing passes locally that could not pass in AWS.
 */
export class LocalPayWorkflow implements PayWorkflow {
  private readonly machine = new StateMachine(localDefinition() as never, { validationOptions: { checkPaths: true } });

  constructor(private readonly options: { retryIntervalMs?: number } = {}) {}

  async run(input: PayWorkflowInput): Promise<PayWorkflowExecution> {
    const taskResourceLocalHandlers = Object.fromEntries(
      Object.entries(TASK_HANDLERS).map(([name, fn]) => [
        name,
        async (state: unknown) => JSON.parse(JSON.stringify((await fn(JSON.parse(JSON.stringify(state)) as never)) ?? null)),
      ]),
    );
    const retryIntervalOverrides =
      this.options.retryIntervalMs === undefined
        ? undefined
        : Object.fromEntries(Object.keys(TASK_HANDLERS).map((name) => [name, this.options.retryIntervalMs!]));
    const execution = this.machine.run(JSON.parse(JSON.stringify(input)), {
      overrides: { taskResourceLocalHandlers, retryIntervalOverrides },
    });
    try {
      return { status: 'SUCCEEDED', output: (await execution.result) as unknown as PayWorkflowResult };
    } catch (error) {
      const failure = (error as { cause?: { name?: string; message?: string } }).cause ?? (error as Error);
      return { status: 'FAILED', error: failure.name ?? 'ExecutionError', cause: failure.message ?? String(error) };
    }
  }
}
