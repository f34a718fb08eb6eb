import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { App } from 'aws-cdk-lib';
import { platformContext } from '../../infra/cdk/platform-app.js';
import { PROJECT_ROOT } from '../../infra/cdk/platform-function.js';

const run = promisify(execFile);
const outDirs: string[] = [];
afterAll(() => outDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/**
 * Runs the CDK app entry (cdk.json's "app") the way the `cdk` CLI does: the CLI hands the app its context as JSON in
 * CDK_CONTEXT_JSON, with every `-c key=value` value as a string, and reads the cloud assembly from CDK_OUTDIR.
 * Asset bundling is skipped (the CLI's own bundling-stacks key) so the test needs no esbuild runs.
 */
async function synthAsTheCliDoes(cliContext: Record<string, string>): Promise<string[]> {
  const outDir = mkdtempSync(join(tmpdir(), 'cdk-cli-'));
  outDirs.push(outDir);
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const context = { ...cdkJson.context, ...cliContext, 'aws:cdk:bundling-stacks': [] };
  await run(process.execPath, ['--import', 'tsx', 'infra/cdk/app.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outDir },
    timeout: 120_000,
  });
  const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; environment?: string }>;
  };
  return Object.values(manifest.artifacts)
    .filter((a) => a.type === 'aws:cloudformation:stack')
    .map((a) => a.environment ?? '');
}

// The synth loads aws-cdk-lib in a process of its own: seconds on a quiet machine, far more on a busy one. One run
// proves the app entry reads the CLI's context; the other forms of the value are read by the same platformContext,
// given here as the CLI gives them (strings), without a process and a synth each.
describe('regions from the command line', { timeout: 180_000 }, () => {
  it("takes -c 'regions=[\"us-east-1\"]' as the CLI passes it: a string holding a JSON list", async () => {
    expect(await synthAsTheCliDoes({ regions: '["us-east-1"]' })).toEqual(['aws://unknown-account/us-east-1']);
  });

  it('takes a comma-separated list, and still refuses a malformed or repeated region', () => {
    const regionsOf = (regions: string) => platformContext(new App({ context: { regions } })).regions;
    expect(regionsOf('us-east-1, eu-central-1')).toEqual(['us-east-1', 'eu-central-1']);
    expect(() => regionsOf('["europe"]')).toThrow(/regions/);
    expect(() => regionsOf('us-east-1,')).toThrow(/regions/);
    expect(() => regionsOf('["eu-west-1","eu-west-1"]')).toThrow(/twice/);
  });
});
