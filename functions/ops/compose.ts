import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoAuditTrail } from '../../shared/adapters/dynamodb/audit-store.js';
import { DynamoEventStore } from '../../shared/adapters/dynamodb/event-store.js';
import { DynamoMerchantDirectory } from '../../shared/adapters/dynamodb/merchant-directory.js';
import { getConfig, type Config } from '../../shared/config.js';
import { RATE_LIMIT_WINDOW_SECONDS } from '../../shared/domain/rate-limits.js';
import type { AuditTrail } from '../../shared/ops/audit.js';
import { iamAuthenticator, type OpsAuthenticator } from '../../shared/ops/auth.js';
import type { MerchantDirectory } from '../../shared/ops/merchant-directory.js';
import type { MerchantEventListing } from '../../shared/ports/notifications.js';
import type { Deps } from '../../shared/services/deps.js';
import type { RateLimitDeps } from '../../shared/services/rate-limits.js';
import type { ReconciliationDeps } from '../../shared/services/reconciliation.js';
import { DynamoRateLimitStore } from '../../shared/adapters/dynamodb/rate-limit-store.js';
import { WafRuleSink, wafHttpCall, webAclOf } from '../../shared/adapters/aws/waf-rule-sink.js';
import { getDeps } from '../services.js';

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
  /**
   * Per-merchant rate limits: the overrides in the table, enforced by the stack's web ACL in AWS (RATE_LIMIT_WEB_ACL_ARN)
   * and by the local gateway locally; without either the rate limit routes answer 503.
   */
  readonly rateLimits?: RateLimitDeps;
}

/**
 * How a function that serves reconciliation composes it: the platform's deps with the channels opened, and the
 * reconciliation deps. Registered by functions/ops-reconciliations.ts only (decisions, 197), so the ops function's
 * bundle carries no S3 client and it never opens channel credentials.
 */
export type ReconciliationComposer = (config: Config, db: DynamoDBDocumentClient) => Promise<{ deps: Deps; reconciliation: ReconciliationDeps } | undefined>;

let composeReconciliation: ReconciliationComposer | undefined;

export function provideReconciliation(composer: ReconciliationComposer): void {
  composeReconciliation = composer;
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
  const withReconciliation = await composeReconciliation?.(config, db);
  const deps = withReconciliation?.deps ?? getDeps();
  return {
    deps,
    audit: new DynamoAuditTrail(db, config.TABLE_NAME),
    events: new DynamoEventStore(db, config.TABLE_NAME),
    merchants: new DynamoMerchantDirectory(db, config.TABLE_NAME),
    authenticate: iamAuthenticator,
    ...(config.RATE_LIMIT_WEB_ACL_ARN ? { rateLimits: wafRateLimits(config, config.RATE_LIMIT_WEB_ACL_ARN, db) } : {}),
    ...(withReconciliation ? { reconciliation: withReconciliation.reconciliation } : {}),
  };
}

function wafRateLimits(config: Config, webAclArn: string, db: DynamoDBDocumentClient): RateLimitDeps {
  const call = wafHttpCall({ region: webAclOf(webAclArn).region });
  return { store: new DynamoRateLimitStore(db, config.TABLE_NAME), sink: new WafRuleSink(webAclArn, call), windowSeconds: RATE_LIMIT_WINDOW_SECONDS };
}

export function setOpsDeps(value: OpsDeps): void {
  opsDeps = Promise.resolve(value);
}
