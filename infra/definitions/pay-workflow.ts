/**
 * The pay workflow, risk → route → channel → commit, as Amazon States Language. One definition: CDK deploys it
 * (with `${…Arn}` substituted by DefinitionSubstitutions) and the local runtime runs the same JSON with
 * aws-local-stepfunctions, binding each Task to the same handler module.
 */
export const PAY_WORKFLOW_TASKS = {
  AssessRisk: { placeholder: 'RiskFunctionArn', entry: 'functions/workflow/risk.ts' },
  Route: { placeholder: 'RouteFunctionArn', entry: 'functions/workflow/route.ts' },
  Charge: { placeholder: 'ChargeFunctionArn', entry: 'functions/workflow/charge.ts' },
  Failover: { placeholder: 'FailoverFunctionArn', entry: 'functions/workflow/failover.ts' },
  Commit: { placeholder: 'CommitFunctionArn', entry: 'functions/workflow/commit.ts' },
  ReleaseClaim: { placeholder: 'ReleaseFunctionArn', entry: 'functions/workflow/release.ts' },
} as const;

export type PayWorkflowTask = keyof typeof PAY_WORKFLOW_TASKS;

/** Transient Lambda service errors: safe to retry because every step is idempotent for its payment id. */
const LAMBDA_TRANSIENT = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

const retry = (errors: string[] = LAMBDA_TRANSIENT) => [
  { ErrorEquals: errors, IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' },
];

const task = (name: PayWorkflowTask, extra: Record<string, unknown>) => ({
  Type: 'Task',
  Resource: `\${${PAY_WORKFLOW_TASKS[name].placeholder}}`,
  TimeoutSeconds: 20,
  ...extra,
});

export function payWorkflowDefinition(): Record<string, unknown> {
  return {
    Comment: 'Pay an order: risk -> route -> channel -> commit. The card travels sealed; the order stays PROCESSING when a channel outcome is unknown.',
    StartAt: 'AssessRisk',
    TimeoutSeconds: 60,
    States: {
      // Its output is the state with the claimed order (read with the blocklist entries) and `risk` added.
      AssessRisk: task('AssessRisk', {
        Retry: retry(),
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ReleaseClaim' }],
        Next: 'RiskGate',
      }),
      RiskGate: {
        Type: 'Choice',
        Choices: [{ Variable: '$.risk.action', StringEquals: 'block', Next: 'Commit' }],
        Default: 'Route',
      },
      Route: task('Route', {
        ResultPath: '$.route',
        Retry: retry(),
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ReleaseClaim' }],
        Next: 'ChannelGate',
      }),
      ChannelGate: {
        Type: 'Choice',
        Choices: [{ Variable: '$.route.channel', IsNull: true, Next: 'Commit' }],
        Default: 'Charge',
      },
      Charge: task('Charge', {
        ResultPath: '$.charge',
        Retry: retry(),
        Catch: [
          { ErrorEquals: ['ChannelTimeoutError'], ResultPath: '$.error', Next: 'Failover' },
          { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'OutcomeUnknown' },
        ],
        Next: 'Commit',
      }),
      Failover: task('Failover', {
        ResultPath: '$.route',
        Retry: retry(),
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'OutcomeUnknown' }],
        Next: 'ChannelGate',
      }),
      Commit: task('Commit', {
        ResultPath: '$.result',
        OutputPath: '$.result',
        Retry: retry([...LAMBDA_TRANSIENT, 'TransactionCanceledException', 'ProvisionedThroughputExceededException']),
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'OutcomeUnknown' }],
        End: true,
      }),
      ReleaseClaim: task('ReleaseClaim', {
        ResultPath: '$.result',
        Retry: retry(),
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.releaseError', Next: 'OutcomeUnknown' }],
        Next: 'ProcessingFailed',
      }),
      ProcessingFailed: {
        Type: 'Fail',
        Error: 'PaymentProcessingFailed',
        Cause: 'A step before the channel failed; the order was released to CREATED.',
      },
      OutcomeUnknown: {
        Type: 'Fail',
        Error: 'ChannelOutcomeUnknown',
        Cause: 'The channel outcome is unknown; the order stays PROCESSING until it is resolved.',
      },
    },
  };
}

/** Replaces the `${Placeholder}` ARNs, as CloudFormation's DefinitionSubstitutions does. */
export function substituteArns(definition: Record<string, unknown>, arns: Readonly<Record<string, string>>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(definition).replace(/\$\{(\w+)\}/g, (match, name: string) => arns[name] ?? match),
  ) as Record<string, unknown>;
}
