import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { DurableQueue, ReceivedMessage } from '../../shared/adapters/local/durable-queue.js';
import { logger } from '../../shared/logger.js';
import { PollLoop, type PollResult } from './poll-loop.js';

export type QueueHandler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

/**
 * What Lambda's SQS event source mapping does, for the local durable queue: receive a batch, invoke the same handler
 * the notifier function deploys, delete the messages that succeeded, and leave the reported failures (or the whole
 * batch, if the handler throws) to reappear after the visibility timeout, counted toward maxReceiveCount.
 */
export interface QueuePollerOptions {
  readonly batchSize: number;
  /** First idle wait; idle waits double up to maxIdleMs (infra/local/poll-loop.ts). */
  readonly intervalMs?: number;
  readonly maxIdleMs?: number;
}

export class LocalQueuePoller {
  private readonly loop: PollLoop;

  constructor(
    private readonly queue: DurableQueue,
    private readonly handler: QueueHandler,
    private readonly options: QueuePollerOptions,
  ) {
    const intervalMs = options.intervalMs ?? 50;
    this.loop = new PollLoop(() => this.pass(), { name: `queue ${queue.queueName}`, intervalMs, maxIdleMs: options.maxIdleMs ?? intervalMs });
  }

  start(): void {
    this.loop.start();
  }

  /** A message was just sent: look now instead of at the end of an idle wait. */
  wake(): void {
    this.loop.wake();
  }

  /** A message was just sent that becomes visible in `inMs`: look by then (PollLoop.wakeBy). */
  wakeBy(inMs: number): void {
    this.loop.wakeBy(inMs);
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  async pollOnce(): Promise<number> {
    return (await this.receiveAndHandle()).handled;
  }

  private async pass(): Promise<PollResult> {
    const { handled, nextVisibleAtMs } = await this.receiveAndHandle();
    return { busy: handled > 0, ...(nextVisibleAtMs === null ? {} : { nextDueInMs: nextVisibleAtMs - Date.now() }) };
  }

  private async receiveAndHandle(): Promise<{ handled: number; nextVisibleAtMs: number | null }> {
    const { messages, nextVisibleAtMs } = await this.queue.receiveBatch(this.options.batchSize);
    if (messages.length === 0) return { handled: 0, nextVisibleAtMs };
    let failed: Set<string>;
    try {
      const response = await this.handler({ Records: messages.map((m) => toSqsRecord(this.queue.queueName, m)) });
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      logger.error('queue handler threw; the batch will be received again', { error: error instanceof Error ? error.message : String(error) });
      return { handled: messages.length, nextVisibleAtMs };
    }
    await Promise.all(messages.filter((m) => !failed.has(m.messageId)).map((m) => this.queue.delete(m.messageId, m.receiptHandle)));
    return { handled: messages.length, nextVisibleAtMs };
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
