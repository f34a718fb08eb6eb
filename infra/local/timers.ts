import { installedDeps } from '../../functions/deps-registry.js';
import { handler as timersHandler, setTimerHandlers } from '../../functions/timers.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DurableQueue, type QueueSettings } from '../../shared/adapters/local/durable-queue.js';
import { LocalTimers } from '../../shared/adapters/local/local-timers.js';
import type { Config } from '../../shared/config.js';
import { createTimerHandlers, type TimerHandlers } from '../../shared/services/timer-handlers.js';
import { timerSettings as settings } from '../definitions/timers.js';
import { localDynamoDbClient } from './dynamodb-local.js';
import { LocalQueuePoller } from './queue-poller.js';

export interface LocalTimerService {
  /** The Timers port for the local services. */
  readonly timers: LocalTimers;
  readonly queue: DurableQueue;
  readonly deadLetters: DurableQueue;
  /** Polls now (a test that moved the runtime's clock past a due time). */
  wake(): void;
  stop(): Promise<void>;
}

/**
 * Timers in the local runtime: the durable `timers` queue (with its DLQ) in the local queues table, and a poller
 * that invokes the timer function's handler, as the SQS event source does in AWS. The poller sleeps until the next
 * timer is due (the queue reports it), and a schedule wakes it by the new timer's due time when that comes before the
 * next pass planned (wakeBy: a timer minutes ahead costs no pass, a timer due now one at once).
 */
export async function startLocalTimers(input: {
  readonly config: Config;
  readonly dynamoEndpoint: string;
  /** Default: the platform's registry (shared/services/timer-handlers.ts). */
  readonly handlers?: TimerHandlers;
  /** The queue's clock (the runtime's test clock); default Date.now. */
  readonly now?: () => number;
}): Promise<LocalTimerService> {
  const { config, dynamoEndpoint } = input;
  const db = createDocumentClient({ endpoint: dynamoEndpoint, region: 'local' });
  const admin = localDynamoDbClient(dynamoEndpoint);
  const queueTable = `${config.TABLE_NAME}-local-queues`;
  await DurableQueue.ensureTable(admin, queueTable);
  admin.destroy();

  const queueSettings = localTimerQueueSettings(config);
  const now = input.now ?? Date.now;
  const deadLetters = new DurableQueue(db, queueTable, 'timers-dlq', queueSettings, null, now);
  const queue = new DurableQueue(db, queueTable, 'timers', queueSettings, 'timers-dlq', now);
  setTimerHandlers(input.handlers ?? createTimerHandlers(runtimeDeps));
  const poller = new LocalQueuePoller(queue, timersHandler, {
    batchSize: settings.batchSize,
    intervalMs: config.LOCAL_POLL_INTERVAL_MS,
    maxIdleMs: config.LOCAL_IDLE_POLL_MAX_MS,
  });
  const timers = new LocalTimers(
    queue,
    (visibleInMs) => {
      if (config.LOCAL_WAKE_ON_WRITE) poller.wakeBy(visibleInMs);
    },
    now,
  );
  poller.start();
  return {
    timers,
    queue,
    deadLetters,
    wake: () => poller.wake(),
    async stop() {
      await poller.stop();
      db.destroy();
    },
  };
}

/** The services the runtime installed; a timer that fires before they are installed is delivered again. */
function runtimeDeps() {
  const deps = installedDeps();
  if (!deps) throw new Error('the local services are not installed yet');
  return deps;
}

/**
 * The SQS settings of the timer queue, except that a timer may wait any time (Scheduler holds it in AWS, not the
 * queue), and that the visibility timeout, like every retry delay in local mode, is scaled by PAY_RETRY_TIME_SCALE.
 */
export function localTimerQueueSettings(config: Pick<Config, 'PAY_RETRY_TIME_SCALE'>): QueueSettings {
  return {
    visibilityTimeoutMs: Math.max(1, Math.round(settings.visibilityTimeoutSeconds * 1000 * config.PAY_RETRY_TIME_SCALE)),
    maxReceiveCount: settings.maxReceiveCount,
    maxDelayMs: Number.MAX_SAFE_INTEGER,
  };
}
