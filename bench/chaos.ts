import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../infra/local/dynamodb-local.js';
import { ApiClient, type Credentials } from '../test/support/api-client.js';
import { liftRateLimit } from '../test/support/ops-client.js';
import { WebhookReceiver } from '../test/support/webhook-receiver.js';
import { readOrders, stuckOf, succeededEventsByOrder, summaryLine, verify } from './chaos/checks.js';
import { createDocumentClient } from '../shared/adapters/dynamodb/client.js';
import { bankTransfers, readPayouts, readSettlement, settlementDueBy, SETTLEMENT_SLACK_MS, unsettledDue, type Recovery } from './chaos/money-checks.js';
import { RuntimeProcess, sleep } from './chaos/runtime-process.js';
import { iteration, Observations, payoutIteration } from './chaos/workload.js';

/**
 * `npm run chaos`: the kill-under-load harness (issue 9, "Faults and proof"; docs/decisions.md, entries 89-90).
 * Starts `npm start`'s entry on a fresh data dir, drives signed clients against it on loopback (orders, payments,
 * refunds, and payouts from what the local settlement schedule makes available), SIGKILLs the whole runtime (node and
 * the DynamoDB Local JVM) at random moments and restarts it on the same data, then waits until everything is resolved
 * (or the bound) and checks that nothing the clients were told was lost, nothing is left unresolved, no payout reached
 * the bank twice and nothing was settled twice (docs/decisions.md, entries 89-90 and 193-195).
 * Prints `kills=… orders=… payments=… refunds=… payouts=… settlements=… lost_events=… stuck=… back_office=… ledger=…`
 * and exits 0 only when clean.
 */
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    kills: { type: 'string', default: '3' },
    clients: { type: 'string', default: '8' },
    // Clients that only ask for payouts (the others' payments fund them, through settlement).
    'payout-clients': { type: 'string', default: '1' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    // Longer than the slowest pay's own wait (two sandbox card timeouts of 5 s: 0259's charge and its reversal), as
    // PAY_JANITOR_AFTER_SECONDS is in any deployment: the janitor then meets payments whose pay is over, not racing it.
    'janitor-after': { type: 'string', default: '12' },
    settle: { type: 'string', default: '180' },
    // PAY_SETTLEMENT_DELAY_SECONDS: small, so the local schedule settles payments (and funds payouts) during the load.
    'settlement-delay': { type: 'string', default: '2' },
  },
});
const durationMs = Number(values.duration) * 1000;
const kills = Number(values.kills);
const clients = Number(values.clients);
const payoutClients = Number(values['payout-clients']);
const seed = Number(values.seed);
const janitorAfterSeconds = Number(values['janitor-after']);
const settleMaxMs = Number(values.settle) * 1000;
const settlementDelaySeconds = Number(values['settlement-delay']);
for (const [name, value] of Object.entries({ durationMs, kills, clients, payoutClients, seed, janitorAfterSeconds, settleMaxMs, settlementDelaySeconds })) {
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name}: not a number`);
}
/** Past its deadline by this much, an unpaid order counts as stuck: the janitor acts within seconds of a deadline. */
const GRACE_MS = 10_000 + janitorAfterSeconds * 1000;
/** A payout must be final this long after its creation (or after the recovery of a kill inside that window): its janitor query is due janitor-after seconds in. */
const PAYOUT_WINDOW_MS = janitorAfterSeconds * 1000 + GRACE_MS;

/** mulberry32: a tiny seeded generator, so a run is told by its seed (timing still varies, as kills land differently). */
function seeded(n: number): () => number {
  let a = n >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const log = (line: string) => process.stderr.write(`chaos: ${line}\n`);

async function main(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pay-chaos-'));
  const receiver = await new WebhookReceiver().start();
  const runtime = new RuntimeProcess({
    dataDir,
    port: await freePort(),
    startTimeoutMs: 180_000,
    env: {
      LOG_LEVEL: 'warn',
      METRICS: 'off',
      PAY_JANITOR_AFTER_SECONDS: String(janitorAfterSeconds),
      PAY_RETRY_TIME_SCALE: '0.01',
      PAY_SETTLEMENT_DELAY_SECONDS: String(settlementDelaySeconds),
    },
  });
  log(`seed=${seed} duration=${durationMs / 1000}s kills=${kills} clients=${clients}+${payoutClients} payout data=${dataDir}`);
  let clean = false;
  try {
    const launched = Date.now();
    await runtime.start();
    log(`runtime up in ${Math.round((Date.now() - launched) / 1000)} s`);
    const credentials = JSON.parse(readFileSync(join(dataDir, 'demo-merchant.json'), 'utf8')) as Credentials;
    const api = new ApiClient(runtime.url, credentials, { checkDocument: false });
    // The load measures the platform, not the merchant's rate limit; the override is in the table, so it holds after
    // every restart.
    await liftRateLimit({ url: runtime.url, opsToken: readFileSync(join(dataDir, 'ops-token'), 'utf8').trim() }, credentials.merchantId);
    const observations = new Observations();

    // The gate the clients wait at while the runtime is down.
    let upPromise: Promise<void> = Promise.resolve();
    let markUp: () => void = () => undefined;
    let stopLoad = false;
    const killTimesMs: number[] = [];
    const recoveries: Recovery[] = [];
    const started = Date.now();
    // The load lasts `duration` of the runtime being up: the time a restart takes (seconds on a busy machine) is added,
    // so the clients always get load after a recovery, payouts from what settlement made available included.
    let downMs = 0;
    // Abandoned orders in the first half of the load only (see WorkloadContext.abandonUntilMs).
    const abandonUntilMs = started + durationMs / 2;
    const ctxFor = (client: number) => ({ api, notifyUrl: receiver.url, seed, observations, up: () => upPromise, random: seeded(seed * 1000 + client), abandonUntilMs });
    const workers = [
      ...Array.from({ length: clients }, async (_, client) => {
        const ctx = ctxFor(client);
        for (let seq = 0; !stopLoad; seq += 1) await iteration(ctx, client, seq);
      }),
      ...Array.from({ length: payoutClients }, async (_, n) => {
        const ctx = ctxFor(clients + n);
        for (let seq = 0; !stopLoad; seq += 1) await payoutIteration(ctx, n, seq);
      }),
    ];

    const killRandom = seeded(seed);
    for (let k = 0; k < kills; k += 1) {
      // One kill in each slice of the run, at a random moment of its middle part.
      const at = started + downMs + (durationMs * (k + 0.2 + 0.6 * killRandom())) / kills;
      await sleep(Math.max(at - Date.now(), 2_000));
      upPromise = new Promise<void>((resolve) => (markUp = resolve));
      killTimesMs.push(Date.now());
      await runtime.kill();
      log(`kill #${k + 1} at +${Math.round((killTimesMs[k]! - started) / 1000)} s (${new Date(killTimesMs[k]!).toISOString()}); restarting`);
      await runtime.start();
      recoveries.push({ killedAtMs: killTimesMs[k]!, upAtMs: Date.now() });
      markUp();
      downMs += Date.now() - killTimesMs[k]!;
      log(`restarted after ${Math.round((Date.now() - killTimesMs[k]!) / 1000)} s`);
    }
    await sleep(Math.max(started + durationMs + downMs - Date.now(), 2_000));
    // On a busy machine few payments may have settled by then (and refunds draw on available first): the load goes on,
    // for at most --settle seconds more, until a payout has been answered, so every run has payouts under its checks.
    for (const until = Date.now() + settleMaxMs; payoutClients > 0 && observations.payouts.size === 0 && Date.now() < until; ) await sleep(500);
    stopLoad = true;
    await Promise.all(workers);
    log(`load done: ${observations.outTradeNos.length} orders tried, ${observations.successes.size} successes and ${observations.refunds.size} refunds answered, ${observations.payouts.size} payouts answered (${observations.payoutsRefused} refused for want of available), ${observations.unanswered} requests unanswered`);

    // Wait until everything is resolved, or the bound: every unpaid order closed by its expiry (none is left waiting for
    // its deadline), nothing PROCESSING, every paid order's event received, every payout final. Not a fixed window: an
    // order closed at its deadline ends the wait as soon as it is, and whatever is not resolved by the bound is reported.
    const settleUntil = Date.now() + settleMaxMs;
    const unresolved = new Set(['CREATED', 'REQUIRES_ACTION', 'PROCESSING']);
    let orders = await readOrders(api, observations.refundedOrders);
    let said = '';
    for (;;) {
      const events = succeededEventsByOrder(receiver.received);
      const waiting = {
        orders: orders.filter((o) => unresolved.has(o.status) || (o.refunds ?? []).some((r) => r.status === 'PROCESSING')).length,
        events: orders.filter((o) => ['SUCCEEDED', 'REFUNDED'].includes(o.status) && !events.has(o.id)).length,
        payouts: (await readPayouts(api)).filter((p) => p.status === 'PROCESSING').length,
        settleItems: await settlementBacklog(runtime.engine()),
      };
      if (Object.values(waiting).every((n) => n === 0) || Date.now() >= settleUntil) break;
      // What the run is waiting for, whenever that changes: a slow run says where its time goes.
      const line = Object.entries(waiting).map(([what, n]) => `${what}=${n}`).join(' ');
      if (line !== said) log(`waiting: ${(said = line)}`);
      await sleep(1_000);
      orders = await readOrders(api, observations.refundedOrders);
    }

    log(`everything resolved ${Math.round((Date.now() - started - durationMs - downMs) / 1000)} s after the load`);
    const verdict = await verify({
      orders,
      observations,
      received: receiver.received,
      killTimesMs,
      engine: runtime.engine(),
      nowMs: Date.now(),
      graceMs: GRACE_MS,
      backOffice: { api, merchantId: credentials.merchantId, payouts: await readPayouts(api), transfers: await bankTransfers(runtime.url), recoveries, payoutWindowMs: PAYOUT_WINDOW_MS, settlementDelaySeconds },
    });
    const paidBy = (s: string) => [...observations.successes.values()].filter((x) => x.scenario === s).length;
    const scenarios = [...observations.scenarios].map(([s, n]) => `${s}=${paidBy(s)}/${n}`).join(' ');
    log(`answered: ${observations.successes.size} payments, ${observations.refunds.size} refunds, ${observations.voids.size} voids, ${observations.payouts.size} payouts; unanswered requests ${observations.unanswered}; webhooks received ${receiver.received.length}; answered successes per scenario: ${scenarios}`);
    for (const violation of verdict.violations) process.stdout.write(`violation: ${violation}\n`);
    process.stdout.write(`${summaryLine(killTimesMs.length, verdict)}\n`);
    clean = verdict.violations.length === 0;
    return clean ? 0 : 1;
  } finally {
    await runtime.stop().catch((error: unknown) => log(`stopping the runtime: ${String(error)}`));
    await receiver.stop();
    if (clean) rmSync(dataDir, { recursive: true, force: true });
    else log(`data and runtime.log kept in ${dataDir}`);
  }
}

/** Settle items due a while ago and not yet in a SETTLED batch: the local schedule is still catching up (half the check's slack, so the check has margin). */
async function settlementBacklog(engine: { dynamoEndpoint: string; tableName: string }): Promise<number> {
  const db = createDocumentClient({ endpoint: engine.dynamoEndpoint, region: 'local' });
  try {
    const state = await readSettlement(db, engine.tableName);
    return unsettledDue({ ...state, ...settlementDueBy(Date.now(), settlementDelaySeconds, SETTLEMENT_SLACK_MS / 2) }).length;
  } finally {
    db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
