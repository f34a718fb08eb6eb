import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { settlementEntry, settlementSettings as settings } from '../definitions/settlement.js';
import { scheduleDeadLetterQueue } from './dead-letter-queue.js';
import { PlatformFunction } from './platform-function.js';
import type { PaymentTable } from './table.js';

export interface SettlementProps {
  readonly table: PaymentTable;
  /** The platform functions' common environment (TABLE_NAME, PAY_SETTLEMENT_DELAY_SECONDS, LOG_LEVEL, …). */
  readonly environment: Record<string, string>;
}

/**
 * The daily settlement run (docs/decisions.md, entries 151–153): an EventBridge rule invokes the `settlement` function
 * once a day in this region. A failed invocation is retried by EventBridge, then lands in the dead-letter queue,
 * which Observability alarms on with the function's errors; the next run finishes whatever a failed one left OPEN.
 * The function reads and writes the table only (settle items, batches, the ledger entry): no queue, no key, no channel.
 */
export class Settlement extends Construct {
  readonly settlementFunction: PlatformFunction;
  readonly schedule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: SettlementProps) {
    super(scope, id);
    this.settlementFunction = new PlatformFunction(this, 'Function', {
      entry: settlementEntry,
      description: 'Settlement (scheduled, daily): moves due payments from pending to available, one batch per merchant and currency',
      environment: props.environment,
      timeout: Duration.seconds(settings.timeoutSeconds),
    });
    props.table.grantReadWriteData(this.settlementFunction.role);
    this.deadLetterQueue = scheduleDeadLetterQueue(
      this,
      'DeadLetters',
      "This queue is itself the settlement schedule's dead-letter queue: a message in it is alarmed on, and the next run settles what the failed one left.",
    );
    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs settlement once a day: everything captured at least the settlement delay before it',
      schedule: events.Schedule.cron(settings.cron),
      targets: [
        new targets.LambdaFunction(this.settlementFunction.fn, {
          retryAttempts: settings.retryAttempts,
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });
  }
}
