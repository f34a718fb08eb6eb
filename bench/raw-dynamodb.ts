import { randomBytes } from 'node:crypto';
import { PutItemCommand, TransactWriteItemsCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable, localDynamoDbClient } from '../infra/local/dynamodb-local.js';
import { runLoad, type LoadResult } from './load.js';

export interface RawOptions {
  readonly concurrency: number;
  readonly durationMs: number;
  /** Unmeasured run before each measurement, so the JVM's JIT and the engine's caches are warm. */
  readonly warmupMs: number;
}

export interface RawThroughput {
  readonly tableName: string;
  readonly conditionalPuts: LoadResult;
  /** TransactWriteItems of 3 conditional Puts. */
  readonly transactions: LoadResult;
}

/** Roughly the size of the attributes of an order item, so that the engine handles similar volumes of data. */
const PAYLOAD = randomBytes(300).toString('base64');

/**
 * A fresh item that no other call writes. It carries GSI1 keys as orders, ledger entries and events do, so each
 * write also maintains an index as the platform's writes do.
 */
function freshItem(phase: string, worker: number, seq: number, n: number): Record<string, AttributeValue> {
  const id = `${phase}#${worker}#${seq}#${n}`;
  return {
    PK: { S: `BENCH#${id}` },
    SK: { S: 'ITEM' },
    GSI1PK: { S: `BENCH#W${worker}` },
    GSI1SK: { S: id },
    payload: { S: PAYLOAD },
  };
}

function conditionalPut(client: DynamoDBClient, tableName: string, phase: string) {
  return async (worker: number, seq: number): Promise<void> => {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: freshItem(phase, worker, seq, 0),
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  };
}

function threePutTransaction(client: DynamoDBClient, tableName: string, phase: string) {
  return async (worker: number, seq: number): Promise<void> => {
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [0, 1, 2].map((n) => ({
          Put: {
            TableName: tableName,
            Item: freshItem(phase, worker, seq, n),
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        })),
      }),
    );
  };
}

/**
 * What the storage engine alone sustains, on a table of its own (same key schema and indexes as the platform's) so
 * that the platform's table is not disturbed. Every phase uses its own key prefix: keys are always fresh and the
 * conditions always hold.
 */
export async function benchRawDynamoDb(endpoint: string, options: RawOptions): Promise<RawThroughput> {
  const client = localDynamoDbClient(endpoint);
  const tableName = `bench-raw-${randomBytes(4).toString('hex')}`;
  const { concurrency, durationMs, warmupMs } = options;
  try {
    await ensureTable(client, tableName);
    await runLoad(concurrency, warmupMs, conditionalPut(client, tableName, 'put-warmup'));
    const conditionalPuts = await runLoad(concurrency, durationMs, conditionalPut(client, tableName, 'put'));
    await runLoad(concurrency, warmupMs, threePutTransaction(client, tableName, 'tx-warmup'));
    const transactions = await runLoad(concurrency, durationMs, threePutTransaction(client, tableName, 'tx'));
    return { tableName, conditionalPuts, transactions };
  } finally {
    client.destroy();
  }
}
