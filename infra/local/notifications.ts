import { join } from 'node:path';
import { handler as notifierHandler } from '../../functions/notify/notifier.js';
import { handler as relayHandler } from '../../functions/notify/relay.js';
import { setEventBus } from '../../functions/notify/bus.js';
import { setNotifyDeps } from '../../functions/notify/compose.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoAgreementStore } from '../../shared/adapters/dynamodb/agreement-store.js';
import { DynamoPayoutStore } from '../../shared/adapters/dynamodb/payout-store.js';
import { DynamoEventStore } from '../../shared/adapters/dynamodb/event-store.js';
import { DynamoOrderStore } from '../../shared/adapters/dynamodb/order-store.js';
import { HttpWebhookTransport } from '../../shared/adapters/http/webhook-transport.js';
import { DurableQueue, LocalNotificationQueue } from '../../shared/adapters/local/durable-queue.js';
import { LocalEventBus } from '../../shared/adapters/local/local-event-bus.js';
import { FileWebhookSigner } from '../../shared/adapters/local/file-webhook-signer.js';
import type { Config } from '../../shared/config.js';
import type { NotifyDeps } from '../../shared/services/notifications.js';
import { notificationSettings as settings } from '../definitions/notifications.js';
import { localDynamoDbClient } from './dynamodb-local.js';
import { LocalQueuePoller } from './queue-poller.js';
import { LocalStreamPoller } from './stream-poller.js';

export interface LocalNotifications {
  readonly deps: NotifyDeps;
  readonly queue: DurableQueue;
  readonly deadLetters: DurableQueue;
  readonly stream: LocalStreamPoller;
  stop(): Promise<void>;
}

/**
 * The notification pipeline of the local runtime: the table's stream read by the same relay handler as in AWS, a
 * local bus applying the notification rule, a durable queue and DLQ in DynamoDB Local with SQS semantics, and the
 * same notifier handler, signing with the local P-256 key under `.data/webhook-keys/`.
 */
export async function startLocalNotifications(input: {
  readonly config: Config;
  readonly dynamoEndpoint: string;
  readonly dataDir: string;
}): Promise<LocalNotifications> {
  const { config, dynamoEndpoint } = input;
  // A client of its own, as the relay and notifier functions have in AWS: their requests are not the API's.
  const db = createDocumentClient({ endpoint: dynamoEndpoint, region: 'local' });
  const admin = localDynamoDbClient(dynamoEndpoint);
  const queueTable = `${config.TABLE_NAME}-local-queues`;
  await DurableQueue.ensureTable(admin, queueTable);

  const queueSettings = {
    visibilityTimeoutMs: localVisibilityTimeoutMs(config),
    maxReceiveCount: settings.maxReceiveCount,
    maxDelayMs: settings.maxDelaySeconds * 1000,
  };
  const deadLetters = new DurableQueue(db, queueTable, 'notifications-dlq', queueSettings, null);
  const queue = new DurableQueue(db, queueTable, 'notifications', queueSettings, 'notifications-dlq');
  // The queue poller is created below; a send made before it exists needs no wake-up (it starts with a pass).
  let poller: LocalQueuePoller | undefined;
  const notificationQueue = new LocalNotificationQueue(queue, deadLetters, () => {
    if (config.LOCAL_WAKE_ON_WRITE) poller?.wake();
  });

  const deps: NotifyDeps = {
    events: new DynamoEventStore(db, config.TABLE_NAME),
    orders: new DynamoOrderStore(db, config.TABLE_NAME),
    agreements: new DynamoAgreementStore(db, config.TABLE_NAME),
    payouts: new DynamoPayoutStore(db, config.TABLE_NAME),
    queue: notificationQueue,
    signer: FileWebhookSigner.open(join(input.dataDir, 'webhook-keys')),
    transport: new HttpWebhookTransport({ allowLoopback: config.LOCAL_MODE, timeoutMs: settings.deliveryTimeoutMs }),
    now: Date.now,
    retryTimeScale: config.PAY_RETRY_TIME_SCALE,
  };
  setNotifyDeps(deps);
  setEventBus(new LocalEventBus(notificationQueue));

  const stream = new LocalStreamPoller({
    endpoint: dynamoEndpoint,
    admin,
    checkpoints: { db, tableName: queueTable },
    tableName: config.TABLE_NAME,
    handler: relayHandler,
    intervalMs: config.LOCAL_POLL_INTERVAL_MS,
    maxIdleMs: config.LOCAL_IDLE_POLL_MAX_MS,
  });
  poller = new LocalQueuePoller(queue, notifierHandler, {
    batchSize: settings.notifierBatchSize,
    intervalMs: config.LOCAL_POLL_INTERVAL_MS,
    maxIdleMs: config.LOCAL_IDLE_POLL_MAX_MS,
  });
  stream.start();
  poller.start();

  return {
    deps,
    queue,
    deadLetters,
    stream,
    async stop() {
      await Promise.all([stream.stop(), poller?.stop()]);
      admin.destroy();
      db.destroy();
    },
  };
}

/**
 * The notification queue's visibility timeout, scaled like every retry delay by PAY_RETRY_TIME_SCALE (contract,
 * Local mode): a message received by a process that then died reappears after 180 s × the scale, not 180 s.
 */
export function localVisibilityTimeoutMs(config: Pick<Config, 'PAY_RETRY_TIME_SCALE'>): number {
  return Math.max(1, Math.round(settings.visibilityTimeoutSeconds * 1000 * config.PAY_RETRY_TIME_SCALE));
}
