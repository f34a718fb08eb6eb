/**
 * npm run bench:statements (and section (h) of npm run bench): one merchant's statement of a day of 100,000 movements.
 * The day's ledger entries (card payments with fees, refunds, top-up fees, settlements) are written straight into
 * DynamoDB Local with BatchWriteItem, items shaped as the ledger adapter writes them; then the CSV is generated through
 * the service the route streams (statementRows → statementCsv over DynamoLedgerStore.entriesOfDay), consumed as a
 * client would, and timed: rows per second, time to the first row, and the process's heap and RSS sampled while it
 * runs. Memory must stay flat whatever the day's size: pages of the index in, 64 KiB chunks out. A report, not a test.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable, localDynamoDbClient, startDynamoDbLocal } from '../infra/local/dynamodb-local.js';
import { createDocumentClient } from '../shared/adapters/dynamodb/client.js';
import { indexKeys, keys } from '../shared/adapters/dynamodb/keys.js';
import { DynamoLedgerStore } from '../shared/adapters/dynamodb/ledger-store.js';
import type { LedgerEntry } from '../shared/ledger/posting.js';
import { paymentLines, refundLines, topupLines } from '../shared/ledger/rules.js';
import { settlementEntry, type Settlement } from '../shared/ledger/settlement.js';
import { statementCsv, statementRows } from '../shared/services/statements.js';

const MOVEMENTS = 100_000;
const DAY = '2026-11-27';
const MERCHANT = 'm_statementbench';
const TABLE = 'statement-bench';
const WRITERS = 16;

export interface StatementBench {
  readonly movements: number;
  readonly rows: number;
  readonly csvBytes: number;
  readonly setupMs: number;
  readonly generateMs: number;
  readonly firstRowMs: number;
  readonly rowsPerSec: number;
  readonly heapBeforeMb: number;
  readonly peakHeapMb: number;
  readonly rssBeforeMb: number;
  readonly peakRssMb: number;
  /** The same day's entries from memory: the service's own cost (mapping and CSV), without the store's reads. */
  readonly inMemoryRowsPerSec: number;
}

/** The i-th movement of the day: mostly payments, 1 in 20 a refund, 1 in 50 a top-up's fee, 1 in 1,000 a settlement. */
function movement(i: number): LedgerEntry {
  const id = `le_${String(i).padStart(26, '0')}`;
  const createdAt = new Date(Date.parse(`${DAY}T00:00:00.000Z`) + Math.floor((i * 86_000_000) / MOVEMENTS)).toISOString();
  const base = { id, merchantId: MERCHANT, orderId: `ord_${String(i).padStart(26, '0')}`, refundId: null, channel: 'card_acquirer_a', currency: 'CNY' as const, createdAt, outTradeNo: `T-${i}` };
  const amount = 100 + (i % 5_000);
  if (i % 1_000 === 999) return settlementEntry({ id: `stl_${String(i).padStart(26, '0')}`, merchantId: MERCHANT, currency: 'CNY', net: 50_000 } as Settlement, { id, now: createdAt })!;
  if (i % 20 === 19) return { ...base, kind: 'refund', refundId: `rf_${String(i).padStart(26, '0')}`, lines: refundLines({ merchantId: MERCHANT, channel: base.channel, amount, balance: { available: 0, pending: amount } }) };
  if (i % 50 === 49) return { ...base, kind: 'payment', lines: topupLines({ merchantId: MERCHANT, customerId: 'cus_bench', channel: base.channel, amount, fee: 10 }) };
  return { ...base, kind: 'payment', lines: paymentLines({ merchantId: MERCHANT, channel: base.channel, amount, fee: Math.round(amount * 0.006) }) };
}

/** The entries as the ledger adapter stores them (its entryPut), 25 to a BatchWriteItem, WRITERS at a time. */
async function writeDay(db: DynamoDBDocumentClient): Promise<void> {
  let next = 0;
  const writer = async () => {
    while (next < MOVEMENTS) {
      const from = next;
      next = Math.min(next + 25, MOVEMENTS);
      let requests = Array.from({ length: next - from }, (_, k) => {
        const entry = movement(from + k);
        const item = { ...keys.ledgerEntry(entry.id), entity: 'LedgerEntry', GSI1PK: indexKeys.ledgerByMerchant(MERCHANT), GSI1SK: indexKeys.timeSortKey(entry.createdAt, entry.id), ...entry };
        return { PutRequest: { Item: item } };
      });
      while (requests.length > 0) {
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [TABLE]: requests } }));
        requests = (out.UnprocessedItems?.[TABLE] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
}

