import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { KmsWebhookSigner } from '../../shared/adapters/aws/kms-webhook-signer.js';
import { SqsNotificationQueue } from '../../shared/adapters/aws/sqs-notification-queue.js';
import { DynamoAgreementStore } from '../../shared/adapters/dynamodb/agreement-store.js';
import { DynamoPayoutStore } from '../../shared/adapters/dynamodb/payout-store.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoEventStore } from '../../shared/adapters/dynamodb/event-store.js';
import { DynamoOrderStore } from '../../shared/adapters/dynamodb/order-store.js';
import { HttpWebhookTransport } from '../../shared/adapters/http/webhook-transport.js';
import { getConfig } from '../../shared/config.js';
import type { NotifyDeps } from '../../shared/services/notifications.js';

function required(name: string, value: string | undefined): string {
  if (!value) throw new Error(`${name} must be set for the notification functions`);
  return value;
}

/** AWS adapters of the notification ports, created once per container. */
export function awsNotifyDeps(): NotifyDeps {
  const config = getConfig();
  const db = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION });
  const sqs = new SQSClient({ region: config.AWS_REGION });
  const kms = new KMSClient({ region: config.AWS_REGION });
  return {
    events: new DynamoEventStore(db, config.TABLE_NAME),
    orders: new DynamoOrderStore(db, config.TABLE_NAME),
    agreements: new DynamoAgreementStore(db, config.TABLE_NAME),
    payouts: new DynamoPayoutStore(db, config.TABLE_NAME),
    queue: new SqsNotificationQueue(sqs, required('NOTIFY_QUEUE_URL', config.NOTIFY_QUEUE_URL), required('NOTIFY_DLQ_URL', config.NOTIFY_DLQ_URL)),
    signer: new KmsWebhookSigner(kms, required('WEBHOOK_SIGNING_KEY_ID', config.WEBHOOK_SIGNING_KEY_ID), config.WEBHOOK_RETIRING_KEY_IDS),
    transport: new HttpWebhookTransport({ allowLoopback: config.LOCAL_MODE }),
    now: Date.now,
    retryTimeScale: config.PAY_RETRY_TIME_SCALE,
  };
}
