import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/local/dynamodb-local.js';
import { useTestRuntime } from '../support/runtime.js';

/**
 * The SDK as a merchant gets it: packed with `npm pack` (its prepack builds dist/), installed from the tarball into
 * a scratch project that has nothing else, and used from plain `node` and from a TypeScript consumer. The package is
 * built from a copy of sdk/ in a temporary folder, so the test never writes into the working tree.
 */
const run = promisify(execFile);
const nodeBin = join(projectRoot, 'node_modules', '.bin');
// npm and the example run on the project's Node 24 (the package's floor is 22), found first on PATH.
const env = { ...process.env, PATH: `${nodeBin}${delimiter}${process.env.PATH ?? ''}`, npm_config_update_notifier: 'false' };
const node = join(nodeBin, 'node');

const runtimeEnv = useTestRuntime();
let work: string;
let app: string;
let tarball: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sdk-package-'));
  const sdkCopy = join(work, 'sdk');
  for (const entry of ['package.json', 'README.md', 'tsconfig.json', 'src']) cpSync(join(projectRoot, 'sdk', entry), join(sdkCopy, entry), { recursive: true });
  // The build's tsc finds @types/node the way it does in the repository: in an ancestor's node_modules.
  symlinkSync(join(projectRoot, 'node_modules'), join(work, 'node_modules'), 'dir');
  await run('npm', ['pack', '--silent', '--pack-destination', work], { cwd: sdkCopy, env });
  tarball = join(work, readdirSync(work).find((name) => name.endsWith('.tgz'))!);

  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'merchant-app', private: true, type: 'module' }));
  // The SDK has no dependencies, so installing its tarball needs no registry.
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: app, env });
}, 180_000);

describe('the packed SDK', () => {
  it('holds the built JavaScript, declarations and README, no sources, and depends on nothing', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.trim().split('\n');
    expect(files).toEqual(expect.arrayContaining(['package/package.json', 'package/README.md', 'package/dist/index.js', 'package/dist/index.d.ts', 'package/dist/types.generated.d.ts']));
    expect(files.filter((f) => f.startsWith('package/src/') || f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    const installed = JSON.parse(readFileSync(join(app, 'node_modules', '@open-pay', 'sdk', 'package.json'), 'utf8'));
    expect(installed).toMatchObject({ type: 'module', engines: { node: '>=22' }, exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } } });
    expect(Object.keys(installed.dependencies ?? {})).toEqual([]);
    expect(readdirSync(join(app, 'node_modules'))).toEqual(['.package-lock.json', '@open-pay']);
  });

  it('runs the quick start with plain node against the local runtime: pay, refund, auto-pagination, CardError', async () => {
    cpSync(join(projectRoot, 'sdk', 'examples', 'quickstart.mjs'), join(app, 'quickstart.mjs'));
    const { runtime } = runtimeEnv;
    const { stdout } = await run(node, ['quickstart.mjs'], {
      cwd: app,
      env: { ...env, API_URL: runtime.url, MERCHANT_ID: runtime.demoMerchant!.merchantId, MERCHANT_SECRET: runtime.demoMerchant!.secret },
    });
    const steps = Object.fromEntries(stdout.trim().split('\n').map((line) => JSON.parse(line) as { step: string }).map((s) => [s.step, s]));
    expect(steps.created).toMatchObject({ status: 'CREATED', id: expect.stringMatching(/^ord_/) });
    expect(steps.paid).toMatchObject({ status: 'SUCCEEDED', brand: 'visa' });
    expect(steps.refunded).toMatchObject({ status: 'SUCCEEDED', amount: 500, id: expect.stringMatching(/^rf_/) });
    expect(steps.listed).toMatchObject({ firstPageSize: 1, hasNextCursor: true });
    const ids = (steps.listed as unknown as { ids: string[] }).ids;
    expect(new Set(ids).size).toBe(3);
    expect(steps.declined).toMatchObject({ error: 'PaymentError', isCardError: true, status: 402, type: 'payment', code: 'card_declined', requestId: expect.any(String) });
  });

  it('loads with require() too (Node ≥ 22.12 loads ES modules synchronously)', async () => {
    const script = "const sdk = require('@open-pay/sdk'); process.stdout.write(String(new sdk.InvalidRequestError({ message: 'm', type: 'invalid_request', code: 'c' }) instanceof sdk.OpenPayError));";
    const { stdout } = await run(node, ['-e', script], { cwd: app, env });
    expect(stdout).toBe('true');
  });

  it('type-checks a TypeScript consumer against the declarations, and rejects wrong parameters', async () => {
    writeFileSync(join(app, 'consumer.ts'), TYPED_CONSUMER);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          types: ['node'],
          typeRoots: [join(projectRoot, 'node_modules', '@types')],
        },
        files: ['consumer.ts'],
      }),
    );
    // A failure prints tsc's diagnostics in the assertion message; `@ts-expect-error` lines fail if the types are loose.
    const result = await run(join(nodeBin, 'tsc'), ['-p', 'tsconfig.json'], { cwd: app, env }).then(
      () => 'ok',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe('ok');
  }, 60_000);
});

