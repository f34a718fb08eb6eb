import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { tableDefinition, type TableDefinition } from '../definitions/table.js';

export interface PaymentTableProps {
  /**
   * The key the table is encrypted with at rest. Default a customer-managed key of the table's own, never the key
   * center's sealing key: every table grant carries kms:Decrypt on the table's key (DynamoDB decrypts items on the
   * caller's behalf), and that must not open merchant secrets, cards or channel credentials too (decisions, entry 94).
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Regions that hold a replica (a global table). Default none. Replication is asynchronous (last writer wins,
   * typically under a second): conditional writes and transactions are only safe within one region, so a merchant
   * is pinned to its home region and replicas serve reads and disaster recovery, not concurrent writes.
   */
  readonly replicaRegions?: readonly string[];
  /** For each replica region, the ARN of the KMS key that encrypts the replica (KMS keys are regional). */
  readonly replicaKeyArns?: Readonly<Record<string, string>>;
  /** Default RETAIN, with deletion protection: money data never leaves with a stack. */
  readonly removalPolicy?: RemovalPolicy;
  readonly definition?: TableDefinition;
}

const stringAttribute = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });

/** The single table, rendered from the same definition the local runtime creates in DynamoDB Local. */
export class PaymentTable extends Construct {
  readonly table: dynamodb.TableV2;
  /** The table's encryption at rest, and nothing else. */
  readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: PaymentTableProps = {}) {
    super(scope, id);
    const def = props.definition ?? tableDefinition;
    const replicaRegions = props.replicaRegions ?? [];
    const missingKeys = replicaRegions.filter((region) => !props.replicaKeyArns?.[region]);
    if (missingKeys.length > 0) {
      throw new Error(`replicaKeyArns must name a KMS key for every replica region; missing: ${missingKeys.join(', ')}`);
    }
    // Retained with the table (a deleted key makes the table unreadable); 30-day deletion window, yearly rotation.
    this.encryptionKey =
      props.encryptionKey ??
      new kms.Key(this, 'TableKey', {
        description: 'Payment platform: table encryption at rest (only DynamoDB uses it, on the callers\' behalf)',
        enableKeyRotation: true,
        rotationPeriod: Duration.days(365),
        pendingWindow: Duration.days(30),
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: stringAttribute(def.partitionKey),
      sortKey: stringAttribute(def.sortKey),
      globalSecondaryIndexes: def.globalSecondaryIndexes.map((gsi) => ({
        indexName: gsi.indexName,
        partitionKey: stringAttribute(gsi.partitionKey),
        sortKey: stringAttribute(gsi.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      })),
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(this.encryptionKey, { ...props.replicaKeyArns }),
      dynamoStream: dynamodb.StreamViewType[def.streamViewType],
      timeToLiveAttribute: def.ttlAttribute,
      replicas: replicaRegions.map((region) => ({ region })),
    });
  }

  /** Items and indexes, read only (and the table key, to decrypt them). */
  grantReadData(role: iam.Role): void {
    this.table.grantReadData(role);
    this.acknowledgeGrant(role);
  }

  /** Items and indexes, read and write (and the table key). No table management, no `dynamodb:*`. */
  grantReadWriteData(role: iam.Role): void {
    this.table.grantReadWriteData(role);
    this.acknowledgeGrant(role);
  }

  /**
   * The route step's one write: a probe's claim on a channel's circuit item (a conditional PutItem), limited by
   * dynamodb:LeadingKeys to the channel health partitions, so it can change nothing else in the table.
   */
  grantChannelHealthWrites(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CHANNELHEALTH#*'] } },
      }),
    );
    this.encryptionKey.grantEncrypt(role);
    this.acknowledgeGrant(role);
  }

  /** The wildcards a DynamoDB data grant carries, and why each is the narrowest there is. */
  private acknowledgeGrant(role: iam.Role): void {
    const tableId = Stack.of(this).getLogicalId(this.table.node.defaultChild as CfnElement);
    const acknowledge = (id: string, reason: string) => Validations.of(role).acknowledge({ id, reason });
    acknowledge(
      `AwsSolutions-IAM5[Resource::<${tableId}.Arn>/index/*]`,
      'The grant covers the GSIs of this one table (orders by merchant and time, by status), never another table.',
    );
    acknowledge(
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      "DynamoDB encrypts items under the table key on the caller's behalf; the grant names that one key only.",
    );
    acknowledge(
      'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
      "DynamoDB re-encrypts items under the table key on the caller's behalf; the grant names that one key only.",
    );
  }
}
