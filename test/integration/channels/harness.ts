import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inject } from 'vitest';
import { createDocumentClient } from '../../../shared/adapters/dynamodb/client.js';
import { localDynamoDbClient } from '../../../infra/local/dynamodb-local.js';
import { SandboxStore } from '../../../infra/local/sandbox/sandbox-store.js';
import type { CallbackAck, ChannelAdapter, VerifiedCallback } from '../../../shared/ports/channel-flows.js';

/** A fresh sandbox table on the run's shared DynamoDB Local. */
export async function freshSandboxStore(): Promise<SandboxStore> {
  const endpoint = inject('dynamoEndpoint');
  const tableName = `sandbox-${randomBytes(6).toString('hex')}`;
  await SandboxStore.ensureTable(localDynamoDbClient(endpoint), tableName);
  return new SandboxStore(createDocumentClient({ endpoint, region: 'local' }), tableName);
}

export interface Listening {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void): Promise<Listening> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** Serves an emulator the way the local gateway mounts it: `/sandbox/channels/<channel>` + the channel's own path. */
export function serveEmulator(
  channel: string,
  emulator: { handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> },
): Promise<Listening> {
  const prefix = `/sandbox/channels/${channel}`;
  return listen(async (req, res) => {
    const url = req.url ?? '/';
    if (!url.startsWith(prefix)) {
      res.writeHead(404).end();
      return;
    }
    await emulator.handle(req, res, url.slice(prefix.length));
  });
}

export interface ReceivedCallback {
  readonly headers: Record<string, string>;
  readonly rawBody: string;
  /** What parseCallback made of it, or the error it threw. */
  readonly result: VerifiedCallback | Error;
  readonly ack: CallbackAck;
}

/**
 * The platform's callback endpoint in miniature: verifies with the adapter and answers its acknowledgement. `refuseFirst`
 * answers the first n deliveries with a 503 (the endpoint was down), so the channel must retry.
 */
export async function callbackEndpoint(adapter: ChannelAdapter, options: { refuseFirst?: number } = {}) {
  const received: ReceivedCallback[] = [];
  const waiters: { count: number; done: () => void }[] = [];
  let deliveries = 0;
  const listening = await listen(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
    deliveries += 1;
    let ack: CallbackAck;
    let result: VerifiedCallback | Error;
    if (deliveries <= (options.refuseFirst ?? 0)) {
      result = new Error('endpoint down');
      ack = { statusCode: 503, headers: {}, body: 'unavailable' };
    } else {
      try {
        result = await adapter.parseCallback!({ headers, rawBody });
        ack = adapter.callbackAck!('ok');
      } catch (error) {
        result = error as Error;
        ack = adapter.callbackAck!('rejected');
      }
    }
    received.push({ headers, rawBody, result, ack });
    res.writeHead(ack.statusCode, ack.headers).end(ack.body);
    for (const waiter of waiters.filter((w) => received.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.done();
    }
  });
  return {
    ...listening,
    received,
    /** Resolves once `count` deliveries arrived (the test's own timeout is the only clock). */
    waitFor(count: number): Promise<ReceivedCallback[]> {
      if (received.length >= count) return Promise.resolve(received.slice());
      return new Promise((resolve) => waiters.push({ count, done: () => resolve(received.slice()) }));
    },
  };
}
