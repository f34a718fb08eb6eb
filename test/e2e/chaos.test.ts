import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/local/dynamodb-local.js';

/**
 * A short `npm run chaos` (bench/chaos.ts): one SIGKILL of the whole runtime (node, its watchdog and DynamoDB Local)
 * under card, wallet, bank and refund traffic, a restart on the same data, the wait for the janitor's window past the
 * orders' 60 s expiry, then the harness's own checks. Its summary line must be the clean one. It takes 1.5-4 minutes
 * on a busy 2-core machine, in a worker of its own while the other files run (docs/decisions.md, entries 89 and 106).
 */
function runChaos(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/chaos.ts', ...args], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run chaos (short)', () => {
  it('one kill under load: every answered success kept, no lost event, nothing stuck, the ledger balanced', async () => {
    const run = await runChaos(['--duration', '20', '--kills', '1', '--clients', '4', '--seed', '9']);
    const summary = run.stdout.trim().split('\n').at(-1) ?? '';
    expect(summary, `${run.stdout}\n${run.stderr}`).toMatch(/^kills=1 orders=\d+ payments=\d+ refunds=\d+ lost_events=0 stuck=0 ledger=balanced$/);
    const [, orders, payments] = /orders=(\d+) payments=(\d+)/.exec(summary)!;
    expect(Number(orders)).toBeGreaterThan(0);
    expect(Number(payments)).toBeGreaterThan(0);
    expect(run.code).toBe(0);
  }, 600_000);
});
