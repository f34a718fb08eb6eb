import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * One document client per container. The same code talks to DynamoDB in AWS and to DynamoDB Local; only the
 * endpoint (and the dummy credentials Local accepts) differ.
 */
export function createDocumentClient(options: { endpoint?: string; region: string }): DynamoDBDocumentClient {
  const config: DynamoDBClientConfig = { region: options.region, maxAttempts: 4 };
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  const client = withoutSdkRequestLog(new DynamoDBClient(config));
  return DynamoDBDocumentClient.from(client, {
    // convertClassInstanceToMap: the marshaller tells a plain object from a class instance by `value.constructor`,
    // so order metadata with a merchant's key "constructor" (a string) would read as a class instance and fail the
    // write. Merchants may use any key (docs/decisions.md, entry 41); the platform itself stores no class instances.
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
}

/**
 * The SDK's logger middleware runs its sensitive-data filter over every input and output even with the default no-op
 * logger (3 % of the local runtime's CPU under load, more for stream reads). The platform never logs SDK calls: it
 * logs its own events, without payloads (shared/logger.ts).
 */
export function withoutSdkRequestLog<C extends { middlewareStack: { remove(name: string): boolean } }>(client: C): C {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

/** Names of the reasons a transaction was cancelled, in item order ('None' for items that were fine). */
export function cancellationReasons(error: unknown): string[] | undefined {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] };
  if (e?.name !== 'TransactionCanceledException') return undefined;
  return (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
}

export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

/**
 * Retries a transaction that lost a race on an item to another transaction (TransactionConflict): nothing was
 * written, so trying again is safe. Condition failures are returned to the caller, never retried here.
 */
export async function withConflictRetry<T>(run: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      const reasons = cancellationReasons(error);
      const conflict = reasons?.includes('TransactionConflict') && !reasons.includes('ConditionalCheckFailed');
      if (!conflict || attempt >= attempts) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * 2 ** attempt));
    }
  }
}
