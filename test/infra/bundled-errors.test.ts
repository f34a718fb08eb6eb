import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esbuildOptions } from '../../infra/definitions/bundling.js';
import { PAY_WORKFLOW_TASKS, payWorkflowDefinition } from '../../infra/definitions/pay-workflow.js';
import { SANDBOX_CARDS } from '../../shared/channels/sandbox-card.js';

/**
 * Error names are an interface between the functions and the workflow: the Lambda runtime reports a thrown error's
 * `name` as its error type, and the definition's Retry/Catch `ErrorEquals` match on it. Minification renames
 * classes, so this builds the code with the options CDK deploys (infra/definitions/bundling.ts), runs the bundles in
 * a fresh Node process with a deployed function's environment, and reads the names of what they throw.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
let outdir: string;
const bundles: Record<string, string> = {};

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'pay-bundled-errors-'));
  const entries = { commit: PAY_WORKFLOW_TASKS.Commit.entry, cardChannel: 'shared/channels/card-acquirer/adapter.ts' };
  for (const [name, entry] of Object.entries(entries)) {
    bundles[name] = join(outdir, name, 'index.mjs');
    await build(esbuildOptions(join(ROOT, entry), bundles[name]));
  }
}, 60_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** What a deployed function's environment holds (shape only: nothing here reaches AWS). */
const LAMBDA_ENV = {
  AWS_REGION: 'eu-west-1',
  TABLE_NAME: 'bundle-test',
  AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'example',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  LOG_LEVEL: 'silent',
  METRICS: 'off',
};

/**
 * Imports a bundle in a fresh process, runs `body` (an async function of the module) and reports what it threw as
 * the Lambda runtime does: `errorType` is the error's `name`.
 */
function thrownBy(bundle: string, body: string): { errorType: string; code?: string } {
  const script = `
    const mod = await import(${JSON.stringify(pathToFileURL(bundle).href)});
    try { await (${body})(mod); process.stdout.write(JSON.stringify({ errorType: null })); }
    catch (e) { process.stdout.write(JSON.stringify({ errorType: e.name, code: e.code })); }`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...LAMBDA_ENV },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`running ${bundle} failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as { errorType: string; code?: string };
}

/** Every error name the definition's Retry and Catch match that is the platform's own (not States.* or Lambda.*). */
function namesTheWorkflowMatches(): string[] {
  const names = new Set<string>();
  const states = payWorkflowDefinition().States as Record<string, { Retry?: { ErrorEquals: string[] }[]; Catch?: { ErrorEquals: string[] }[] }>;
  for (const state of Object.values(states)) {
    for (const rule of [...(state.Retry ?? []), ...(state.Catch ?? [])]) {
      for (const name of rule.ErrorEquals) if (!/^(States|Lambda)\./.test(name) && !name.endsWith('Exception')) names.add(name);
    }
  }
  return [...names].sort();
}

describe('error names in the deployed bundles', () => {
  it('a domain error thrown by the bundled Commit step keeps its class name as its Lambda error type', () => {
    // An order the outcome cannot apply to: the commit step refuses it before any I/O, with a ConflictError.
    const state = {
      orderId: 'ord_1',
      merchantId: 'm_1',
      paymentId: 'pay_1',
      feeBps: 60,
      order: { id: 'ord_1', merchantId: 'm_1', status: 'SUCCEEDED', version: 3, amount: 100, currency: 'CNY', payment: { id: 'pay_1' } },
      charge: { outcome: 'succeeded', channel: 'card_a', channelPaymentId: 'card_a_pay_1' },
    };
    const thrown = thrownBy(bundles.commit!, `(m) => m.handler(${JSON.stringify(state)})`);
    expect(thrown).toEqual({ errorType: 'ConflictError', code: 'invalid_state_transition' });
  });

  it('what the bundled charge path throws on a channel timeout is the name the workflow fails over on', () => {
    expect(namesTheWorkflowMatches()).toEqual(['ChannelTimeoutError']);
    // The card acquirer adapter as bundled, its acquirer unreachable (nothing listens on port 9): an unknown outcome.
    const credentials = { secretKey: 'sk_bundle_0123456789abcdefghij', answerKeys: [{ keyId: 'ak_1', secret: Buffer.alloc(32).toString('base64') }] };
    const charge = `(m) => new m.CardAcquirerAdapter({ id: 'card_a', baseUrl: 'http://127.0.0.1:9', timeoutMs: 2000, credentials: ${JSON.stringify(credentials)} })
      .createPayment({ paymentId: 'pay_1', orderId: 'ord_1', merchantId: 'm_1', amount: 100, currency: 'CNY', capture: true,
        subject: 's', expiresAt: '2030-01-01T00:00:00.000Z', callbackUrl: 'https://pay.example/callbacks/card_a',
        requireOtp: false, card: { number: '${SANDBOX_CARDS.firstChannelTimesOut}', expMonth: 12, expYear: 2030, cvc: '123' } })`;
    expect(thrownBy(bundles.cardChannel!, charge).errorType).toBe('ChannelTimeoutError');
  });
});
