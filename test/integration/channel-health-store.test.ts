import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable, localDynamoDbClient } from '../../infra/local/dynamodb-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoChannelHealthStore } from '../../shared/adapters/dynamodb/channel-health-store.js';
import { DEFAULT_CIRCUIT_POLICY, type CircuitPolicy } from '../../shared/domain/circuit.js';
import { DynamoRequestCounter } from '../../bench/request-counter.js';

/**
 * The shared channel health against DynamoDB Local: two stores over one table are two containers (each with its own
 * cache), so what one records the other must see, and concurrent transitions must have exactly one winner.
 */
const table = `health-${randomBytes(6).toString('hex')}`;
const db = createDocumentClient({ endpoint: inject('dynamoEndpoint'), region: 'local' });
const policy: CircuitPolicy = { ...DEFAULT_CIRCUIT_POLICY, minCalls: 6, failurePercent: 50, consecutiveFailures: 3, openSeconds: 30, probes: 2 };
let clock = 1_900_000_000_000;
const store = (client: DynamoDBDocumentClient = db) => new DynamoChannelHealthStore(client, table, policy, { now: () => clock, cacheMs: 0 });

beforeAll(async () => {
  const admin = localDynamoDbClient(inject('dynamoEndpoint'));
  await ensureTable(admin, table);
  admin.destroy();
});
afterAll(() => db.destroy());

const fresh = (name: string) => `${name}_${randomBytes(3).toString('hex')}`;

describe('DynamoChannelHealthStore', () => {
  it('counts outcomes across shards and containers, with rates and a p99 from the latency histogram', async () => {
    const channel = fresh('card');
    const [a, b] = [store(), store()];
    await Promise.all([
      ...Array.from({ length: 8 }, () => a.record(channel, 'success', 40)),
      b.record(channel, 'decline', 80),
      b.record(channel, 'error', 3_000),
    ]);
    const view = (await b.views([channel])).get(channel)!;
    expect(view).toMatchObject({ channelId: channel, circuit: 'closed', available: true, calls: 10, successRate: 0.9, timeoutRate: 0, errorRate: 0.1 });
    expect(view.p99LatencyMs).toBe(5_000);
    // The window ends: a minute later those calls no longer count.
    clock += 61_000;
    expect((await a.views([channel])).get(channel)).toMatchObject({ calls: 0, successRate: null });
  });

  it('one request per answered call, one BatchGet per route over two channels', async () => {
    const counter = DynamoRequestCounter.attach(db);
    try {
      const health = store();
      const [x, y] = [fresh('x'), fresh('y')];
      counter.reset();
      await health.record(x, 'success', 12);
      await health.record(x, 'decline', 12);
      expect(counter.snapshot().byCommand).toEqual({ UpdateItemCommand: 2 });
      counter.reset();
      await health.views([x, y], { admit: true });
      expect(counter.snapshot().byCommand).toEqual({ BatchGetItemCommand: 1 });
      // With a cache, a second route within the second reads nothing.
      const cached = new DynamoChannelHealthStore(db, table, policy, { now: () => clock, cacheMs: 1_000 });
      await cached.views([x, y]);
      counter.reset();
      await cached.views([x, y], { admit: true });
      expect(counter.snapshot().sends).toBe(0);
      // Concurrent routes of one container with a stale cache share one read.
      const cold = new DynamoChannelHealthStore(db, table, policy, { now: () => clock, cacheMs: 1_000 });
      counter.reset();
      const views = await Promise.all(Array.from({ length: 8 }, () => cold.views([x, y])));
      expect(counter.snapshot().byCommand).toEqual({ BatchGetItemCommand: 1 });
      expect(views.every((v) => v.get(x)!.calls === 2)).toBe(true);
    } finally {
      counter.detach();
    }
  });

  it('a streak of timeouts recorded by one container opens the circuit for another; declines never do', async () => {
    const channel = fresh('card_a');
    const [charge, route] = [store(), store()];
    for (let i = 0; i < 20; i += 1) await charge.record(channel, 'decline', 30);
    expect((await route.views([channel], { admit: true })).get(channel)).toMatchObject({ circuit: 'closed', available: true });
    for (let i = 0; i < 3; i += 1) await charge.record(channel, 'timeout', 5_000);
    const view = (await route.views([channel], { admit: true })).get(channel)!;
    expect(view).toMatchObject({ circuit: 'open', available: false, openedAt: new Date(clock).toISOString() });
  });

  it('half-open after openSeconds: exactly one of two racing routes gets the probe; answered probes close it', async () => {
    const channel = fresh('card_a');
    const [routeA, routeB, charge] = [store(), store(), store()];
    for (let i = 0; i < 3; i += 1) await charge.record(channel, 'timeout', 5_000);
    clock += policy.openSeconds * 1000;
    const [va, vb] = await Promise.all([routeA.views([channel], { admit: true }), routeB.views([channel], { admit: true })]);
    const granted = [va.get(channel)!, vb.get(channel)!].filter((v) => v.available);
    expect(granted).toHaveLength(1);
    expect(va.get(channel)!.circuit).toBe('half_open');
    // The read-only view (operations) never takes a slot.
    expect((await routeA.views([channel])).get(channel)).toMatchObject({ circuit: 'half_open', available: false });
    // While the probe is in flight nobody else probes.
    expect((await routeB.views([channel], { admit: true })).get(channel)!.available).toBe(false);
    await charge.record(channel, 'success', 50, { probe: true });
    expect((await routeB.views([channel], { admit: true })).get(channel)!.available).toBe(true);
    await charge.record(channel, 'success', 50, { probe: true });
    expect((await routeA.views([channel], { admit: true })).get(channel)).toMatchObject({ circuit: 'closed', available: true, openedAt: null });
  });

  it('a probe that times out opens the circuit again', async () => {
    const channel = fresh('card_a');
    const health = store();
    for (let i = 0; i < 3; i += 1) await health.record(channel, 'error', 100);
    clock += policy.openSeconds * 1000;
    expect((await health.views([channel], { admit: true })).get(channel)!.available).toBe(true);
    await health.record(channel, 'timeout', 5_000, { probe: true });
    expect((await health.views([channel], { admit: true })).get(channel)).toMatchObject({ circuit: 'open', available: false, openedAt: new Date(clock).toISOString() });
  });

  it('concurrent failures from many containers agree on one opening', async () => {
    const channel = fresh('card_a');
    const containers = Array.from({ length: 6 }, () => store());
    await Promise.all(containers.map((c) => c.record(channel, 'timeout', 5_000)));
    const views = await Promise.all(containers.map((c) => c.views([channel])));
    const opened = new Set(views.map((v) => v.get(channel)!.openedAt));
    expect(views.every((v) => v.get(channel)!.circuit === 'open')).toBe(true);
    expect(opened.size).toBe(1);
  });

  it('never fails the call it measures: a broken table is logged and dropped', async () => {
    const broken = new DynamoChannelHealthStore(db, `missing-${randomBytes(4).toString('hex')}`, policy);
    await expect(broken.record('card_a', 'timeout', 5_000)).resolves.toBeUndefined();
  });
});
