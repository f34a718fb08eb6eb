/**
 * npm run bench: throughput and cost of the local stack, in one run of about a minute.
 *   (a) what DynamoDB Local alone sustains (conditional puts, 3-item transactions);
 *   (b) create+pay over real signed HTTP through the gateway, handlers and local workflow;
 *   (c) how many DynamoDB requests one create+pay costs, with shared channel health and velocity counting on;
 *   (d) each Lambda bundle's minified size and cold init time;
 *   (e) what an idle `npm start` costs in CPU (bench/idle.ts);
 *   (f) ledger commits for one merchant, balance sharded vs one item (bench/ledger.ts);
 *   (g) one reconciliation of a 100,000-line bill: parse and match time, peak memory (bench/reconciliation.ts);
 *   (h) one merchant's statement of a day of 100,000 movements: rows/s, heap and RSS (bench/statements.ts);
 * then checks (b) against the bound (a) and (c) imply. Prints a table, writes bench/results.json, exits 0 whatever
 * the checks say: it is a report, not a test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocal } from '../infra/local/dynamodb-local.js';
import { startRuntime, type Runtime } from '../infra/local/runtime.js';
import { setLogLevel } from '../shared/logger.js';
import { setMetricSink } from '../shared/metrics.js';
import type { Deps } from '../shared/services/deps.js';
import { createVelocityRule } from '../shared/services/velocity-rules.js';
import { ApiClient } from '../test/support/api-client.js';
import { liftRateLimit } from '../test/support/ops-client.js';
import { createPayPhase, probeCallCosts } from './create-pay.js';
import { benchBundles } from './bundles.js';
import { DEFAULT_IDLE_POLL_MAX_MS, measureIdleCpu, renderIdle } from './idle.js';
import { benchLedger, renderLedger } from './ledger.js';
import { benchReconciliation, renderReconciliationBench } from './reconciliation.js';
import { benchStatements, renderStatementBench } from './statements.js';
import { benchRawDynamoDb, type RawThroughput } from './raw-dynamodb.js';
import { computeTargets, renderReport, TRANSACT_WRITE, type BenchResults } from './report.js';
import { DynamoRequestCounter } from './request-counter.js';

/**
 * Both sides of the comparison are measured warm. Warm-ups are long on purpose: on this 2-core machine DynamoDB
 * Local's JVM and Node's JIT need 20-40 s of load to reach steady state, and a cold create+pay runs at a quarter of
 * its warm rate (a cold engine's raw transactions at about half).
 */
const SETTINGS = {
  concurrency: 16,
  rawDurationMs: 10_000,
  rawWarmupMs: 8_000,
  createPayDurationMs: 15_000,
  createPayWarmupMs: 30_000,
};
const PROBE_PAIRS = 5;
const RESULTS_FILE = join(import.meta.dirname, 'results.json');

/**
 * The runtime's DynamoDB client. Deps does not expose it, so this reads the stores' private `db` field: acceptable in
 * a benchmark, and checked, so that a store with a client of its own would fail loudly instead of going uncounted.
 */
function runtimeDocumentClient(deps: Deps): DynamoDBDocumentClient {
  const stores = [deps.orders, deps.merchants, deps.ledger, deps.blocklist, deps.idempotency, deps.nonces];
  const clients = new Set(stores.map((store) => (store as unknown as { db?: DynamoDBDocumentClient }).db));
  const [client] = clients;
  if (clients.size !== 1 || !client?.middlewareStack) {
    throw new Error('expected every DynamoDB store to share one document client in a private `db` field');
  }
  return client;
}

function perIteration(counts: Record<string, number>, iterations: number): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([name, n]) => [name, n / iterations]));
}

/**
 * (a) runs on an engine of its own, started and stopped here before the runtime starts: what it writes (tens of
 * thousands of items and stream records in another table) must not weigh on the runtime's engine during (b), and the
 * runtime's idle pollers must not weigh on (a).
 */
async function benchRaw(): Promise<RawThroughput> {
  log('(a) raw DynamoDB Local (an engine of its own, in memory)...');
  const engine = await startDynamoDbLocal({});
  try {
    return await benchRawDynamoDb(engine.endpoint, {
      concurrency: SETTINGS.concurrency,
      durationMs: SETTINGS.rawDurationMs,
      warmupMs: SETTINGS.rawWarmupMs,
    });
  } finally {
    await engine.stop();
  }
}

