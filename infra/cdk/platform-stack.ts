import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { CHANNEL_CATALOG } from '../../shared/channels/catalog.js';
import { apiFunctionEntries, type ApiFunctionName } from '../definitions/routes.js';
import { PaymentApi } from './api.js';
import { KeyCenter } from './key-center.js';
import { LedgerCheck } from './ledger-check.js';
import { Settlement } from './settlement.js';
import { Reconciliation } from './reconciliation.js';
import { Notifications } from './notifications.js';
import { Observability, type AlarmThresholds } from './observability.js';
import { PayWorkflow } from './pay-workflow.js';
import { PlatformFunction } from './platform-function.js';
import { MerchantRateLimits } from './rate-limits.js';
import { PaymentTable } from './table.js';
import { Timers } from './timers.js';

export interface PaymentPlatformStackProps extends StackProps {
  /** Global-table replicas of the payment table (see PaymentTable). Default none. */
  readonly replicaRegions?: readonly string[];
  readonly replicaKeyArns?: Readonly<Record<string, string>>;
  readonly alarmEmail?: string;
  readonly alarmThresholds?: Partial<AlarmThresholds>;
  readonly domain?: { readonly domainName: string; readonly certificate: acm.ICertificate };
  /** Default `info`. */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /**
   * Each credentialed channel this deployment runs, by id, and its API base URL (CHANNEL_BASE_URLS). A channel is on
   * when it is listed here and its credentials are stored (sealed) in the table. Default none.
   */
  readonly channelBaseUrls?: Readonly<Record<string, string>>;
}

/** API Gateway's integration timeout: the ops function may use all of it (decisions, 183). */
export const OPS_TIMEOUT_SECONDS = 29;

/**
 * What each API function may do beyond reading and writing the table and opening merchant secrets. `channels`: it
 * calls payment channels, so it gets CHANNEL_BASE_URLS and opens the channels' sealed credentials (a signed function
 * with the merchant-secret grant already may; an unsigned one gets the channel-credentials grant alone).
 */
const API_ACCESS: Readonly<Record<ApiFunctionName, { seal?: boolean; fingerprint?: boolean; startPay?: boolean; timers?: boolean; notify?: boolean; unsigned?: boolean; channels?: boolean; timeoutSeconds?: number }>> = {
  order: { timers: true, channels: true }, // sets each order's expiry timer; a close ends the payment at its channel
  pay: { seal: true, fingerprint: true, startPay: true, timers: true, channels: true }, // seals the card, fingerprints it, runs the workflow, sets the janitor's query; confirm calls the channel
  refund: { timers: true, channels: true }, // refunds at the channel; sets the janitor's query of a refund left PROCESSING
  query: {}, // reads only: never asks a channel
  events: { notify: true }, // reads delivery history, queues redeliveries, signs test pings, publishes public keys
  checkout: { unsigned: true, channels: true, timers: true }, // payers' pages: no merchant secret to open; the OTP form confirms at the channel (a payment's query, a given-up signing's revocation)
  callbacks: { unsigned: true, channels: true, timers: true }, // channels' callbacks: opens only the channel credentials; refunds late successes; a payout notice removes the payout's query timer
  customers: {}, // customers and their balances' movements: the table only, never a channel
  // A day's statement, streamed as the ledger index is read: a million rows is ~130 MB at API Gateway's 2 MB/s past
  // the first 10 MB, so minutes, not the 10 s of a buffered answer (decisions, entry 180). Reads the table only.
  statements: { timeoutSeconds: 300 },
  // The operations API: IAM-authorized by API Gateway; reads the table, appends its audit trail; a settlement run
  // (POST /ops/v1/settlements) may use all of API Gateway's 29 s (decisions, 183). It seals a new merchant's secret and
  // a rotated one, but never opens one, and arms a new merchant's janitor sweep (decisions, 235).
  ops: { unsigned: true, seal: true, timers: true, timeoutSeconds: OPS_TIMEOUT_SECONDS },
  // The operations API's reconciliation routes: fetch bills and query items at the channels, keep reports in the
  // reports bucket (decisions, 197).
  reconciliations: { unsigned: true, channels: true, timeoutSeconds: OPS_TIMEOUT_SECONDS },
  payouts: { seal: true, fingerprint: true, channels: true, timers: true }, // seals the account number, digests the terms (keyed), sends the transfer to the bank, sets the payout's query before the send
  agreements: { fingerprint: true, channels: true, timers: true }, // fingerprints the card for the blocklist; signs (tokenizes), confirms and revokes agreements at the card acquirers; sets the retry of a revocation the channel has not confirmed, and each new agreement's signing deadline (agreement.query)
};

/**
 * The payment platform in one region. It only composes the constructs; each owns its resources and its grants.
 */
