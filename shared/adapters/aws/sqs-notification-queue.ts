import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { NotificationQueue, NotifyMessage } from '../../ports/notifications.js';

/** SQS: scheduled retries are new messages with DelaySeconds (at most 15 minutes; longer waits hop). */
export class SqsNotificationQueue implements NotificationQueue {
  readonly maxDelayMs = 900_000;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly deadLetterQueueUrl: string,
  ) {}

  async send(message: NotifyMessage, delayMs: number): Promise<void> {
    const delaySeconds = Math.min(900, Math.max(0, Math.ceil(delayMs / 1000)));
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message), DelaySeconds: delaySeconds }));
  }

  async deadLetter(message: NotifyMessage): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.deadLetterQueueUrl, MessageBody: JSON.stringify(message) }));
  }
}
