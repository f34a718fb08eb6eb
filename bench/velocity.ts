/**
 * npm run bench:velocity: what velocity rules cost per create+pay in DynamoDB requests (docs/decisions.md, 217).
 * One local runtime (DynamoDB Local in memory), create+pay pairs with a payer id, a payer IP and a card, measured
 * twice: without any velocity rule, then with three platform rules (one per subject, two window sizes) that never
 * fire. Each payer is new, as in real traffic, so no counter is a hot item. Prints the mean requests per pair by
 * command; the rules' cache (PAY_RISK_RULES_CACHE_SECONDS, 5 s) is warm, so its two queries per 5 s per container are
 * not in the figure (they are per container, not per payment).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../infra/local/runtime.js';
import { setLogLevel } from '../shared/logger.js';
import { setMetricSink } from '../shared/metrics.js';
import { createVelocityRule } from '../shared/services/velocity-rules.js';
import { ApiClient } from '../test/support/api-client.js';
import { DynamoRequestCounter } from './request-counter.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const PAIRS = 20;

async function main(): Promise<void> {
  setLogLevel('error');
  setMetricSink(() => undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'pay-bench-velocity-'));
  // The default cache (5 s): the measured pairs take about a second, so they read the rules from it, as a warm container does.
  const runtime = await startRuntime({ inMemory: true, dataDir, port: 0, riskRulesCacheSeconds: 5 });
  try {
    const api = new ApiClient(runtime.url, runtime.demoMerchant!);
    const db = (runtime.deps.orders as unknown as { db: DynamoDBDocumentClient }).db;
    const counter = DynamoRequestCounter.attach(db);
    await pairs(api, counter, 5); // warm-up
    const without = await pairs(api, counter, PAIRS);
    for (const [subject, metric, windowSeconds] of [['payer_id', 'count', 60], ['payer_ip', 'count', 3600], ['card_fingerprint', 'amount', 86_400]] as const) {
      await createVelocityRule(runtime.deps, {
        subject,
        metric,
        windowSeconds,
        threshold: 1_000_000_000,
        action: 'block',
        enabled: true,
        ...(metric === 'amount' ? { currency: 'CNY' as const } : {}),
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 5_500)); // the cache's empty read (before the rules) expires
    await pairs(api, counter, 2); // the cache reads the rules
    const withRules = await pairs(api, counter, PAIRS);
    const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    process.stdout.write(
      `${JSON.stringify({ pairs: PAIRS, without: { total: total(without), byCommand: without }, withRules: { total: total(withRules), byCommand: withRules } }, null, 2)}\n`,
    );
  } finally {
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Mean DynamoDB requests per create+pay over `n` pairs, by command. */
async function pairs(api: ApiClient, counter: DynamoRequestCounter, n: number): Promise<Record<string, number>> {
  counter.reset();
  for (let i = 0; i < n; i += 1) {
    const order = (await api.createOrder()) as { id: string };
    const payer = { id: `u-${randomBytes(4).toString('hex')}`, ip: `198.51.100.${1 + i}` };
    const paid = await api.pay(order.id, '4242424242424242', { payer });
    if (paid.status !== 200) throw new Error(`pay failed: ${paid.status} ${paid.text.slice(0, 200)}`);
  }
  const { byCommand } = counter.snapshot();
  return Object.fromEntries(Object.entries(byCommand).map(([name, count]) => [name, count / n]));
}

await main();
