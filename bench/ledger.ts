/**
 * npm run bench:ledger (and section (f) of npm run bench): are one merchant's postings serialised on one item?
 * Closed-loop load of ledger commits for ONE merchant against DynamoDB Local, with the merchant's balance kept on
 * BALANCE_SHARDS items (what the platform does) and on a single item (what it avoids), for card payments (entry +
 * balance item) and balance payments from many customers (entry + the customer's guarded item + balance item).
 * Counts commits per second, the transactions cancelled by a conflict on an item (each one retried by the adapter),
 * commits that gave up, and how the commits spread over the merchant's balance items (the hottest item's share): in
 * DynamoDB the transactions that write one item are serialised on it (and cancel each other with TransactionConflict),
 * and one item is bounded by its partition's 1,000 WCU/s, 2 WCU per transactional write of up to 1 KB. DynamoDB Local
 * runs transactions one at a time whatever they touch (docs/decisions.md, entry 112), so there the spread is the
 * figure that carries to AWS; throughput and conflicts are reported as measured. A report, not a test: exits 0.
 */
import { randomBytes } from 'node:crypto';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable, localDynamoDbClient, startDynamoDbLocal } from '../infra/local/dynamodb-local.js';
import { createDocumentClient } from '../shared/adapters/dynamodb/client.js';
import { BALANCE_SHARDS, keys } from '../shared/adapters/dynamodb/keys.js';
import { DynamoLedgerStore } from '../shared/adapters/dynamodb/ledger-store.js';
import { newId } from '../shared/domain/ids.js';
import { accounts } from '../shared/ledger/accounts.js';
import type { LedgerEntry, LedgerLine } from '../shared/ledger/posting.js';
import { paymentLines } from '../shared/ledger/rules.js';
import { runLoad } from './load.js';
import { summarize, type LatencySummary } from './stats.js';

export interface LedgerBenchSettings {
  readonly concurrency: number;
  readonly durationMs: number;
  readonly warmupMs: number;
}

export interface LedgerPhase {
  readonly label: string;
  readonly shards: number;
  readonly commitsPerSec: number;
  readonly commits: number;
  /** Commits that failed for good (the adapter's conflict retries ran out, or anything else). */
  readonly failed: number;
  /** TransactWriteItems cancelled because another transaction held an item (each retried by the adapter). */
  readonly conflicts: number;
  readonly conflictsPerCommit: number;
  readonly latencyMs: LatencySummary;
  /** Balance items the merchant's commits wrote, and the share of its commits the busiest one took. */
  readonly balanceItems: number;
  readonly hottestItemShare: number;
}

export const LEDGER_BENCH_SETTINGS: LedgerBenchSettings = { concurrency: 16, durationMs: 8_000, warmupMs: 4_000 };
const CUSTOMERS = 64;
const FUNDS = 10_000_000_000;

/** Counts transactions cancelled by TransactionConflict, once per send (the adapter's retries are new sends). */
function countConflicts(db: DynamoDBDocumentClient): { read: () => number; reset: () => void } {
  let conflicts = 0;
  db.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
        if (reasons.some((r) => r.Code === 'TransactionConflict')) conflicts += 1;
        throw error;
      }
    },
    { step: 'initialize', name: 'benchCountConflicts', priority: 'high' },
  );
  return { read: () => conflicts, reset: () => (conflicts = 0) };
}

function entry(merchantId: string, lines: LedgerLine[]): LedgerEntry {
  return { id: newId('le'), kind: 'payment', merchantId, orderId: newId('ord'), refundId: null, channel: 'card_a', currency: 'CNY', lines, createdAt: new Date().toISOString() };
}

