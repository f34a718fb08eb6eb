import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { DurableQueue, ReceivedMessage } from '../../shared/adapters/local/durable-queue.js';
import { logger } from '../../shared/logger.js';

export type QueueHandler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

/**
 * What Lambda's SQS event source mapping does, for the local durable queue: receive a batch, invoke the same handler
 * the notifier function deploys, delete the messages that succeeded, and leave the reported failures (or the whole
 * batch, if the handler throws) to reappear after the visibility timeout, counted toward maxReceiveCount.
 */
export class LocalQueuePoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly queue: DurableQueue,
    private readonly handler: QueueHandler,
    private readonly options: { readonly batchSize: number; readonly intervalMs?: number },
  ) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.pollOnce()
        .then((n) => n)
        .catch((error: unknown) => {
          logger.error('queue poll failed', { queue: this.queue.queueName, error: error instanceof Error ? error.message : String(error) });
          return 0;
        })
        .then((n) => {
          // Drain quickly while there is work; otherwise poll at the interval.
          if (!this.stopped) this.timer = setTimeout(tick, n > 0 ? 0 : (this.options.intervalMs ?? 50));
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  async pollOnce(): Promise<number> {
    const messages = await this.queue.receive(this.options.batchSize);
    if (messages.length === 0) return 0;
    let failed: Set<string>;
    try {
      const response = await this.handler({ Records: messages.map((m) => toSqsRecord(this.queue.queueName, m)) });
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      logger.error('queue handler threw; the batch will be received again', { error: error instanceof Error ? error.message : String(error) });
      return messages.length;
    }
    await Promise.all(messages.filter((m) => !failed.has(m.messageId)).map((m) => this.queue.delete(m.messageId, m.receiptHandle)));
    return messages.length;
  }
}

function toSqsRecord(queueName: string, message: ReceivedMessage): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAtMs),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(message.sentAtMs),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:local:000000000000:${queueName}`,
    awsRegion: 'local',
  };
}
