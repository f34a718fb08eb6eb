import { randomBytes } from 'node:crypto';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTable, localDynamoDbClient } from '../../infra/local/dynamodb-local.js';
import { channelUsageUpdate, DynamoChannelStore } from '../../shared/adapters/dynamodb/channel-store.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { CHANNEL_USAGE_SHARDS, keys } from '../../shared/adapters/dynamodb/keys.js';
import { cardAcquirerCatalogRow } from '../../shared/channels/card-acquirer/catalog.js';

const table = `channels-${randomBytes(6).toString('hex')}`;
const db = createDocumentClient({ endpoint: inject('dynamoEndpoint'), region: 'local' });
const store = new DynamoChannelStore(db, table);
const defaults = [cardAcquirerCatalogRow('card_a', 30), cardAcquirerCatalogRow('card_b', 45)];

beforeAll(async () => {
  const admin = localDynamoDbClient(inject('dynamoEndpoint'));
  await ensureTable(admin, table);
  admin.destroy();
});
afterAll(() => db.destroy());

describe('channel records on DynamoDB Local', () => {
  it("stands the registry's row in for a channel without an item, and keeps an operator's change over it", async () => {
    expect(await store.list(defaults)).toEqual(defaults.map((row) => ({ ...row, updatedAt: null, version: 0 })));
    const [cardA] = await store.list(defaults);
    expect(await store.put({ ...cardA!, enabled: false, updatedAt: '2026-11-28T00:00:00.000Z' }, 0)).toBe(true);
    // A second writer that read version 0 too loses: nothing is overwritten unseen.
    expect(await store.put({ ...cardA!, costBps: 1 }, 0)).toBe(false);
    const listed = await store.list(defaults);
    expect(listed[0]).toMatchObject({ id: 'card_a', enabled: false, costBps: 30, version: 1 });
    expect(listed[1]).toMatchObject({ id: 'card_b', version: 0 });
    // A deploy whose registry row changed does not overwrite the stored record.
    expect((await store.list([{ ...defaults[0]!, costBps: 99 }]))[0]).toMatchObject({ costBps: 30, enabled: false });
    expect(await store.put({ ...listed[0]!, enabled: true }, 1)).toBe(true);
    expect((await store.list(defaults))[0]).toMatchObject({ enabled: true, version: 2 });
  });

  it("sums a day's usage over its shards, per currency and day, and lets each shard expire after its day", async () => {
    const nowMs = Date.parse('2026-11-28T10:00:00Z');
    const add = (shard: number, amount: number, currency = 'CNY', at = nowMs) =>
      db.send(new TransactWriteCommand({ TransactItems: [channelUsageUpdate(table, { channel: 'card_a', currency, amount, nowMs: at }, shard)] }));
    await add(0, 1000);
    await add(CHANNEL_USAGE_SHARDS - 1, 250);
    await add(0, 5);
    await add(1, 7000, 'USD');
    await add(2, 9000, 'CNY', nowMs - 86_400_000);
    expect(await store.usedToday(['card_a', 'card_b'], 'CNY', nowMs)).toEqual(new Map([['card_a', 1255], ['card_b', 0]]));
    expect(await store.usedToday(['card_a'], 'USD', nowMs)).toEqual(new Map([['card_a', 7000]]));
    const shard = await db.send(new GetCommand({ TableName: table, Key: keys.channelUsage('card_a', '2026-11-28', 'CNY', 0) }));
    expect(shard.Item).toMatchObject({ amount: 1005, entity: 'ChannelUsage', ttl: Date.parse('2026-12-01T00:00:00Z') / 1000 });
  });
});