async function phase(
  db: DynamoDBDocumentClient,
  counter: ReturnType<typeof countConflicts>,
  table: string,
  kind: 'card' | 'balance',
  shards: number,
  settings: LedgerBenchSettings,
): Promise<LedgerPhase> {
  const ledger = new DynamoLedgerStore(db, table, shards);
  const merchantId = `m_bench_${kind}_${shards}_${randomBytes(3).toString('hex')}`;
  const customers = Array.from({ length: CUSTOMERS }, (_, i) => accounts.customerBalance(`cus_bench_${shards}_${i}`));
  if (kind === 'balance') {
    // Funded once, outside the measurement: each worker then pays from customers of its own, as distinct payers do.
    for (const customer of customers) {
      await ledger.post({ entry: entry(merchantId, [{ account: accounts.channelClearing('card_a'), direction: 'debit', amount: FUNDS }, { account: customer, direction: 'credit', amount: FUNDS }]) });
    }
  }
  const post = (latencies: number[]) => async (worker: number, seq: number) => {
    const lines: LedgerLine[] = kind === 'card'
      ? paymentLines({ merchantId, channel: 'card_a', amount: 1000, fee: 6 })
      : [
          { account: customers[(worker * 4 + (seq % 4)) % CUSTOMERS]!, direction: 'debit', amount: 100 },
          { account: accounts.merchantPending(merchantId), direction: 'credit', amount: 100 },
        ];
    const start = performance.now();
    const outcome = await ledger.post({ entry: entry(merchantId, lines) });
    if (!outcome.committed) throw new Error(`refused: ${outcome.failed}`);
    latencies.push(performance.now() - start);
  };
  await runLoad(settings.concurrency, settings.warmupMs, post([]));
  counter.reset();
  const latencies: number[] = [];
  const load = await runLoad(settings.concurrency, settings.durationMs, post(latencies));
  const conflicts = counter.read();
  const spread = await commitsByItem(db, table, merchantId, kind === 'card' ? 994 : 100);
  return {
    label: `${kind === 'card' ? 'card payments' : 'balance payments'}, ${shards === 1 ? 'one balance item' : `${shards} shards`}`,
    shards,
    commitsPerSec: load.perSec,
    commits: load.ok,
    failed: load.errors,
    conflicts,
    conflictsPerCommit: load.ok ? conflicts / load.ok : Number.NaN,
    latencyMs: summarize(latencies),
    balanceItems: spread.length,
    hottestItemShare: Math.max(...spread) / spread.reduce((a, b) => a + b, 0),
  };
}

/** Commits per balance item (warm-up included), from what each item accumulated: every commit adds `perCommit`. */
async function commitsByItem(db: DynamoDBDocumentClient, table: string, merchantId: string, perCommit: number): Promise<number[]> {
  const out = await db.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': keys.balancePartition(merchantId) }, ConsistentRead: true }));
  return (out.Items ?? []).map((item) => (item.pending as number) / perCommit);
}

/** Runs on an engine of its own (in memory), so nothing else weighs on it and it weighs on nothing else. */
export async function benchLedger(log: (m: string) => void, settings = LEDGER_BENCH_SETTINGS): Promise<LedgerPhase[]> {
  const engine = await startDynamoDbLocal({});
  const table = `bench-ledger-${randomBytes(4).toString('hex')}`;
  const admin = localDynamoDbClient(engine.endpoint);
  const db = createDocumentClient({ endpoint: engine.endpoint, region: 'local' });
  try {
    await ensureTable(admin, table);
    const counter = countConflicts(db);
    log('(f) ledger: warming the engine up...');
    await phase(db, counter, table, 'card', BALANCE_SHARDS, { ...settings, durationMs: settings.warmupMs }).then(() => undefined);
    const phases: LedgerPhase[] = [];
    for (const kind of ['card', 'balance'] as const) {
      for (const shards of [1, BALANCE_SHARDS]) {
        log(`(f) ledger: ${kind} payments for one merchant, ${shards} balance item(s)...`);
        phases.push(await phase(db, counter, table, kind, shards, settings));
      }
    }
    return phases;
  } finally {
    db.destroy();
    admin.destroy();
    await engine.stop();
  }
}

export function renderLedger(phases: readonly LedgerPhase[], settings = LEDGER_BENCH_SETTINGS): string {
  const rows = phases.map((p) =>
    `  ${p.label.padEnd(34)} ${p.commitsPerSec.toFixed(0).padStart(5)} commits/s  ${String(p.conflicts).padStart(5)} conflicts  ${String(p.failed).padStart(3)} gave up  p50 ${p.latencyMs.p50.toFixed(0)} ms  p99 ${p.latencyMs.p99.toFixed(0)} ms  ${p.balanceItems} item(s), hottest ${(p.hottestItemShare * 100).toFixed(0)} % of commits`,
  );
  return `Ledger commits for one merchant (${settings.concurrency} concurrent, ${settings.durationMs / 1000} s each, DynamoDB Local in memory):\n${rows.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
  process.stdout.write(renderLedger(await benchLedger(log)));
}
