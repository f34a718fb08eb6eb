import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;

/**
 * The items of these keys in one table (BatchGet, 100 keys a request), retrying unprocessed keys with a short
 * backoff: a key left unprocessed is never read as "no item".
 */
export async function batchGetItems(
  db: DynamoDBDocumentClient,
  tableName: string,
  keyList: readonly Item[],
  options: { readonly consistent?: boolean } = {},
): Promise<Item[]> {
  const found: Item[] = [];
  for (let start = 0; start < keyList.length; start += 100) {
    let pending = keyList.slice(start, start + 100) as Item[];
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt >= 5) throw new Error(`BatchGet left ${pending.length} keys unprocessed`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
      const out = await db.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: options.consistent ?? false } } }));
      found.push(...(out.Responses?.[tableName] ?? []));
      pending = (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as Item[];
    }
  }
  return found;
}
