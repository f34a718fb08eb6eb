import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Creates a local-only table with a string partition key and a string sort key unless it exists (the local queues,
 * the sandbox channels' store). Two processes starting at once may both try: the loser's ResourceInUseException is
 * the table being there.
 */
export async function ensureLocalTable(client: DynamoDBClient, tableName: string, partitionKey: string, sortKey: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  await client
    .send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: partitionKey, AttributeType: 'S' },
          { AttributeName: sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
      }),
    )
    .catch((error: unknown) => {
      if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
    });
}
