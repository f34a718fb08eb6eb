import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface RequestCounts {
  /** Commands sent (client.send calls), whatever the outcome. */
  readonly sends: number;
  /** HTTP attempts: sends plus the SDK's own retries (throttling, 5xx, network). */
  readonly attempts: number;
  /** Sends by command name, e.g. TransactWriteItemsCommand. */
  readonly byCommand: Record<string, number>;
}

const SEND_MIDDLEWARE = 'benchCountSends';
const ATTEMPT_MIDDLEWARE = 'benchCountAttempts';

/**
 * Counts the requests a DynamoDB client makes, through its middleware stack. A DynamoDBDocumentClient shares the
 * middleware stack of the DynamoDBClient it wraps, so this sees document commands (Get, TransactWrite...) under the
 * names of the low-level commands they become (GetItemCommand, TransactWriteItemsCommand...).
 */
export class DynamoRequestCounter {
  private byCommand = new Map<string, number>();
  private attempts = 0;

  private constructor(private readonly client: DynamoDBDocumentClient) {}

  static attach(client: DynamoDBDocumentClient): DynamoRequestCounter {
    const counter = new DynamoRequestCounter(client);
    // 'initialize' runs once per send, before retries: one count per command the application issues.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName ?? 'unknown';
        counter.byCommand.set(name, (counter.byCommand.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: SEND_MIDDLEWARE, priority: 'high' },
    );
    // Inside the retry middleware (same step, lower priority): once per HTTP attempt.
    client.middlewareStack.add(
      (next) => async (args) => {
        counter.attempts += 1;
        return next(args);
      },
      { step: 'finalizeRequest', name: ATTEMPT_MIDDLEWARE, priority: 'low' },
    );
    return counter;
  }

  reset(): void {
    this.byCommand = new Map();
    this.attempts = 0;
  }

  snapshot(): RequestCounts {
    const byCommand = Object.fromEntries([...this.byCommand].sort(([a], [b]) => a.localeCompare(b)));
    const sends = Object.values(byCommand).reduce((a, b) => a + b, 0);
    return { sends, attempts: this.attempts, byCommand };
  }

  detach(): void {
    this.client.middlewareStack.remove(SEND_MIDDLEWARE);
    this.client.middlewareStack.remove(ATTEMPT_MIDDLEWARE);
  }
}