export class PaymentPlatformStack extends Stack {
  readonly keyCenter: KeyCenter;
  readonly table: PaymentTable;
  readonly payWorkflow: PayWorkflow;
  readonly notifications: Notifications;
  readonly timers: Timers;
  readonly api: PaymentApi;
  readonly apiFunctions: Readonly<Record<ApiFunctionName, PlatformFunction>>;
  readonly observability: Observability;
  readonly ledgerCheck: LedgerCheck;
  readonly settlement: Settlement;
  readonly reconciliation: Reconciliation;
  readonly rateLimits: MerchantRateLimits;

  constructor(scope: Construct, id: string, props: PaymentPlatformStackProps = {}) {
    super(scope, id, props);
    this.keyCenter = new KeyCenter(this, 'KeyCenter');
    // Encrypted with a key of its own, not the key center's sealing key (decisions, entry 94).
    this.table = new PaymentTable(this, 'Data', {
      replicaRegions: props.replicaRegions,
      replicaKeyArns: props.replicaKeyArns,
    });
    const table = this.table.table;
    const environment = {
      TABLE_NAME: table.tableName,
      KMS_DATA_KEY_ID: this.keyCenter.dataKey.keyArn,
      KMS_FINGERPRINT_KEY_ID: this.keyCenter.fingerprintKey.keyArn,
      LOG_LEVEL: props.logLevel ?? 'info',
    };
    // The functions that call channels, and the route step, read which channels run and where from one setting.
    const channelEnvironment = { CHANNEL_BASE_URLS: JSON.stringify(props.channelBaseUrls ?? {}) };

    // Reconciliation: the reports bucket and the daily runs per channel (decisions, entries 188-192); the ops function
    // runs and reads reconciliations too, so the bucket exists before the API functions.
    this.reconciliation = new Reconciliation(this, 'Reconciliation', {
      table: this.table,
      keyCenter: this.keyCenter,
      environment,
      channelBaseUrls: props.channelBaseUrls ?? {},
    });

    this.payWorkflow = new PayWorkflow(this, 'PayWorkflow', { table: this.table, keyCenter: this.keyCenter, environment, channelEnvironment });
    this.notifications = new Notifications(this, 'Notifications', { table: this.table, keyCenter: this.keyCenter, environment });
    this.timers = new Timers(this, 'Timers', { environment: { ...environment, ...channelEnvironment } });
    // The janitor's handlers read and commit orders, attempts and refunds, and query, close and refund at channels.
    this.table.grantReadWriteData(this.timers.timerFunction.role);
    this.keyCenter.grantOpenChannelCredentials(this.timers.timerFunction.fn);
    this.keyCenter.grantOpenPayoutAccounts(this.timers.timerFunction.fn); // a payout's query sends again what the bank never got

    const apiFunctions = {} as Record<ApiFunctionName, PlatformFunction>;
    for (const [name, entry] of Object.entries(apiFunctionEntries) as [ApiFunctionName, string][]) {
      const access = API_ACCESS[name];
      const fn = new PlatformFunction(this, `Api-${name}`, {
        entry,
        description: name === 'ops' ? 'Operations API (IAM-authorized)' : name === 'reconciliations' ? 'Operations API: reconciliation (IAM-authorized)' : access.unsigned ? `Public pages: ${name}` : `Merchant API: ${name}`,
        ...(access.timeoutSeconds ? { timeout: Duration.seconds(access.timeoutSeconds) } : {}),
        environment: {
          ...environment,
          ...(access.startPay ? { PAY_WORKFLOW_ARN: this.payWorkflow.stateMachine.stateMachineArn } : {}),
          ...(access.notify ? this.notifications.environment : {}),
          ...(access.timers ? this.timers.environment : {}),
          ...(access.channels ? channelEnvironment : {}),
          ...(name === 'reconciliations' ? this.reconciliation.environment : {}),
        },
      });
      this.table.grantReadWriteData(fn.role); // every call writes its nonce; POSTs their idempotency record
      if (!access.unsigned) this.keyCenter.grantOpen(fn.fn); // merchant secrets, to verify signatures (and channel credentials)
      if (access.channels && access.unsigned) this.keyCenter.grantOpenChannelCredentials(fn.fn);
      if (access.seal) this.keyCenter.grantSeal(fn.fn);
      if (access.fingerprint) this.keyCenter.grantFingerprint(fn.fn);
      if (access.startPay) this.payWorkflow.grantStart(fn.fn);
      if (access.timers) this.timers.grantSchedule(fn.role); // the functions that set deadlines, and only those
      if (access.notify) {
        this.notifications.grantRedeliver(fn.fn);
        this.keyCenter.grantSign(fn.fn);
      }
      if (name === 'reconciliations') {
        this.reconciliation.grantWriteReports(fn.role); // POST /ops/v1/reconciliations stores its report
        this.reconciliation.grantReadReports(fn.role); // GET /ops/v1/reconciliations/{id} reads it back
      }
      apiFunctions[name] = fn;
    }
    this.apiFunctions = apiFunctions;

    // Per-merchant rate limits: the stack's web ACL in front of the stage; the ops function applies overrides to it.
    this.rateLimits = new MerchantRateLimits(this, 'RateLimits');
    apiFunctions.ops.fn.addEnvironment('RATE_LIMIT_WEB_ACL_ARN', this.rateLimits.webAcl.attrArn);
    this.rateLimits.grantSync(apiFunctions.ops.role);

    this.api = new PaymentApi(this, 'Api', {
      handlers: {
        order: apiFunctions.order.fn,
        pay: apiFunctions.pay.fn,
        refund: apiFunctions.refund.fn,
        query: apiFunctions.query.fn,
        events: apiFunctions.events.fn,
        checkout: apiFunctions.checkout.fn,
        callbacks: apiFunctions.callbacks.fn,
        customers: apiFunctions.customers.fn,
        agreements: apiFunctions.agreements.fn,
        payouts: apiFunctions.payouts.fn,
        ops: apiFunctions.ops.fn,
        reconciliations: apiFunctions.reconciliations.fn,
        statements: apiFunctions.statements.fn,
      },
      domain: props.domain,
      webAclArn: this.rateLimits.webAcl.attrArn,
    });

    // Payments that need the payer link to the hosted checkout on this API. Built from the RestApi's id and the
    // stage's fixed name, not from `api.url` (the stage depends on the methods, which depend on the functions: a
    // cycle); with a custom domain, its name.
    const publicBaseUrl = props.domain
      ? `https://${props.domain.domainName}`
      : `https://${this.api.api.restApiId}.execute-api.${this.region}.${this.urlSuffix}/${PaymentApi.STAGE}`;
    // The timer function too: a refund it makes at a channel names the channel's callback URL.
    for (const fn of [...Object.values(apiFunctions), ...Object.values(this.payWorkflow.functions), this.timers.timerFunction]) {
      fn.fn.addEnvironment('PUBLIC_BASE_URL', publicBaseUrl);
    }

    const allFunctions: Record<string, lambda.IFunction> = {};
    for (const [name, fn] of Object.entries(apiFunctions)) allFunctions[`Api-${name}`] = fn.fn;
    for (const [name, fn] of Object.entries(this.payWorkflow.functions)) allFunctions[`Workflow-${name}`] = fn.fn;
    allFunctions.Relay = this.notifications.relay.fn;
    allFunctions.Notifier = this.notifications.notifier.fn;
    allFunctions.Timers = this.timers.timerFunction.fn;
    // The ledger check, hourly, read only; its findings are alarmed by Observability (decisions, entry 143).
    this.ledgerCheck = new LedgerCheck(this, 'LedgerCheck', { table: this.table, environment });
    allFunctions.LedgerCheck = this.ledgerCheck.checkFunction.fn;
    // Settlement, daily; a failed run is retried, then dead-lettered and alarmed (decisions, entries 151–153).
    this.settlement = new Settlement(this, 'Settlement', { table: this.table, environment });
    allFunctions.Settlement = this.settlement.settlementFunction.fn;
    allFunctions.Reconciliation = this.reconciliation.reconciliationFunction.fn;

    this.observability = new Observability(this, 'Observability', {
      api: this.api.api,
      functions: allFunctions,
      payWorkflow: this.payWorkflow.stateMachine,
      notificationQueue: this.notifications.queue,
      deadLetterQueues: {
        NotificationDlq: this.notifications.deadLetterQueue,
        RelayFailures: this.notifications.relayFailures,
        TimerDlq: this.timers.deadLetterQueue,
        SettlementDlq: this.settlement.deadLetterQueue,
        ReconciliationDlq: this.reconciliation.deadLetterQueue,
      },
      table,
      keyCenter: this.keyCenter,
      channels: CHANNEL_CATALOG.map((row) => row.id),
      reconciledChannels: this.reconciliation.channels,
      alarmEmail: props.alarmEmail,
      thresholds: props.alarmThresholds,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.api.url, description: 'Merchant API base URL' });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.alarmTopic.topicArn });
    new CfnOutput(this, 'DataKeyArn', { value: this.keyCenter.dataKey.keyArn, description: 'KMS_DATA_KEY_ID for npm run merchant -- --aws' });
    new CfnOutput(this, 'FingerprintKeyArn', { value: this.keyCenter.fingerprintKey.keyArn, description: 'KMS_FINGERPRINT_KEY_ID' });
    new CfnOutput(this, 'SigningKeyId', { value: this.keyCenter.signingKey.keyId, description: 'Webhook signing key (public key at GET /v1/platform/keys)' });

  }
}
