/**
 * npm run bench:idle: what an idle `npm start` costs. Starts the runtime as a user does (its own process, DynamoDB
 * Local on disk), lets it settle, then reads the CPU time of the runtime and every process under it (the JVM) from
 * /proc over a window, as a share of one core. Measured twice: with the idle backoff (the default) and with the
 * pollers held at the 100 ms interval they used before it, for comparison. A report, not a test: exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../infra/local/dynamodb-local.js';
import { parseConfig } from '../shared/config.js';

/** What `npm start` uses unless LOCAL_IDLE_POLL_MAX_MS says otherwise. */
export const DEFAULT_IDLE_POLL_MAX_MS = parseConfig({ LOCAL_IDLE_POLL_MAX_MS: undefined }).LOCAL_IDLE_POLL_MAX_MS;

/** The JVM and the JIT keep compiling for half a minute after the start: measure the idle state, not the warm-up. */
const SETTLE_MS = 45_000;
const WINDOW_MS = 30_000;
/** Linux's USER_HZ: /proc reports CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

export interface IdleCpu {
  readonly label: string;
  readonly idlePollMaxMs: number;
  readonly windowMs: number;
  /** CPU seconds per wall second, in percent of one core, for the runtime and everything under it. */
  readonly percentOfOneCore: number;
  /** The same by process: the runtime (node) and DynamoDB Local (java). */
  readonly byProcess: Record<string, number>;
}

/** utime + stime, in ticks, of `pid` and all its descendants, by command name. */
function treeTicks(pid: number): Map<string, number> {
  const parents = new Map<number, number>();
  const ticks = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state ppid … utime(14) stime(15).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The process ended while being read.
    }
  }
  const inTree = (p: number): boolean => p === pid || (p > 1 && parents.has(p) && inTree(parents.get(p)!));
  const byName = new Map<string, number>();
  for (const [p, t] of ticks) if (inTree(p)) byName.set(names.get(p)!, (byName.get(names.get(p)!) ?? 0) + t);
  return byName;
}

async function startRuntimeProcess(dataDir: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: projectRoot,
    env: { ...process.env, LOCAL_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 120_000;
  while (!/listening on/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`runtime did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return child;
}

export async function measureIdleCpu(label: string, idlePollMaxMs: number, log: (m: string) => void): Promise<IdleCpu> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pay-idle-'));
  const child = await startRuntimeProcess(dataDir, { LOCAL_IDLE_POLL_MAX_MS: String(idlePollMaxMs) });
  try {
    log(`idle ${label}: settling ${SETTLE_MS / 1000} s, then measuring ${WINDOW_MS / 1000} s...`);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const before = treeTicks(child.pid!);
    const started = performance.now();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const after = treeTicks(child.pid!);
    const windowMs = performance.now() - started;
    const percent = (ticks: number) => (ticks / TICKS_PER_SECOND / (windowMs / 1000)) * 100;
    const byProcess = Object.fromEntries([...after].map(([name, t]) => [name, percent(t - (before.get(name) ?? 0))]));
    const total = Object.values(byProcess).reduce((a, b) => a + b, 0);
    return { label, idlePollMaxMs, windowMs, percentOfOneCore: total, byProcess };
  } finally {
    child.kill('SIGINT');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchIdle(log: (m: string) => void): Promise<IdleCpu[]> {
  return [
    await measureIdleCpu(`with backoff (default ${DEFAULT_IDLE_POLL_MAX_MS / 1000} s)`, DEFAULT_IDLE_POLL_MAX_MS, log),
    await measureIdleCpu('fixed 100 ms (before)', 100, log),
  ];
}

export function renderIdle(results: readonly IdleCpu[]): string {
  const lines = results.map((r) => {
    const parts = Object.entries(r.byProcess)
      .filter(([, p]) => p > 0)
      .map(([name, p]) => `${name} ${p.toFixed(2)}`)
      .join(', ');
    return `  ${r.label.padEnd(28)} ${r.percentOfOneCore.toFixed(2).padStart(6)} % of one core over ${(r.windowMs / 1000).toFixed(0)} s (${parts})`;
  });
  return `Idle npm start (runtime + DynamoDB Local), target < 1 % of a core:\n${lines.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
  process.stdout.write(renderIdle(await benchIdle(log)));
}
