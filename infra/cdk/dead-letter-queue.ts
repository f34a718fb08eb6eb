import { Duration, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * The dead-letter queue of a scheduled function's EventBridge target (settlement, reconciliation): SQS-managed
 * encryption, TLS only, 14 days to look at a failed run. It has no dead-letter queue of its own (cdk-nag SQS3): a
 * message in it is alarmed on by Observability, and `reason` says what re-drives it.
 */
export function scheduleDeadLetterQueue(scope: Construct, id: string, reason: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason });
  return queue;
}
