import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoAuditTrail } from '../../shared/adapters/dynamodb/audit-store.js';
import { DynamoEventStore } from '../../shared/adapters/dynamodb/event-store.js';
import { DynamoMerchantDirectory } from '../../shared/adapters/dynamodb/merchant-directory.js';
import { getConfig } from '../../shared/config.js';
import type { AuditTrail } from '../../shared/ops/audit.js';
import { iamAuthenticator, type OpsAuthenticator } from '../../shared/ops/auth.js';
import type { MerchantDirectory } from '../../shared/ops/merchant-directory.js';
import type { MerchantEventListing } from '../../shared/ports/notifications.js';
import type { Deps } from '../../shared/services/deps.js';
import type { ReconciliationDeps } from '../../shared/services/reconciliation.js';
import { reconciliationDeps, s3Reports } from '../reconciliation-deps.js';
import { getChannelDeps, getDeps } from '../services.js';

/** What the operations API's actions use: the platform's services plus the back office's own stores. */
export interface OpsDeps {
  readonly deps: Deps;
  readonly audit: AuditTrail;
  readonly events: MerchantEventListing;
  readonly merchants: MerchantDirectory;
  readonly authenticate: OpsAuthenticator;
  /**
   * Reconciliation runs and their reports (shared/services/reconciliation.ts). Local mode keeps reports under
   * `.data/reports/`, AWS in the reports bucket (REPORTS_BUCKET); a deployment without one answers the
   * reconciliation routes 503.
   */
  readonly reconciliation?: ReconciliationDeps;
}

/**
 * The composition root of the ops function. In AWS the caller was authorized by API Gateway's IAM authorizer and
 * the stores use this container's DynamoDB client; the local runtime installs its own (bearer token from
 * `.data/ops-token`, its DynamoDB Local client) with setOpsDeps before serving.
 */
let opsDeps: Promise<OpsDeps> | undefined;

export function getOpsDeps(): Promise<OpsDeps> {
  return (opsDeps ??= compose().catch((error: unknown) => {
    opsDeps = undefined; // channel credentials not opened (KMS or DynamoDB unavailable): the next call tries again
    throw error;
  }));
}

async function compose(): Promise<OpsDeps> {
  const config = getConfig();
  const db = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION });
  const reports = s3Reports(config);
  // Reconciliation fetches bills and queries items at the channels: with a reports bucket, the channels' deps.
  const deps = reports ? await getChannelDeps() : getDeps();
  return {
    deps,
    audit: new DynamoAuditTrail(db, config.TABLE_NAME),
    events: new DynamoEventStore(db, config.TABLE_NAME),
    merchants: new DynamoMerchantDirectory(db, config.TABLE_NAME),
    authenticate: iamAuthenticator,
    ...(reports ? { reconciliation: reconciliationDeps(deps, db, config.TABLE_NAME, reports) } : {}),
  };
}

export function setOpsDeps(value: OpsDeps): void {
  opsDeps = Promise.resolve(value);
}