/** A merchant's TypeScript: every namespace, typed results, narrowing on error classes. */
const TYPED_CONSUMER = `
import type { IncomingHttpHeaders } from 'node:http';
import { CardError, IdempotencyError, OpenPayError, PaymentClient, createTestWebhookKey, signTestWebhook, verifyWebhook, type Order, type Refund } from '@open-pay/sdk';

const client = new PaymentClient({ baseUrl: 'http://127.0.0.1:3000', merchantId: 'm_x', secret: 's', maxRetries: 2 });

export async function flow(): Promise<number> {
  const order: Order = await client.orders.create({ outTradeNo: 'A-1', amount: 1999, currency: 'CNY', subject: 'Beans' }, { idempotencyKey: 'k-1' });
  const status: 'CREATED' | 'PROCESSING' | 'REQUIRES_ACTION' | 'AUTHORIZED' | 'SUCCEEDED' | 'REFUNDED' | 'CLOSED' = order.status;
  const paid = await client.orders.pay(order.id, { method: 'card', card: { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' } }, { timeoutMs: 5000 });
  const refund: Refund = await client.refunds.create(paid.id, { outRefundNo: 'R-1', amount: 500 }, { maxRetries: 0 });
  await client.orders.confirm(order.id, { otp: '123456' });
  await client.orders.close(order.id);
  await client.orders.retrieve(order.id);
  await client.orders.retrieveByOutTradeNo('A-1');
  const page = await client.orders.list({ status: 'SUCCEEDED', limit: 10 });
  const next: string | null | undefined = page.nextCursor;
  let total = 0;
  for await (const o of client.orders.list({ status: 'SUCCEEDED' })) total += o.amount;
  for await (const e of client.events.list({ orderId: order.id })) total += e.id.length;
  await client.events.redeliver('evt_1');
  await client.webhooks.test({ url: 'http://127.0.0.1:4000/hooks' });
  const balance = await client.balance.retrieve();
  const keys = await client.platform.keys();
  const testKey = createTestWebhookKey();
  const hook = signTestWebhook({ key: testKey, type: 'order.succeeded', object: order });
  const event = verifyWebhook<Order>({ rawBody: hook.rawBody, headers: hook.headers, keys: testKey.keys });
  // Without a type argument a verified webhook is the platform's event union, narrowed by its type.
  const delivered = verifyWebhook({ rawBody: hook.rawBody, headers: hook.headers, keys: testKey.keys });
  if (delivered.type === 'order.succeeded') total += delivered.data.object.amountCaptured;
  // @ts-expect-error a refund event carries a refund, which has no amountCaptured
  if (delivered.type === 'refund.succeeded') total += delivered.data.object.amountCaptured;
  total += event.data.object.amount + keys.keys.length + balance.available.length + refund.amount + status.length + (next?.length ?? 0);

  // @ts-expect-error amounts are integers in minor units, never strings
  await client.orders.create({ outTradeNo: 'A-2', amount: '19.99', currency: 'CNY', subject: 'x' });
  // @ts-expect-error currency is one of the supported ISO codes
  await client.orders.create({ outTradeNo: 'A-3', amount: 1, currency: 'cny', subject: 'x' });
  // @ts-expect-error no such order status
  client.orders.list({ status: 'PAID' });
  // @ts-expect-error no such payment method
  await client.orders.pay(order.id, { method: 'paypal' });
  return total;
}

export function verifyIncoming(rawBody: Buffer, headers: IncomingHttpHeaders) {
  return client.webhooks.verify({ rawBody, headers });
}

export function describeFailure(error: unknown): string {
  if (error instanceof CardError) return 'declined: ' + error.code;
  if (error instanceof IdempotencyError) return 'idempotency: ' + error.code;
  if (error instanceof OpenPayError) return String(error.status) + ' ' + error.type + ' ' + (error.requestId ?? '');
  return 'unknown';
}
`;
