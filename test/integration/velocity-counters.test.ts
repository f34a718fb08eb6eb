import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ensureTable, localDynamoDbClient } from '../../infra/local/dynamodb-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { keys } from '../../shared/adapters/dynamodb/keys.js';
import { DynamoOrderStore, DynamoRiskReads } from '../../shared/adapters/dynamodb/order-store.js';
import { DynamoVelocityRuleStore } from '../../shared/adapters/dynamodb/velocity-rule-store.js';
import { newId } from '../../shared/domain/ids.js';
import { counterId, counterIncrements, counterReads, type VelocityRule } from '../../shared/domain/velocity.js';
import { VelocityRuleCache } from '../../shared/services/velocity-rules.js';

/**
 * The velocity counters and rules against DynamoDB Local (docs/decisions.md, 216-220): increments written in commit
 * transactions, read back in the risk step's BatchGet, concurrent increments of one counter all counted.
 */
const table = `velocity-${randomBytes(6).toString('hex')}`;
const db = createDocumentClient({ endpoint: inject('dynamoEndpoint'), region: 'local' });
const store = new DynamoOrderStore(db, table);
const reads = new DynamoRiskReads(db, table);
const rulesStore = new DynamoVelocityRuleStore(db, table);

beforeAll(async () => {
  const admin = localDynamoDbClient(inject('dynamoEndpoint'));
  await ensureTable(admin, table);
  admin.destroy();
});
afterAll(() => db.destroy());

const T0 = Date.parse('2026-11-28T02:00:00.000Z');

function rule(over: Partial<VelocityRule> = {}): VelocityRule {
  const now = new Date().toISOString();
  return {
    id: newId('vr'),
    scope: 'platform',
    subject: 'payer_id',
    metric: 'count',
    threshold: 3,
    windowSeconds: 60,
    currency: null,
    action: 'block',
    enabled: true,
    replaces: null,
    description: null,
    createdAt: now,
    updatedAt: now,
    version: 1,
    ...over,
  };
}

describe('velocity counters in DynamoDB', () => {
  it('counts every one of many concurrent commits on one counter, amounts per currency, and sets the TTL', async () => {
    const merchantId = `m_${randomBytes(4).toString('hex')}`;
    const rules = [rule()];
    const subjects = { payer_id: 'u-concurrent' };
    const payments = Array.from({ length: 16 }, (_, i) => ({ merchantId, amount: 100 + i, currency: i % 4 === 0 ? ('USD' as const) : ('CNY' as const) }));
    // Each commit is its own transaction holding only the increment: they all contend for the same item.
    await Promise.all(payments.map((p) => store.commit({ velocity: counterIncrements(rules, p, subjects, T0 + 1_000) })));

    const keysRead = counterReads(rules, merchantId, subjects, T0 + 2_000);
    const { counters } = await reads.load(newId('ord'), [], keysRead);
    expect(counters.size).toBe(1);
    const [increment] = counterIncrements(rules, payments[0]!, subjects, T0 + 1_000);
    const value = counters.get(counterId(increment!))!;
    expect(value.count).toBe(16);
    const sum = (currency: string) => payments.filter((p) => p.currency === currency).reduce((total, p) => total + p.amount, 0);
    expect(value.amounts).toEqual({ CNY: sum('CNY'), USD: sum('USD') });

    const { Item } = await db.send(new GetCommand({ TableName: table, Key: keys.velocityCounter(merchantId, 'payer_id', 'u-concurrent', increment!.bucketSeconds, increment!.bucket) }));
    expect(Item?.ttl).toBe(increment!.expiresAt);
    expect(Item!.ttl).toBeGreaterThan((T0 + 1_000) / 1000 + 60);
  });

  it('reads more counters than one BatchGet takes (100 keys) in further calls', async () => {
    const merchantId = `m_${randomBytes(4).toString('hex')}`;
    // 20 windows x 7 buckets: 140 keys, each counted once.
    const rules = Array.from({ length: 20 }, (_, i) => rule({ windowSeconds: 60 * (i + 1) }));
    const subjects = { payer_id: 'u-many' };
    for (let step = 0; step < 3; step += 1) {
      await store.commit({ velocity: counterIncrements(rules, { merchantId, amount: 1, currency: 'CNY' }, subjects, T0 + step * 1_000) });
    }
    const keysRead = counterReads(rules, merchantId, subjects, T0 + 3_000);
    expect(keysRead.length).toBeGreaterThan(100);
    const { counters } = await reads.load(newId('ord'), [], keysRead);
    const counted = [...counters.values()].reduce((total, c) => total + c.count, 0);
    // Each of the 20 bucket sizes holds all 3 attempts, all within every window.
    expect(counted).toBe(60);
  });
});

describe('velocity rules in DynamoDB', () => {
  it('lists a scope by its index, reads by id, changes only at the expected version, and caches per scope', async () => {
    const merchantId = `m_${randomBytes(4).toString('hex')}`;
    const platform = rule();
    const mine = rule({ scope: merchantId, replaces: platform.id, threshold: 10 });
    await rulesStore.create(platform);
    await rulesStore.create(mine);
    expect(await rulesStore.get(mine.id)).toEqual(mine);
    expect((await rulesStore.listScope(merchantId)).map((r) => r.id)).toEqual([mine.id]);

    expect(await rulesStore.update({ ...mine, threshold: 11, version: 2 }, 1)).toBe(true);
    expect(await rulesStore.update({ ...mine, threshold: 12, version: 2 }, 1)).toBe(false);
    expect((await rulesStore.get(mine.id))?.threshold).toBe(11);

    let nowMs = T0;
    const cache = new VelocityRuleCache(rulesStore, 5_000, () => nowMs);
    expect((await cache.forMerchant(merchantId)).map((r) => r.id)).toEqual([mine.id]);
    expect(await rulesStore.remove(mine.id, 2)).toBe(true);
    // Within the TTL the container keeps what it read; after it, the change is seen.
    expect((await cache.forMerchant(merchantId)).map((r) => r.id)).toEqual([mine.id]);
    nowMs += 5_000;
    expect((await cache.forMerchant(merchantId)).map((r) => r.id)).toContain(platform.id);
    expect((await cache.forMerchant(merchantId)).map((r) => r.id)).not.toContain(mine.id);
  });
});
