import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/local/dynamodb-local.js';
import { ApiClient } from '../support/api-client.js';
import { eventually, WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * `npm start` as a user runs it: a separate process with DynamoDB Local on disk. Data must survive a restart, and
 * the java process must never outlive the runtime, whether it is stopped with Ctrl-C or killed outright.
 */
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function javaProcessesFor(dataDir: string): string[] {
  const out = spawnSync('pgrep', ['-f', `DynamoDBLocal.jar.*${dataDir}`], { encoding: 'utf8' });
  return out.stdout.split('\n').filter(Boolean);
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function start(dataDir: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: projectRoot,
    env: { ...process.env, LOCAL_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(output)?.[1], 150_000).catch(() => {
    throw new Error(`runtime did not start:\n${output}`);
  });
  return { child, url };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

describe('npm start', () => {
  it('keeps orders across a restart, reuses the demo merchant, and stops DynamoDB Local on Ctrl-C and on SIGKILL', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pay-runtime-'));

    const first = await start(dataDir);
    const demoFile = join(dataDir, 'demo-merchant.json');
    expect(statSync(demoFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
    const credentials = JSON.parse(readFileSync(demoFile, 'utf8'));
    expect(credentials).toMatchObject({ merchantId: expect.stringMatching(/^m_/), secret: expect.any(String) });
    const order = await new ApiClient(first.url, credentials).createOrder({ outTradeNo: 'SURVIVOR' });
    // The java engine and the sh watchdog that holds it.
    expect(javaProcessesFor(dataDir).length).toBeGreaterThan(0);

    first.child.kill('SIGINT');
    expect(await exited(first.child)).toBe(0);
    await waitFor(() => (javaProcessesFor(dataDir).length === 0 ? true : undefined), 10_000);

    const second = await start(dataDir);
    expect(JSON.parse(readFileSync(demoFile, 'utf8'))).toEqual(credentials);
    const read = await new ApiClient(second.url, credentials).get(`/v1/orders/${order.id}`);
    expect(read.status).toBe(200);
    expect(read.body.outTradeNo).toBe('SURVIVOR');

    second.child.kill('SIGKILL');
    await exited(second.child);
    await waitFor(() => (javaProcessesFor(dataDir).length === 0 ? true : undefined), 10_000);
  }, 300_000);

  it('delivers the webhook of a payment committed just before the runtime was killed, after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pay-crash-'));
    const hooks = await new WebhookReceiver().start();
    try {
      // The pollers of this first process look for work once a minute and are not woken by its writes: it dies long
      // before it relays anything.
      const first = await start(dataDir, { LOCAL_POLL_INTERVAL_MS: '60000', LOCAL_IDLE_POLL_MAX_MS: '60000', LOCAL_WAKE_ON_WRITE: 'false' });
      const credentials = JSON.parse(readFileSync(join(dataDir, 'demo-merchant.json'), 'utf8'));
      const api = new ApiClient(first.url, credentials);
      const order = (await api.createOrder({ notifyUrl: hooks.url })) as { id: string };
      expect((await api.pay(order.id)).status).toBe(200);
      first.child.kill('SIGKILL');
      await exited(first.child);
      await waitFor(() => (javaProcessesFor(dataDir).length === 0 ? true : undefined), 10_000);
      expect(hooks.received).toHaveLength(0);

      const second = await start(dataDir);
      const [hook] = await eventually(() => (hooks.received.length > 0 ? hooks.received : undefined), 20_000, 'the webhook after restart');
      const body = JSON.parse(hook!.rawBody) as { type: string; data: { object: { id: string } } };
      expect(body).toMatchObject({ type: 'order.succeeded', data: { object: { id: order.id } } });
      const events = await new ApiClient(second.url, credentials).get(`/v1/events?orderId=${order.id}`);
      await eventually(async () => {
        const res = await new ApiClient(second.url, credentials).get(`/v1/events?orderId=${order.id}`);
        return res.body.data[0]?.delivery.status === 'DELIVERED' ? true : undefined;
      }, 10_000, 'DELIVERED');
      expect(events.status).toBe(200);
      second.child.kill('SIGINT');
      await exited(second.child);
    } finally {
      await hooks.stop();
    }
  }, 300_000);

  it('redelivers a webhook whose delivery died with the process after the scaled visibility timeout, not 180 s', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pay-visibility-'));
    // The endpoint holds the first delivery open: the process is killed while that message is received and hidden.
    const arrivals: string[] = [];
    const held: ServerResponse[] = [];
    const endpoint = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        arrivals.push(body);
        if (arrivals.length === 1) held.push(res);
        else res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const notifyUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/hooks`;
    // 180 s × 0.01 = 1.8 s of visibility; the retry schedule is scaled alike, but no retry is due: the attempt never
    // ended, so only the visibility timeout can bring the message back.
    const env = { PAY_RETRY_TIME_SCALE: '0.01' };
    try {
      const first = await start(dataDir, env);
      const credentials = JSON.parse(readFileSync(join(dataDir, 'demo-merchant.json'), 'utf8'));
      const order = (await new ApiClient(first.url, credentials).createOrder({ notifyUrl })) as { id: string };
      expect((await new ApiClient(first.url, credentials).pay(order.id)).status).toBe(200);
      await eventually(() => arrivals.length === 1, 20_000, 'the first delivery attempt');
      first.child.kill('SIGKILL');
      await exited(first.child);
      await waitFor(() => (javaProcessesFor(dataDir).length === 0 ? true : undefined), 10_000);

      const second = await start(dataDir, env);
      await eventually(() => arrivals.length >= 2, 30_000, 'the delivery after the visibility timeout');
      expect(JSON.parse(arrivals[1]!)).toMatchObject({ type: 'order.succeeded', data: { object: { id: order.id } } });
      second.child.kill('SIGINT');
      await exited(second.child);
    } finally {
      held.forEach((res) => res.destroy());
      endpoint.closeAllConnections();
      await new Promise<void>((resolve) => endpoint.close(() => resolve()));
    }
  }, 300_000);
});
