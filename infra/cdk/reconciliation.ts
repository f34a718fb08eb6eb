import { Duration, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { reconciledChannels, reconciliationEntry, reconciliationSettings as settings } from '../definitions/reconciliation.js';
import type { KeyCenter } from './key-center.js';
import { scheduleDeadLetterQueue } from './dead-letter-queue.js';
import { PlatformFunction } from './platform-function.js';
import type { PaymentTable } from './table.js';

export interface ReconciliationProps {
  readonly table: PaymentTable;
  readonly keyCenter: KeyCenter;
  /** The platform functions' common environment (TABLE_NAME, KMS key ids, LOG_LEVEL, …). */
  readonly environment: Record<string, string>;
  /** The credentialed channels of this deployment and their base URLs (CHANNEL_BASE_URLS): one daily run each. */
  readonly channelBaseUrls: Readonly<Record<string, string>>;
}

/**
 * Reconciliation in AWS (docs/decisions.md, entries 188-192): the reports bucket (private, TLS only, versioned,
 * SSE-KMS under a key of its own, access-logged, kept for the record-keeping period), and the reconciliation function
 * run once a day per channel by an EventBridge rule for the channel's previous day, retried, then dead-lettered
 * (alarmed). The function reads the table and puts one run summary, puts reports in the bucket, and opens the
 * channels' sealed credentials (the bill download and the query of an unmatched item are signed calls).
 */
export class Reconciliation extends Construct {
  readonly reportsKey: kms.Key;
  readonly reportsBucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  readonly reconciliationFunction: PlatformFunction;
  readonly schedules: Readonly<Record<string, events.Rule>>;
  readonly deadLetterQueue: sqs.Queue;
  /** The channels that run daily. */
  readonly channels: readonly string[];
  /** REPORTS_BUCKET and REPORTS_KMS_KEY_ID, for every function that runs or reads reconciliations. */
  readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: ReconciliationProps) {
    super(scope, id);
    // A key of its own: reading reports needs this key, not the table's or the key center's, and vice versa.
    this.reportsKey = new kms.Key(this, 'ReportsKey', {
      description: 'Payment platform: reconciliation reports at rest (S3 SSE-KMS)',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Server access logs cannot be delivered to an SSE-KMS bucket: an S3-managed-encrypted bucket of their own.
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // S3's log delivery writes with the bucket ACL this CDK version grants it (LogDeliveryWrite): object writer.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(400) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket holds the reports bucket\'s server access logs; logging it into itself would loop.',
    });
    this.reportsBucket = new s3.Bucket(this, 'Reports', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.reportsKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'reports/',
      lifecycleRules: [
        {
          transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(settings.infrequentAccessAfterDays) }],
          expiration: Duration.days(settings.retentionDays),
          noncurrentVersionExpiration: Duration.days(settings.noncurrentVersionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.environment = { REPORTS_BUCKET: this.reportsBucket.bucketName, REPORTS_KMS_KEY_ID: this.reportsKey.keyArn };

    this.channels = reconciledChannels(props.channelBaseUrls);
    this.reconciliationFunction = new PlatformFunction(this, 'Function', {
      entry: reconciliationEntry,
      description: 'Reconciliation (scheduled, daily per channel): the channel\'s bill against the platform\'s records, a report in S3',
      environment: { ...props.environment, ...this.environment, CHANNEL_BASE_URLS: JSON.stringify(props.channelBaseUrls) },
      timeout: Duration.seconds(settings.timeoutSeconds),
    });
    const role = this.reconciliationFunction.role;
    props.table.grantReadData(role);
    props.table.table.grant(role, 'dynamodb:PutItem'); // the run's summary; nothing else on the platform changes
    props.table.encryptionKey.grant(role, 'kms:Encrypt', 'kms:GenerateDataKey*');
    props.keyCenter.grantOpenChannelCredentials(this.reconciliationFunction.fn);
    this.grantWriteReports(role);

    this.deadLetterQueue = scheduleDeadLetterQueue(
      this,
      'DeadLetters',
      "This queue is itself the reconciliation schedules' dead-letter queue: a message in it is alarmed on, and names the channel to run again.",
    );
    const schedules: Record<string, events.Rule> = {};
    for (const channel of this.channels) {
      schedules[channel] = new events.Rule(this, `Schedule-${channel}`, {
        description: `Reconciles ${channel}'s previous business day once a day`,
        schedule: events.Schedule.cron(settings.cron),
        targets: [
          new targets.LambdaFunction(this.reconciliationFunction.fn, {
            event: events.RuleTargetInput.fromObject({ channel }),
            retryAttempts: settings.retryAttempts,
            deadLetterQueue: this.deadLetterQueue,
          }),
        ],
      });
    }
    this.schedules = schedules;
  }

  /** Put reports (SSE-KMS under the reports key): the reconciliation function, and the ops function's runs. */
  grantWriteReports(role: iam.Role): void {
    this.reportsBucket.grantPut(role);
    acknowledgeBucketGrant(role, this);
  }

  /** Read reports: the ops function's GET /ops/v1/reconciliations/{id}. */
  grantReadReports(role: iam.Role): void {
    this.reportsBucket.grantRead(role);
    acknowledgeBucketGrant(role, this);
  }
}

function acknowledgeBucketGrant(role: iam.Role, owner: Reconciliation): void {
  const acknowledge = (id: string, reason: string) => Validations.of(role).acknowledge({ id, reason });
  const bucketId = Stack.of(owner).getLogicalId(owner.reportsBucket.node.defaultChild as CfnElement);
  acknowledge(`AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`, 'Reports are objects under the reports bucket, one key per run: the grant names that bucket only.');
  acknowledge('AwsSolutions-IAM5[Action::s3:Abort*]', 'The S3 put grant: abort an upload of its own; the grant names the reports bucket only.');
  acknowledge('AwsSolutions-IAM5[Action::s3:GetObject*]', 'The S3 read grant: the object and its metadata; the grant names the reports bucket only.');
  acknowledge('AwsSolutions-IAM5[Action::s3:GetBucket*]', 'The S3 read grant: the bucket\'s location and settings; the reports bucket only.');
  acknowledge('AwsSolutions-IAM5[Action::s3:List*]', 'The S3 read grant: list the reports bucket (a missing report reads as 404, not 403); the reports bucket only.');
  acknowledge('AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', 'S3 encrypts each report under the reports key on the caller\'s behalf; the grant names that one key only.');
  acknowledge('AwsSolutions-IAM5[Action::kms:ReEncrypt*]', 'S3 re-encrypts under the reports key on the caller\'s behalf; the grant names that one key only.');
}
