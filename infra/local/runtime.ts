import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setDeps } from '../../functions/services.js';
import { setOpsDeps } from '../../functions/ops/compose.js';
import { reconciliationDeps } from '../../functions/reconciliation-deps.js';
import { FileObjectStore } from '../../shared/adapters/local/file-object-store.js';
import { DynamoAuditTrail } from '../../shared/adapters/dynamodb/audit-store.js';
import { DynamoEventStore } from '../../shared/adapters/dynamodb/event-store.js';
import { DynamoMerchantDirectory } from '../../shared/adapters/dynamodb/merchant-directory.js';
import { bearerTokenAuthenticator } from '../../shared/ops/auth.js';
import { ensureOpsToken } from './ops-token.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { FileKeyProvider } from '../../shared/adapters/local/file-key-provider.js';
import { createChannels } from '../../shared/channels/registry.js';
import { parseConfig, type Config } from '../../shared/config.js';
import { EnvelopeKeyCenter } from '../../shared/crypto/envelope-key-center.js';
import type { Deps } from '../../shared/services/deps.js';
import { createDeps } from '../../shared/services/create-deps.js';
import { createMerchant, type MerchantCredentials } from '../../shared/services/merchants.js';
import { ensureTable, localDynamoDbClient, projectRoot, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.js';
import { afterWrites } from './after-writes.js';
import { createGateway } from './gateway.js';
import { LocalRateLimiter } from './rate-limiter.js';
import { DynamoRateLimitStore } from '../../shared/adapters/dynamodb/rate-limit-store.js';
import { syncRateLimits } from '../../shared/services/rate-limits.js';
import { openSandboxChannels, sandboxChannelUrl, type SandboxChannels } from './sandbox-channels.js';
import { LocalPayWorkflow } from './local-pay-workflow.js';
import { startLocalNotifications, type LocalNotifications } from './notifications.js';
import { startLocalSettlementSchedule, type LocalSettlementSchedule } from './settlement-schedule.js';
import { startLocalTimers, type LocalTimerService } from './timers.js';

export const defaultDataDir = join(projectRoot, '.data');

export interface RuntimeOptions {
  /** Where the key files, the demo merchant and (unless inMemory) the DynamoDB files live. */
  readonly dataDir?: string;
  /** Run DynamoDB Local in memory (tests, benchmarks). */
  readonly inMemory?: boolean;
  /** Use an engine that is already running instead of starting one. */
  readonly dynamoEndpoint?: string;
  readonly tableName?: string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Create the demo merchant (and .data/demo-merchant.json) when missing. Default true. */
  readonly demoMerchant?: boolean;
  /** Shortens the workflow's Retry intervals (tests). */
  readonly retryIntervalMs?: number;
  /** Multiplies every webhook retry delay (PAY_RETRY_TIME_SCALE); default from the environment, else 1. */
  readonly retryTimeScale?: number;
  /** The pollers' first and longest idle waits (LOCAL_POLL_INTERVAL_MS, LOCAL_IDLE_POLL_MAX_MS). */
  readonly pollIntervalMs?: number;
  readonly idlePollMaxMs?: number;
  /** PAY_JANITOR_AFTER_SECONDS: the wait before the janitor's first query (tests use a second or two). */
  readonly janitorAfterSeconds?: number;
  /** PAY_AUTHORIZATION_WINDOW_SECONDS: how long an authorization is held before it is voided (tests use seconds). */
  readonly authorizationWindowSeconds?: number;
  /** PAY_AGREEMENT_SIGN_WINDOW_SECONDS: how long a PENDING agreement waits for the payer to sign (tests use seconds). */
  readonly agreementSignWindowSeconds?: number;
  /** PAY_SETTLEMENT_DELAY_SECONDS: how long after capture a payment settles (tests use a second or two). */
  readonly settlementDelaySeconds?: number;
  /** PAY_RISK_RULES_CACHE_SECONDS: how long velocity rules are cached (tests use 0: every payment reads them). */
  readonly riskRulesCacheSeconds?: number;
  /** PAY_CHANNEL_CACHE_SECONDS: how long routing uses the channel records it read (default 5; tests 0 or 1). */
  readonly channelCacheSeconds?: number;
  /** PAY_RATE_LIMIT_WINDOW_SECONDS: the merchant rate limits' rolling window (default WAF's 60 s). */
  readonly rateLimitWindowSeconds?: number;
  /**
   * The services' and the timer queue's clock (default Date.now). A test knob: a test that must see a deadline pass
   * (an order's expiry is at least 60 s away by contract) moves this clock instead of waiting or weakening validation.
   */
  readonly clock?: () => number;
  /**
   * How long the card channels wait for their acquirer before the outcome counts as unknown (default 5000 ms: the
   * sandbox acquirers answer in milliseconds when the machine is idle, but a 2-core machine running the suite and 50
   * concurrent refunds can take seconds, and an honest answer must not turn into an unknown outcome; the timeout
   * cards cost this long). Tests of the timeout cards may pass less.
   */
  readonly cardTimeoutMs?: number;
}

/** The sandbox card acquirers, whose call timeout the runtime sets (RuntimeOptions.cardTimeoutMs). */
const CARD_CHANNELS: readonly string[] = ['card_a', 'card_b'];

export interface Runtime {
  readonly url: string;
  readonly port: number;
  readonly config: Config;
  readonly deps: Deps;
  readonly dynamoEndpoint: string;
  readonly demoMerchant?: MerchantCredentials;
  /** The operations API's bearer token (`.data/ops-token`). */
  readonly opsToken: string;
  readonly notifications: LocalNotifications;
  /** Per-object timers: the durable `timers` queue and its poller (functions/timers.ts). */
  readonly timers: LocalTimerService;
  stop(): Promise<void>;
}

/**
 * The local runtime: DynamoDB Local, the table from the shared definition, the same services over the same
 * adapters (only the key center and workflow runner are local), and the HTTP gateway in front of the handlers.
 */
export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const dataDir = options.dataDir ?? defaultDataDir;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  let engine: DynamoDbLocal | undefined;
  let notifications: LocalNotifications | undefined;
  let timers: LocalTimerService | undefined;
  let settlement: LocalSettlementSchedule | undefined;
  let sandbox: SandboxChannels | undefined;
  let server: Server | undefined;
  const dynamoEndpoint =
    options.dynamoEndpoint ??
    (engine = await startDynamoDbLocal(options.inMemory ? {} : { dbPath: join(dataDir, 'dynamodb') })).endpoint;
  try {
    const config = parseConfig({
      TABLE_NAME: options.tableName,
      DYNAMODB_ENDPOINT: dynamoEndpoint,
      AWS_REGION: 'local',
      LOCAL_MODE: 'true',
      ...(options.retryTimeScale !== undefined ? { PAY_RETRY_TIME_SCALE: String(options.retryTimeScale) } : {}),
      ...(options.pollIntervalMs !== undefined ? { LOCAL_POLL_INTERVAL_MS: String(options.pollIntervalMs) } : {}),
      ...(options.idlePollMaxMs !== undefined ? { LOCAL_IDLE_POLL_MAX_MS: String(options.idlePollMaxMs) } : {}),
      ...(options.janitorAfterSeconds !== undefined ? { PAY_JANITOR_AFTER_SECONDS: String(options.janitorAfterSeconds) } : {}),
      ...(options.authorizationWindowSeconds !== undefined ? { PAY_AUTHORIZATION_WINDOW_SECONDS: String(options.authorizationWindowSeconds) } : {}),
      ...(options.agreementSignWindowSeconds !== undefined ? { PAY_AGREEMENT_SIGN_WINDOW_SECONDS: String(options.agreementSignWindowSeconds) } : {}),
      ...(options.settlementDelaySeconds !== undefined ? { PAY_SETTLEMENT_DELAY_SECONDS: String(options.settlementDelaySeconds) } : {}),
      ...(options.riskRulesCacheSeconds !== undefined ? { PAY_RISK_RULES_CACHE_SECONDS: String(options.riskRulesCacheSeconds) } : {}),
      ...(options.channelCacheSeconds !== undefined ? { PAY_CHANNEL_CACHE_SECONDS: String(options.channelCacheSeconds) } : {}),
      ...(options.rateLimitWindowSeconds !== undefined ? { PAY_RATE_LIMIT_WINDOW_SECONDS: String(options.rateLimitWindowSeconds) } : {}),
    });
    const admin = localDynamoDbClient(dynamoEndpoint);
    await ensureTable(admin, config.TABLE_NAME);
    admin.destroy();

    const keyCenter = new EnvelopeKeyCenter(new FileKeyProvider(join(dataDir, 'master.key')));
    sandbox = await openSandboxChannels({ config, dynamoEndpoint, dataDir, keyCenter });
    // The gateway listens first: every channel adapter (cards too) calls its emulator through it, so its URL is
    // part of their configuration. Requests wait for `ready` until the services below are installed.
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    // On the services' clock: a test moves it past a window instead of waiting for one.
    const rateLimiter = new LocalRateLimiter(options.clock);
    const listening = createGateway({ sandbox: sandbox.emulators, ready, rateLimiter });
    server = listening;
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(options.port ?? config.PORT, host, () => resolve());
    });
    const port = (listening.address() as AddressInfo).port;
    const url = `http://${host}:${port}`;
    const cardTimeoutMs = options.cardTimeoutMs ?? 5000;
    const channels = createChannels({
      credentials: sandbox.credentials,
      baseUrl: (channelId) => sandboxChannelUrl(url, channelId),
      timeoutMs: (channelId) => (CARD_CHANNELS.includes(channelId) ? cardTimeoutMs : undefined),
    });
    const publicBaseUrl = config.PUBLIC_BASE_URL ?? url;
    const db = createDocumentClient({ endpoint: dynamoEndpoint, region: 'local' });
    // Timers first: the services schedule through them (the poller's handlers read the services when a timer fires).
    timers = await startLocalTimers({ config, dynamoEndpoint, now: options.clock });
    const deps = createDeps({
      config,
      db,
      timers: timers.timers,
      ...(options.clock ? { now: options.clock } : {}),
      keyCenter,
      workflow: new LocalPayWorkflow({ retryIntervalMs: options.retryIntervalMs }),
      channels,
      // The hosted checkout is served by this runtime's gateway, whose port is known once it listens (below).
      publicBaseUrl: () => publicBaseUrl,
    });
    setDeps(deps);
    // The operations API: the same stores, and the bearer token in place of AWS's IAM authorizer.
    const opsToken = ensureOpsToken(dataDir);
    // Rate limit overrides reach the gateway's evaluator as they reach WAF in AWS: rendered, then applied (decisions, 227).
    const rateLimits = { store: new DynamoRateLimitStore(db, config.TABLE_NAME), sink: rateLimiter, windowSeconds: config.PAY_RATE_LIMIT_WINDOW_SECONDS };
    setOpsDeps({
      deps,
      audit: new DynamoAuditTrail(db, config.TABLE_NAME),
      events: new DynamoEventStore(db, config.TABLE_NAME),
      merchants: new DynamoMerchantDirectory(db, config.TABLE_NAME),
      authenticate: bearerTokenAuthenticator(opsToken),
      reconciliation: reconciliationDeps(deps, db, config.TABLE_NAME, new FileObjectStore(join(dataDir, 'reports'))),
      rateLimits,
    });
    // The overrides kept in the table are in force from the first request, as the web ACL's rules survive in AWS.
    await syncRateLimits(rateLimits);
    notifications = await startLocalNotifications({ config, dynamoEndpoint, dataDir });
    const started = notifications;
    if (config.LOCAL_WAKE_ON_WRITE) afterWrites(db, () => started.stream.wake());
    const demoMerchant = options.demoMerchant === false ? undefined : await ensureDemoMerchant(deps, dataDir);
    await sandbox.start();
    settlement = startLocalSettlementSchedule(config.PAY_SETTLEMENT_DELAY_SECONDS);
    markReady();
    const stateFile = join(dataDir, 'runtime.json');
    if (!options.inMemory && !options.dynamoEndpoint) {
      writeFileSync(stateFile, JSON.stringify({ pid: process.pid, url, dynamoEndpoint, tableName: config.TABLE_NAME }));
    }
    return {
      url,
      port,
      config,
      deps,
      dynamoEndpoint,
      demoMerchant,
      opsToken,
      notifications,
      timers,
      async stop() {
        listening.closeAllConnections();
        await new Promise<void>((resolve) => listening.close(() => resolve()));
        await settlement?.stop();
        await sandbox?.stop();
        await notifications?.stop();
        await timers?.stop();
        if (engine && existsSync(stateFile)) rmSync(stateFile, { force: true });
        await engine?.stop();
      },
    };
  } catch (error) {
    server?.closeAllConnections();
    server?.close();
    await sandbox?.stop();
    await notifications?.stop();
    await timers?.stop();
    await engine?.stop();
    throw error;
  }
}

/** The demo merchant survives restarts with the data; it is recreated if the data was wiped. */
async function ensureDemoMerchant(deps: Deps, dataDir: string): Promise<MerchantCredentials> {
  const file = join(dataDir, 'demo-merchant.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as MerchantCredentials;
    if (await deps.merchants.get(saved.merchantId)) return saved;
  }
  const credentials = await createMerchant(deps, { name: 'Demo merchant' });
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return credentials;
}
