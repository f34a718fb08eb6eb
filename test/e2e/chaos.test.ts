import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/local/dynamodb-local.js';

/**
 * A short `npm run chaos` (bench/chaos.ts): one SIGKILL of the whole runtime under card, wallet and refund traffic,
 * a restart on the same data, then the harness's own checks. Its summary line must be the clean one.
 *
 * Not part of `npm test` yet (docs/decisions.md, entry 89): it takes 2-4 minutes on a busy 2-core machine (the check
 * must see orders pass the contract's 60 s minimum expiry), and a kill that lands on a refund or a wallet create can
 * still leave an object unresolved (the open findings in entry 90), so it would fail at random. Run it with
 * `PAY_CHAOS_TEST=1 npx vitest run test/e2e/chaos.test.ts`.
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

describe.skipIf(process.env.PAY_CHAOS_TEST !== '1')('npm run chaos (short)', () => {
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
