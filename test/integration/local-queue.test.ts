import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localDynamoDbClient } from '../../infra/local/dynamodb-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DurableQueue, type QueueSettings } from '../../shared/adapters/local/durable-queue.js';

/** The local stand-in for SQS, against DynamoDB Local: the semantics the notifier relies on. */
const table = `queues-${randomBytes(6).toString('hex')}`;
const db = createDocumentClient({ endpoint: inject('dynamoEndpoint'), region: 'local' });

beforeAll(async () => {
  const admin = localDynamoDbClient(inject('dynamoEndpoint'));
  await DurableQueue.ensureTable(admin, table);
  await DurableQueue.ensureTable(admin, table); // idempotent
  admin.destroy();
});
afterAll(() => db.destroy());

/** A queue with a controllable clock. */
function queues(settings: Partial<QueueSettings> = {}) {
  const clock = { now: 1_000_000 };
  const name = `q-${randomBytes(4).toString('hex')}`;
  const full: QueueSettings = { visibilityTimeoutMs: 1_000, maxReceiveCount: 3, maxDelayMs: 900_000, ...settings };
  const dlq = new DurableQueue(db, table, `${name}-dlq`, full, null, () => clock.now);
  const queue = new DurableQueue(db, table, name, full, `${name}-dlq`, () => clock.now);
  return { queue, dlq, clock };
}

describe('local durable queue (SQS semantics)', () => {
  it('keeps a delayed message invisible until it is due, and caps the delay at the maximum', async () => {
    const { queue, clock } = queues({ maxDelayMs: 5_000 });
    await queue.send('later', 2_000);
    await queue.send('capped', 60_000);
    // put() tells when its message becomes visible (the timer poller is woken by then): the capped delay.
    expect(await queue.put('timer:x', 'capped too', 60_000)).toBe(5_000);
    await queue.remove('timer:x');
    expect(await queue.receive(10)).toEqual([]);
    clock.now += 2_000;
    const [later] = await queue.receive(10);
    expect(later?.body).toBe('later');
    await queue.delete(later!.messageId, later!.receiptHandle);
    clock.now += 3_000;
    expect((await queue.receive(10)).map((m) => m.body)).toEqual(['capped']);
  });

  it('hides a received message for the visibility timeout, then shows it again with a higher receive count', async () => {
    const { queue, clock } = queues();
    await queue.send('m');
    const [first] = await queue.receive(10);
    expect(first).toMatchObject({ body: 'm', receiveCount: 1 });
    expect(await queue.receive(10)).toEqual([]);
    clock.now += 1_000;
    const [again] = await queue.receive(10);
    expect(again).toMatchObject({ messageId: first!.messageId, receiveCount: 2 });
    // The first receipt is stale now: deleting with it does nothing.
    await queue.delete(first!.messageId, first!.receiptHandle);
    expect(await queue.all()).toHaveLength(1);
    await queue.delete(again!.messageId, again!.receiptHandle);
    expect(await queue.all()).toHaveLength(0);
  });

  it('never gives one message to two concurrent receivers', async () => {
    const { queue } = queues();
    for (let i = 0; i < 20; i += 1) await queue.send(`m${i}`);
    const batches = await Promise.all(Array.from({ length: 8 }, () => queue.receive(5)));
    const ids = batches.flat().map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeLessThanOrEqual(20);
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    const { queue, dlq, clock } = queues({ maxReceiveCount: 2 });
    await queue.send('poison');
    expect(await queue.receive(1)).toHaveLength(1);
    clock.now += 1_000;
    expect(await queue.receive(1)).toHaveLength(1);
    clock.now += 1_000;
    expect(await queue.receive(1)).toEqual([]); // third receive: redriven instead
    expect(await queue.all()).toEqual([]);
    const [parked] = await dlq.receive(1);
    expect(parked).toMatchObject({ body: 'poison', receiveCount: 1 });
  });
});
