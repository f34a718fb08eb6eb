import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { PAY_WORKFLOW_TASKS, payWorkflowDefinition, type PayWorkflowTask } from '../definitions/pay-workflow.js';
import type { KeyCenter } from './key-center.js';
import { PlatformFunction } from './platform-function.js';
import type { PaymentTable } from './table.js';

export interface PayWorkflowProps {
  readonly table: PaymentTable;
  readonly keyCenter: KeyCenter;
  /** Environment every task function gets (table name, key ids, log level). */
  readonly environment: Record<string, string>;
  /** CHANNEL_BASE_URLS: for the steps that call channels and the route step, which routes to the channels it names. */
  readonly channelEnvironment?: Record<string, string>;
  /** Default one month. */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * What each step may touch, and nothing more. `channels`: calls channels (CHANNEL_BASE_URLS, the channels' sealed
 * credentials); `routes`: knows which channels run (CHANNEL_BASE_URLS) without calling or opening anything.
 */
const TASK_ACCESS: Readonly<Record<PayWorkflowTask, { table?: 'read' | 'readWrite'; openSealed?: boolean; channels?: boolean; routes?: boolean; probes?: boolean }>> = {
  // The claimed order, the blocklist entries and the velocity counters in one BatchGet; the velocity rules (a GSI1
  // Query per scope, cached). Counting is the Commit step's: this one writes nothing (decisions, 217).
  AssessRisk: { table: 'read' },
  // Reads the channels' shared health (and records); its one write claims a half-open circuit's probe (decision 201).
  Route: { table: 'read', routes: true, probes: true },
  // The sealed card, opened only to hand it to the channel (the same grant opens the channel's credentials); the order
  // names the channel before it is called.
  Charge: { table: 'readWrite', openSealed: true, channels: true },
  Failover: { table: 'readWrite', channels: true }, // cancels the timed-out attempt at its channel, records it, starts the next one
  Commit: { table: 'readWrite' }, // order + ledger + outbox in one transaction
  ReleaseClaim: { table: 'readWrite' },
};

/**
 * The pay workflow as an Express state machine (synchronous, at most 5 minutes, priced per request), rendered from
 * the same ASL the local runtime runs: `${…FunctionArn}` placeholders become DefinitionSubstitutions.
 */
export class PayWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Readonly<Record<PayWorkflowTask, PlatformFunction>>;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PayWorkflowProps) {
    super(scope, id);
    const functions = {} as Record<PayWorkflowTask, PlatformFunction>;
    const substitutions: Record<string, string> = {};
    for (const [state, { placeholder, entry }] of Object.entries(PAY_WORKFLOW_TASKS) as [PayWorkflowTask, (typeof PAY_WORKFLOW_TASKS)[PayWorkflowTask]][]) {
      const access = TASK_ACCESS[state];
      const fn = new PlatformFunction(this, state, {
        entry,
        description: `Pay workflow step ${state}`,
        environment: { ...props.environment, ...(access.channels || access.routes ? props.channelEnvironment : {}) },
        timeout: Duration.seconds(15),
        logRetention: props.logRetention,
      });
      if (access.table === 'read') props.table.grantReadData(fn.role);
      if (access.table === 'readWrite') props.table.grantReadWriteData(fn.role);
      if (access.probes) props.table.grantChannelHealthWrites(fn.role);
      if (access.openSealed) props.keyCenter.grantOpen(fn.fn);
      else if (access.channels) props.keyCenter.grantOpenChannelCredentials(fn.fn);
      functions[state] = fn;
      substitutions[placeholder] = fn.fn.functionArn;
    }
    this.functions = functions;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.EXPRESS,
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(payWorkflowDefinition())),
      definitionSubstitutions: substitutions,
      tracingEnabled: true,
      // ALL for every transition; execution data stays out of the logs (payer ids, sealed card boxes).
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Log delivery (logs:CreateLogDelivery and friends) and X-Ray (xray:PutTraceSegments) support no resource-level permissions.',
    });
    // Only the functions themselves (grantInvoke would also allow every version and alias, `:*`).
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: Object.values(functions).map((f) => f.fn.functionArn) }),
    );
  }

  /** The pay API function starts synchronous executions. */
  grantStart(grantee: lambda.IFunction): void {
    this.stateMachine.grantStartSyncExecution(grantee);
  }
}
