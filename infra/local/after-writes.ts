import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
]);

/**
 * Calls `onWrite` after every successful write through `client` (a write that failed changed nothing, so it left no
 * stream record). The local runtime uses it to wake its stream poller: in AWS the event source mapping reads the
 * stream on its own, locally the poller would otherwise only see the record at the end of an idle wait.
 */
export function afterWrites(client: DynamoDBDocumentClient, onWrite: () => void): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const output = await next(args);
      if (WRITE_COMMANDS.has(context.commandName ?? '')) onWrite();
      return output;
    },
    { step: 'initialize', name: 'localAfterWrites', override: true },
  );
}
