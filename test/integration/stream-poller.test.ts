import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ensureTable, localDynamoDbClient } from '../../infra/local/dynamodb-local.js';
import { LocalStreamPoller, type StreamHandler } from '../../infra/local/stream-poller.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DurableQueue } from '../../shared/adapters/local/durable-queue.js';

/** The local stand-in for Lambda's DynamoDB stream event source mapping, against DynamoDB Local's real stream. */
const endpoint = inject('dynamoEndpoint');
const suffix = randomBytes(6).toString('hex');
const tableName = `stream-${suffix}`;
const checkpointTable = `stream-checkpoints-${suffix}`;
const admin = localDynamoDbClient(endpoint);
const db = createDocumentClient({ endpoint, region: 'local' });

beforeAll(async () => {
  await ensureTable(admin, tableName);
  await DurableQueue.ensureTable(admin, checkpointTable);
});
afterAll(() => {
  admin.destroy();
  db.destroy();
});

async function write(ids: string[]): Promise<void> {
  for (const id of ids) await db.send(new PutCommand({ TableName: tableName, Item: { PK: `ITEM#${id}`, SK: 'ITEM', id } }));
}

function poller(handler: StreamHandler, options: { batchSize: number; intervalMs: number }) {
  return new LocalStreamPoller({ endpoint, admin, checkpoints: { db, tableName: checkpointTable }, tableName, handler, ...options });
}

const idsOf = (event: Parameters<StreamHandler>[0]) => event.Records.map((r) => r.dynamodb?.NewImage?.id?.S ?? '?');

describe('local stream poller', () => {
  it('drains a backlog of several batches at once, then resumes after a restart without redelivering', async () => {
    const first = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'];
    await write(first);
    const seen: string[][] = [];
    // An interval far longer than the test: only the backlog rule (a full batch means more is waiting) can drain
    // seven records in batches of two.
    const one = poller(async (event) => (seen.push(idsOf(event)), { batchItemFailures: [] }), { batchSize: 2, intervalMs: 60_000 });
    one.start();
    await vi.waitFor(() => expect(seen.flat()).toEqual(first), { timeout: 10_000, interval: 50 });
    await one.stop();
    expect(seen.every((batch) => batch.length <= 2)).toBe(true);

    // A new poller (a restarted runtime) starts from the saved checkpoint: only what was written since.
    await write(['b1', 'b2']);
    const after: string[] = [];
    const two = poller(async (event) => (after.push(...idsOf(event)), { batchItemFailures: [] }), { batchSize: 10, intervalMs: 50 });
    two.start();
    await vi.waitFor(() => expect(after).toEqual(['b1', 'b2']), { timeout: 10_000, interval: 50 });
    await two.stop();
  });

  it('retries from the first failed record of a batch, in order', async () => {
    await write(['c1', 'c2', 'c3']);
    const handled: string[] = [];
    let failedOnce = false;
    const three = poller(
      async (event) => {
        const failAt = event.Records.findIndex((r) => r.dynamodb?.NewImage?.id?.S === 'c2');
        if (failAt >= 0 && !failedOnce) {
          failedOnce = true;
          handled.push(...idsOf(event).slice(0, failAt));
          return { batchItemFailures: [{ itemIdentifier: event.Records[failAt]!.dynamodb!.SequenceNumber! }] };
        }
        handled.push(...idsOf(event));
        return { batchItemFailures: [] };
      },
      { batchSize: 10, intervalMs: 50 },
    );
    three.start();
    await vi.waitFor(() => expect(handled.filter((id) => id.startsWith('c'))).toEqual(['c1', 'c2', 'c3']), { timeout: 10_000, interval: 50 });
    await three.stop();
  });
});