const mb = (bytes: number) => bytes / 1024 / 1024;

/** Rows per second of the service over the day's entries held in memory, in pages of 2,000 (about 1 MB each). */
async function inMemoryRate(): Promise<number> {
  const entries = Array.from({ length: MOVEMENTS }, (_, i) => movement(i));
  const source = {
    ledger: { entriesOfDay: async function* () { for (let i = 0; i < entries.length; i += 2_000) yield entries.slice(i, i + 2_000); } },
    payoutAmounts: async () => undefined,
  };
  const t0 = performance.now();
  let bytes = 0;
  for await (const chunk of statementCsv(statementRows(source, MERCHANT, DAY))) bytes += chunk.length;
  if (bytes === 0) throw new Error('no CSV');
  return MOVEMENTS / ((performance.now() - t0) / 1000);
}

export async function benchStatements(log: (m: string) => void = () => undefined): Promise<StatementBench> {
  log(`(h) statement of a day of ${MOVEMENTS.toLocaleString('en')} movements...`);
  const inMemoryRowsPerSec = await inMemoryRate();
  const engine = await startDynamoDbLocal({});
  const admin = localDynamoDbClient(engine.endpoint);
  const db = createDocumentClient({ endpoint: engine.endpoint, region: 'local' });
  try {
    await ensureTable(admin, TABLE);
    const t0 = performance.now();
    await writeDay(db);
    const setupMs = performance.now() - t0;
    log(`(h) ${MOVEMENTS.toLocaleString('en')} entries written in ${(setupMs / 1000).toFixed(1)} s; generating the CSV...`);

    global.gc?.();
    const before = process.memoryUsage();
    const peak = { heap: before.heapUsed, rss: before.rss };
    // Sampled while the CSV is generated: what one statement costs on top of the process, not the setup's leftovers.
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peak.heap = Math.max(peak.heap, now.heapUsed);
      peak.rss = Math.max(peak.rss, now.rss);
    }, 20);
    const source = { ledger: new DynamoLedgerStore(db, TABLE), payoutAmounts: async () => undefined };
    let rows = -1; // the header line is not a row
    let bytes = 0;
    let firstRowMs = 0;
    const t1 = performance.now();
    for await (const chunk of statementCsv(statementRows(source, MERCHANT, DAY))) {
      if (rows >= 0 && firstRowMs === 0) firstRowMs = performance.now() - t1;
      bytes += Buffer.byteLength(chunk);
      for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) rows += 1;
    }
    const generateMs = performance.now() - t1;
    clearInterval(sampler);
    return {
      movements: MOVEMENTS,
      rows,
      csvBytes: bytes,
      setupMs,
      generateMs,
      firstRowMs,
      rowsPerSec: rows / (generateMs / 1000),
      heapBeforeMb: mb(before.heapUsed),
      peakHeapMb: mb(peak.heap),
      rssBeforeMb: mb(before.rss),
      peakRssMb: mb(peak.rss),
      inMemoryRowsPerSec,
    };
  } finally {
    db.destroy();
    admin.destroy();
    await engine.stop();
  }
}

export function renderStatementBench(r: StatementBench): string {
  return [
    `Statement of one merchant's day of ${r.movements.toLocaleString('en')} movements (DynamoDB Local, in memory):`,
    `  ${r.rows.toLocaleString('en')} rows, ${(r.csvBytes / 1e6).toFixed(1)} MB of CSV in ${(r.generateMs / 1000).toFixed(1)} s: ${Math.round(r.rowsPerSec).toLocaleString('en')} rows/s, first row after ${r.firstRowMs.toFixed(0)} ms`,
    `  the service alone (the same entries from memory): ${Math.round(r.inMemoryRowsPerSec).toLocaleString('en')} rows/s; the rest is DynamoDB Local's Query, whose page costs grow with the index partition (AWS's do not)`,
    `  heap ${r.heapBeforeMb.toFixed(0)} MB before, ${r.peakHeapMb.toFixed(0)} MB at peak; RSS ${r.rssBeforeMb.toFixed(0)} MB before, ${r.peakRssMb.toFixed(0)} MB at peak (setup: BatchWrite in ${(r.setupMs / 1000).toFixed(1)} s)`,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(renderStatementBench(await benchStatements((m) => process.stderr.write(`[bench] ${m}\n`))));
}
