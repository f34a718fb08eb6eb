import { QueryCommand, ScanCommand, type DynamoDBDocumentClient, type QueryCommandInput, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;

/**
 * A query's (or scan's) pages, each as DynamoDB returned it (a page stops at 1 MB, so "one query" is a loop). Async
 * generators keep memory to one page for callers that stream (a statement, the ledger check); `queryAll` gathers the
 * items for callers that need the whole list.
 */
export async function* queryPages(db: DynamoDBDocumentClient, input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): AsyncGenerator<Item[]> {
  let start: Item | undefined;
  do {
    const out = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    yield out.Items ?? [];
    start = out.LastEvaluatedKey;
  } while (start);
}

/** Every item a query matches, one page in memory at a time. */
export async function* queryItems(db: DynamoDBDocumentClient, input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): AsyncGenerator<Item> {
  for await (const page of queryPages(db, input)) yield* page;
}

/** Every item a scan reads, one page in memory at a time. */
export async function* scanItems(db: DynamoDBDocumentClient, input: Omit<ScanCommandInput, 'ExclusiveStartKey'>): AsyncGenerator<Item> {
  let start: Item | undefined;
  do {
    const out = await db.send(new ScanCommand({ ...input, ExclusiveStartKey: start }));
    yield* out.Items ?? [];
    start = out.LastEvaluatedKey;
  } while (start);
}

/** Every item a query matches, gathered. */
export async function queryAll(db: DynamoDBDocumentClient, input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of queryItems(db, input)) items.push(item);
  return items;
}
