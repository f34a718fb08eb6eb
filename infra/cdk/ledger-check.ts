import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { ledgerCheckEntry, ledgerCheckSettings as settings } from '../definitions/ledger-check.js';
import { PlatformFunction } from './platform-function.js';
import type { PaymentTable } from './table.js';

export interface LedgerCheckProps {
  readonly table: PaymentTable;
  /** The platform functions' common environment (TABLE_NAME, LOG_LEVEL, …); the check reads TABLE_NAME only. */
  readonly environment: Record<string, string>;
}

/**
 * The ledger check on a schedule (docs/decisions.md, entry 143): an EventBridge rule runs the `ledger-check` function
 * every hour; it proves the books, every kept balance and the holds (the same service as the CLI) and publishes what
 * it found as metrics, which the Observability construct alarms on. The function may read the table and nothing
 * else: it writes no item, calls no channel and opens no key but the table's.
 */
export class LedgerCheck extends Construct {
  readonly checkFunction: PlatformFunction;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: LedgerCheckProps) {
    super(scope, id);
    this.checkFunction = new PlatformFunction(this, 'Function', {
      entry: ledgerCheckEntry,
      description: 'Ledger check (scheduled): the books, every kept balance, holds past their expiry',
      environment: props.environment,
      timeout: Duration.seconds(settings.timeoutSeconds),
      reservedConcurrentExecutions: settings.reservedConcurrency,
    });
    props.table.grantReadData(this.checkFunction.role);
    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs the ledger check; its metrics feed the ledger alarms',
      schedule: events.Schedule.rate(Duration.minutes(settings.everyMinutes)),
      // A run that failed is not retried by EventBridge: the next one is an hour away and checks everything again,
      // and the function's error alarm shows the failure.
      targets: [new targets.LambdaFunction(this.checkFunction.fn, { retryAttempts: 0 })],
    });
  }
}