async function bench(runtime: Runtime, raw: RawThroughput): Promise<Omit<BenchResults, 'bundles'>> {
  const { concurrency } = SETTINGS;
  const counter = DynamoRequestCounter.attach(runtimeDocumentClient(runtime.deps));
  const api = new ApiClient(runtime.url, runtime.demoMerchant!);
  await liftRateLimit(runtime, runtime.demoMerchant!.merchantId);
  // Everything issue 12 puts on the pay path is on: shared channel health (always), and velocity counting through
  // three platform rules, one per subject, that never fire (a payment counts against each; bench/velocity.ts).
  await installVelocityRules(runtime.deps);

  log('(b) create+pay warm-up...');
  await createPayPhase(api, concurrency, SETTINGS.createPayWarmupMs);
  // The warm-up has fully drained (runLoad waits for every iteration), so from here on every request counted
  // belongs to a measured iteration, and the measured phase drains before the counter is read.
  counter.reset();
  log('(b) create+pay measured...');
  const createPay = await createPayPhase(api, concurrency, SETTINGS.createPayDurationMs);
  const measured = counter.snapshot();

  log('(c) per-call probe...');
  const perCall = await probeCallCosts(api, counter, PROBE_PAIRS);
  counter.detach();


  // Divided by successful iterations: failed ones also made requests, so with errors this errs on the high side.
  const iterations = createPay.load.ok;
  const perCreatePay = measured.sends / iterations;
  const transactWritesPerCreatePay = (measured.byCommand[TRANSACT_WRITE] ?? 0) / iterations;
  const transactionsPerSec = raw.transactions.perSec;

  return {
    timestamp: new Date().toISOString(),
    environment: {
      node: process.version,
      platform: platform(),
      arch: arch(),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    },
    settings: SETTINGS,
    raw: {
      conditionalPutsPerSec: raw.conditionalPuts.perSec,
      transactionsPerSec,
      conditionalPuts: raw.conditionalPuts,
      transactions: raw.transactions,
    },
    createPay: {
      iterationsPerSec: createPay.load.perSec,
      iterations,
      errors: createPay.load.errors,
      errorSamples: createPay.load.errorSamples,
      elapsedMs: createPay.load.elapsedMs,
      latencyMs: createPay.latencyMs,
    },
    dynamoRequests: {
      measured,
      perCreatePay,
      attemptsPerCreatePay: measured.attempts / iterations,
      perCreatePayByCommand: perIteration(measured.byCommand, iterations),
      transactWritesPerCreatePay,
      perCall,
    },
    targets: computeTargets(transactionsPerSec, transactWritesPerCreatePay, createPay.load.perSec, perCreatePay),
  };
}

async function installVelocityRules(deps: Deps): Promise<void> {
  const rules = [['payer_id', 'count', 60], ['payer_ip', 'count', 3600], ['card_fingerprint', 'amount', 86_400]] as const;
  for (const [subject, metric, windowSeconds] of rules) {
    await createVelocityRule(deps, { subject, metric, windowSeconds, threshold: 1_000_000_000, action: 'block', enabled: true, ...(metric === 'amount' ? { currency: 'CNY' as const } : {}) });
  }
}

/** Progress goes to stderr so that stdout holds only the report. */
function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function main(): Promise<void> {
  // Progress and the report only: no request logs, no metric lines.
  setLogLevel('warn');
  setMetricSink(() => undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'pay-bench-'));
  let runtime: Runtime | undefined;
  try {
    const raw = await benchRaw();
    log('starting the local stack (DynamoDB Local in memory)...');
    // If this process is killed, DynamoDB Local goes with it (see startDynamoDbLocal); `finally` covers errors.
    runtime = await startRuntime({ inMemory: true, dataDir, port: 0 });
    const measured = await bench(runtime, raw);
    // Cold starts are measured on a quiet machine, as Lambda gives each init its own: the local stack stops first.
    await runtime.stop();
    runtime = undefined;
    log('(d) Lambda bundles...');
    const results: BenchResults = { ...measured, bundles: await benchBundles(log) };
    log('(e) idle npm start...');
    const idle = await measureIdleCpu('idle npm start', DEFAULT_IDLE_POLL_MAX_MS, log);
    const ledger = await benchLedger(log);
    // Its peak memory here is the whole run's; `npm run bench:reconciliation` alone gives the reconciliation's own.
    const reconciliation = await benchReconciliation(log);
    const statements = await benchStatements(log);
    process.stdout.write(renderReport(results));
    process.stdout.write(`\n${renderIdle([idle])}`);
    process.stdout.write(`\n${renderLedger(ledger)}`);
    process.stdout.write(`\n${renderReconciliationBench(reconciliation)}`);
    process.stdout.write(`\n${renderStatementBench(statements)}`);
    writeFileSync(RESULTS_FILE, `${JSON.stringify({ ...results, idle, ledger, reconciliation, statements }, null, 2)}\n`);
    log(`wrote ${RESULTS_FILE}`);
  } finally {
    await runtime?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
