import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../infra/local/dynamodb-local.js';
import { ApiClient, type Credentials } from '../test/support/api-client.js';
import { WebhookReceiver } from '../test/support/webhook-receiver.js';
import { readOrders, stuckOf, succeededEventsByOrder, summaryLine, verify } from './chaos/checks.js';
import { RuntimeProcess, sleep } from './chaos/runtime-process.js';
import { iteration, Observations, ORDER_EXPIRES_IN_SECONDS } from './chaos/workload.js';

/**
 * `npm run chaos`: the kill-under-load harness (issue 9, "Faults and proof"; docs/decisions.md, entries 89-90).
 * Starts `npm start`'s entry on a fresh data dir, drives signed clients against it on loopback, SIGKILLs the whole
 * runtime (node and the DynamoDB Local JVM) at random moments and restarts it on the same data, then waits out the
 * janitor's window and checks that nothing the clients were told was lost, and nothing is left unresolved.
 * Prints `kills=… orders=… payments=… refunds=… lost_events=… stuck=… ledger=…` and exits 0 only when clean.
 */
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    kills: { type: 'string', default: '3' },
    clients: { type: 'string', default: '8' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    // Longer than the slowest pay's own wait (two sandbox card timeouts of 5 s: 0259's charge and its reversal), as
    // PAY_JANITOR_AFTER_SECONDS is in any deployment: the janitor then meets payments whose pay is over, not racing it.
    'janitor-after': { type: 'string', default: '12' },
    settle: { type: 'string', default: '180' },
  },
});
const durationMs = Number(values.duration) * 1000;
const kills = Number(values.kills);
const clients = Number(values.clients);
const seed = Number(values.seed);
const janitorAfterSeconds = Number(values['janitor-after']);
const settleMaxMs = Number(values.settle) * 1000;
for (const [name, value] of Object.entries({ durationMs, kills, clients, seed, janitorAfterSeconds, settleMaxMs })) {
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name}: not a number`);
}
/** Past its deadline by this much, an unpaid order counts as stuck: the janitor acts within seconds of a deadline. */
const GRACE_MS = 10_000 + janitorAfterSeconds * 1000;

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
    env: { LOG_LEVEL: 'warn', METRICS: 'off', PAY_JANITOR_AFTER_SECONDS: String(janitorAfterSeconds), PAY_RETRY_TIME_SCALE: '0.01' },
  });
  log(`seed=${seed} duration=${durationMs / 1000}s kills=${kills} clients=${clients} data=${dataDir}`);
  let clean = false;
  try {
    await runtime.start();
    const credentials = JSON.parse(readFileSync(join(dataDir, 'demo-merchant.json'), 'utf8')) as Credentials;
    const api = new ApiClient(runtime.url, credentials, { checkDocument: false });
    const observations = new Observations();

    // The gate the clients wait at while the runtime is down.
    let upPromise: Promise<void> = Promise.resolve();
    let markUp: () => void = () => undefined;
    let stopLoad = false;
    const killTimesMs: number[] = [];
    const ctxFor = (client: number) => ({ api, notifyUrl: receiver.url, seed, observations, up: () => upPromise, random: seeded(seed * 1000 + client) });
    const workers = Array.from({ length: clients }, async (_, client) => {
      const ctx = ctxFor(client);
      for (let seq = 0; !stopLoad; seq += 1) await iteration(ctx, client, seq);
    });

    const started = Date.now();
    const killRandom = seeded(seed);
    for (let k = 0; k < kills; k += 1) {
      // One kill in each slice of the run, at a random moment of its middle part.
      const at = started + (durationMs * (k + 0.2 + 0.6 * killRandom())) / kills;
      await sleep(Math.max(at - Date.now(), 2_000));
      upPromise = new Promise<void>((resolve) => (markUp = resolve));
      killTimesMs.push(Date.now());
      await runtime.kill();
      log(`kill #${k + 1} at +${Math.round((killTimesMs[k]! - started) / 1000)} s (${new Date(killTimesMs[k]!).toISOString()}); restarting`);
      await runtime.start();
      markUp();
      log(`restarted after ${Math.round((Date.now() - killTimesMs[k]!) / 1000)} s`);
    }
    await sleep(Math.max(started + durationMs - Date.now(), 2_000));
    stopLoad = true;
    await Promise.all(workers);
    log(`load done: ${observations.outTradeNos.length} orders tried, ${observations.successes.size} successes and ${observations.refunds.size} refunds answered, ${observations.unanswered} requests unanswered`);

    // Wait out the janitor's window: until every order's deadline has passed and nothing is unresolved, or the bound.
    const settleUntil = Date.now() + settleMaxMs;
    const lastDeadline = observations.lastCreatedAtMs + ORDER_EXPIRES_IN_SECONDS * 1000 + GRACE_MS;
    let orders = await readOrders(api, observations.refundedOrders);
    for (;;) {
      const events = succeededEventsByOrder(receiver.received);
      const pending = stuckOf(orders, Date.now(), GRACE_MS).length + orders.filter((o) => ['SUCCEEDED', 'REFUNDED'].includes(o.status) && !events.has(o.id)).length;
      const settled = Date.now() >= lastDeadline && pending === 0 && !orders.some((o) => o.status === 'PROCESSING');
      if (settled || Date.now() >= settleUntil) break;
      await sleep(2_000);
      orders = await readOrders(api, observations.refundedOrders);
    }

    const verdict = await verify({ orders, observations, received: receiver.received, killTimesMs, engine: runtime.engine(), nowMs: Date.now(), graceMs: GRACE_MS });
    const paidBy = (s: string) => [...observations.successes.values()].filter((x) => x.scenario === s).length;
    const scenarios = [...observations.scenarios].map(([s, n]) => `${s}=${paidBy(s)}/${n}`).join(' ');
    log(`answered: ${observations.successes.size} payments, ${observations.refunds.size} refunds, ${observations.voids.size} voids; unanswered requests ${observations.unanswered}; webhooks received ${receiver.received.length}; answered successes per scenario: ${scenarios}`);
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

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
