import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { withLogContext, logger } from '../../shared/logger.js';
import type { NotifyMessage } from '../../shared/ports/notifications.js';
import { processNotification } from '../../shared/services/notifications.js';
import { getNotifyDeps } from './compose.js';

/** A queue body as the rule (or the notifier itself) wrote it; anything else is a poison message. */
export function parseNotifyMessage(body: string): NotifyMessage {
  const parsed = JSON.parse(body) as Partial<NotifyMessage>;
  if (typeof parsed.eventId !== 'string' || !/^evt_[0-9a-z]{26}$/.test(parsed.eventId)) throw new Error('message has no valid eventId');
  const attempt = typeof parsed.attempt === 'number' && Number.isInteger(parsed.attempt) && parsed.attempt >= 0 ? parsed.attempt : 0;
  return {
    eventId: parsed.eventId,
    attempt,
    ...(typeof parsed.notBefore === 'number' ? { notBefore: parsed.notBefore } : {}),
    ...(parsed.manual === true ? { manual: true } : {}),
  };
}

/**
 * The notifier: each message is one delivery attempt (or a hop of a long wait). The batch's messages are delivered
 * in parallel (each within the 10 s delivery timeout); a message whose processing throws is reported as a batch
 * item failure, so SQS shows it again after the visibility timeout and, after maxReceiveCount, parks it in the DLQ.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const deps = await getNotifyDeps();
  const results = await Promise.all(
    event.Records.map(async (record) => {
      try {
        const message = parseNotifyMessage(record.body);
        await withLogContext({ eventId: message.eventId, messageId: record.messageId }, () => processNotification(deps, message));
        return null;
      } catch (error) {
        logger.error('notification failed', { messageId: record.messageId, error: error instanceof Error ? error.message : String(error) });
        return { itemIdentifier: record.messageId };
      }
    }),
  );
  return { batchItemFailures: results.filter((r): r is { itemIdentifier: string } => r !== null) };
};
