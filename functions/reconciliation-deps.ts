import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3ObjectStore } from '../shared/adapters/aws/s3-object-store.js';
import { DynamoReconciliationStore } from '../shared/adapters/dynamodb/reconciliation-store.js';
import type { Config } from '../shared/config.js';
import type { ObjectStore } from '../shared/ports/object-store.js';
import type { Deps } from '../shared/services/deps.js';
import type { ReconciliationDeps } from '../shared/services/reconciliation.js';

/**
 * The reconciliation deps of a composition root: the platform's channels (with their bills), orders and payouts, the
 * runs' table store, and where reports go. One shape for the ops function, the scheduled reconciliation function
 * (S3) and the local runtime (a folder).
 */
export function reconciliationDeps(deps: Deps, db: DynamoDBDocumentClient, tableName: string, reports: ObjectStore): ReconciliationDeps {
  return {
    channels: deps.channels,
    orders: deps.orders,
    payouts: deps.payouts,
    runs: new DynamoReconciliationStore(db, tableName),
    reports,
    now: deps.now,
  };
}

/** The reports bucket in AWS (REPORTS_BUCKET, SSE-KMS under REPORTS_KMS_KEY_ID), or undefined where none is configured. */
export function s3Reports(config: Config): ObjectStore | undefined {
  if (!config.REPORTS_BUCKET) return undefined;
  return new S3ObjectStore({ bucket: config.REPORTS_BUCKET, region: config.AWS_REGION, kmsKeyId: config.REPORTS_KMS_KEY_ID });
}
