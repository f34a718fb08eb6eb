import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestRuntime } from '../support/runtime.js';

/**
 * `npm run api` as a user runs it: a separate process against the running API. Its stdout must be the JSON body
 * alone (so `| jq` works), the status line on stderr, and the exit code must tell success from failure.
 */
const env = useTestRuntime();
let merchantFile: string;

beforeAll(() => {
  merchantFile = join(mkdtempSync(join(tmpdir(), 'pay-cli-')), 'merchant.json');
  writeFileSync(merchantFile, JSON.stringify(env.runtime.demoMerchant), { mode: 0o600 });
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI asynchronously: the API it calls is served by this very process. */
function cli(...args: string[]): Promise<Run> {
  return cliAt(env.runtime.url, args);
}

function cliAt(apiUrl: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'infra/local/api-cli.ts', ...args],
      { env: { PATH: process.env.PATH ?? '', API_URL: apiUrl, MERCHANT_FILE: merchantFile } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const order = (outTradeNo: string) => JSON.stringify({ outTradeNo, amount: 1999, currency: 'CNY', subject: 'Coffee' });

describe('npm run api', () => {
  it('prints the JSON body alone on stdout and the status line on stderr, exit 0', async () => {
    const run = await cli('POST', '/v1/orders', order('CLI-1'));
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as { id: string; status: string };
    expect(body).toMatchObject({ id: expect.stringMatching(/^ord_/), status: 'CREATED' });
    expect(run.stderr).toMatch(/^HTTP 201 {2}X-Request-Id: \S+\n$/);

    // The walk-through's next step works with the id taken from that output.
    const read = await cli('GET', `/v1/orders/${body.id}`);
    expect(JSON.parse(read.stdout)).toMatchObject({ id: body.id, outTradeNo: 'CLI-1' });
  });

  it('says on stderr when an answer is a replay, and keeps stdout the same body', async () => {
    const first = await cli('POST', '/v1/orders', order('CLI-2'), '--key', 'cli-k-1');
    const second = await cli('POST', '/v1/orders', order('CLI-2'), '--key', 'cli-k-1');
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toContain('Idempotent-Replayed: true');
    expect(first.stderr).not.toContain('Idempotent-Replayed');
  });

  it('names the checkout page on stderr when the payment waits for the payer, stdout still the JSON alone', async () => {
    const created = JSON.parse((await cli('POST', '/v1/orders', order('CLI-OTP'))).stdout) as { id: string };
    const card = { number: '4000000000003220', expMonth: 12, expYear: 2030, cvc: '123' };
    const run = await cli('POST', `/v1/orders/${created.id}/pay`, JSON.stringify({ method: 'card', card }));
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as { status: string; payment: { nextAction: { url: string } } };
    expect(body.status).toBe('REQUIRES_ACTION');
    expect(run.stderr).toContain(`Payer action (otp): open ${body.payment.nextAction.url}\n`);
    expect(body.payment.nextAction.url).toMatch(/\/checkout\/[A-Za-z0-9_-]{43}$/);
  });

  it('exits 1 on a 4xx answer, with the error body on stdout', async () => {
    const run = await cli('POST', '/v1/orders', JSON.stringify({ outTradeNo: 'CLI-3', amount: 1.5, currency: 'CNY', subject: 'x' }));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^HTTP 400 /);
    expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'amount_invalid', param: 'amount' });
  });

  it('--help prints the usage on stdout, and nothing else, exit 0', async () => {
    const run = await cli('--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm run -s api -- METHOD PATH/);
    expect(run.stderr).toBe('');
  });

  it('refuses a wrong command with the reason and the usage on stderr, exit 2, sending nothing', async () => {
    const run = await cli('FETCH', '/v1/orders');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^api: METHOD must be GET or POST, not FETCH\n\nUsage:/);
    expect((await cli('GET')).stderr).toMatch(/^api: METHOD and PATH are required/);
  });

  it('exits 1 with a hint when nothing answers', async () => {
    const run = await cliAt('http://127.0.0.1:9', ['GET', '/v1/balance']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/no answer from http:\/\/127\.0\.0\.1:9 .*npm start/);
  });
});
