import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOpsCli, type OpsCliRun } from '../support/ops-cli-process.js';
import { useTestRuntime } from '../support/runtime.js';

/**
 * `npm run ops` as an operator runs it: a separate process against the running runtime, reading the token from the
 * data folder. stdout is the answer's JSON alone (for jq), the status line goes to stderr, and the exit code tells
 * a 2xx (0) from a 4xx/5xx (1) and from a wrong command (2).
 */
const dataDir = mkdtempSync(join(tmpdir(), 'pay-ops-cli-'));
const env = useTestRuntime({ dataDir });

function cli(args: readonly string[], tokenFile = join(dataDir, 'ops-token')): Promise<OpsCliRun> {
  return runOpsCli(env.runtime, dataDir, args, tokenFile);
}

describe('npm run ops', () => {
  it('prints the trial balance as JSON on stdout, the status on stderr, exit 0; the call is audited as local-token', async () => {
    const run = await cli(['trial-balance']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ object: 'trial_balance', balanced: true });
    const [, requestId] = /^HTTP 200 {2}X-Request-Id: (\S+)\n$/.exec(run.stderr) ?? [];
    expect(requestId).toBeDefined();

    const audit = await cli(['audit', '--limit', '5']);
    expect(audit.code).toBe(0);
    const entry = (JSON.parse(audit.stdout) as { data: { id: string }[] }).data.find((e) => e.id === requestId);
    expect(entry).toMatchObject({ principal: 'local-token', method: 'GET', path: '/ops/v1/ledger/trial-balance', status: 200 });
  });

  it('shows a merchant and its events through the verbs', async () => {
    const merchantId = env.runtime.demoMerchant!.merchantId;
    const shown = await cli(['merchant', merchantId]);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ object: 'merchant', merchantId });
    const events = await cli(['events', '--merchant', merchantId, '--status', 'FAILED', '--limit', '3']);
    expect(events.code).toBe(0);
    expect(JSON.parse(events.stdout)).toMatchObject({ object: 'list', data: [] });
  });

  it('runs a settlement and shows settlements and payouts through the two-word verbs', async () => {
    const merchantId = env.runtime.demoMerchant!.merchantId;
    const run = await cli(['settlements', 'run', '--merchant', merchantId, '--currency', 'CNY']);
    expect(run.code).toBe(0);
    // Nothing of the demo merchant is a day old: a run, with nothing to settle.
    expect(JSON.parse(run.stdout)).toMatchObject({ object: 'settlement_run', cutoff: expect.any(String), data: [] });
    const [, requestId] = /X-Request-Id: (\S+)/.exec(run.stderr) ?? [];
    const audit = JSON.parse((await cli(['audit', '--limit', '5'])).stdout) as { data: { id: string }[] };
    expect(audit.data.find((e) => e.id === requestId)).toMatchObject({ method: 'POST', path: '/ops/v1/settlements', body: { merchantId, currency: 'CNY' } });

    const list = await cli(['settlements', 'list', '--merchant', merchantId, '--limit', '5']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual({ object: 'list', data: [], nextCursor: null });
    const payouts = await cli(['payouts', 'list', '--merchant', merchantId, '--status', 'FAILED']);
    expect(payouts.code).toBe(0);
    expect(JSON.parse(payouts.stdout)).toEqual({ object: 'list', data: [], nextCursor: null });
    for (const args of [['settlements', 'show', 'stl_00000000000000000000000000'], ['payouts', 'show', 'po_00000000000000000000000000']]) {
      const shown = await cli(args);
      expect(shown.code, args.join(' ')).toBe(1);
      expect(JSON.parse(shown.stdout)).toMatchObject({ error: { code: 'resource_missing' } });
    }
  });

  it('exits 1 with the JSON error on a 4xx: a wrong token, an unknown route', async () => {
    const wrongToken = join(mkdtempSync(join(tmpdir(), 'pay-ops-cli-')), 'ops-token');
    writeFileSync(wrongToken, 'not-the-token-not-the-token-not-the-token\n', { mode: 0o600 });
    const refused = await cli(['trial-balance'], wrongToken);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: 'invalid_ops_credentials' } });
    expect(refused.stderr).toMatch(/^HTTP 401 /);
    const missing = await cli(['get', '/ops/v1/nothing']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'route_not_found' } });
  });

  it('exits 2 on a wrong command, and prints its usage with --help', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: npm run -s ops -- COMMAND');
    expect(help.stdout).toContain('trial-balance [--run]');
    expect(help.stdout).toContain('settlements run [--merchant M] [--currency C]');
    expect(help.stdout).toContain('--aws');
    for (const args of [['frobnicate'], ['events'], ['get', '/v1/orders'], ['audit', '--limit'], ['settlements'], ['settlements', 'list'], ['payouts', 'show'], ['payouts', 'list', '--status', 'FAILED']]) {
      const run = await cli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^ops: /);
    }
  });
});
