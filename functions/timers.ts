import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { logger, withLogContext } from '../shared/logger.js';
import { recordTimerDropped } from '../shared/metrics.js';
import { TIMER_KEY_PATTERN, type Timer } from '../shared/ports/timers.js';
import { createTimerHandlers, type TimerHandlers } from '../shared/services/timer-handlers.js';
import { schedulerTimers } from './aws/scheduler-timers.js';
import { kmsKeyCenter } from './aws/kms-key-center.js';
import { getChannelDeps, provideAws } from './services.js';

// A janitor's next step is often the object's next timer (the following query on the backoff schedule). Its handlers
// query, close and refund at channels, whose credentials are sealed: this function opens them, and only them.
provideAws({ timers: schedulerTimers, keyCenter: kmsKeyCenter });

/**
 * The timer function: the target of every timer, fed by the timer queue (EventBridge Scheduler sends each due timer
 * there in AWS; the local poller reads the durable `timers` queue). It parses each timer and hands it to the handler
 * registered for its kind. A timer nobody can act on (a body that is not a timer, a kind with no handler) is logged,
 * counted (TimersDropped) and acknowledged: redelivering it could never succeed, only storm. A handler that throws
 * is a batch item failure, delivered again after the visibility timeout and parked in the DLQ after the last receive.
 */
const timerSchema = z.object({
  key: z.string().check(z.regex(TIMER_KEY_PATTERN)),
  // Any kind parses: whether it can be handled is the registry's answer, so an unknown one is counted as such.
  kind: z.string().check(z.minLength(1), z.maxLength(64)),
  dueAtMs: z.int().check(z.minimum(0)),
  payload: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

/** A queue body as a Timers adapter wrote it, or undefined. */
export function parseTimer(body: string): Timer | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = timerSchema.safeParse(json);
  return parsed.success ? (parsed.data as Timer) : undefined;
}

let handlers: TimerHandlers | undefined;

/** The local runtime and tests install their registry; in AWS it is the platform's (shared/services). */
export function setTimerHandlers(value: TimerHandlers): void {
  handlers = value;
}

/**
 * The registry installed by the local runtime or a test; in AWS the platform's handlers over the Deps with every
 * channel this deployment runs, because the janitor queries, closes and refunds at channels. Composed on the first
 * timer; a failed credential load fails that timer (delivered again) and is tried again by the next.
 */
async function timerHandlers(): Promise<TimerHandlers> {
  if (handlers) return handlers;
  const deps = await getChannelDeps();
  return (handlers ??= createTimerHandlers(() => deps));
}

async function dispatch(registry: TimerHandlers, record: SQSRecord): Promise<void> {
  const timer = parseTimer(record.body);
  if (!timer) {
    logger.error('timer dropped: the message is not a timer', { messageId: record.messageId });
    recordTimerDropped('malformed', { messageId: record.messageId }, Date.now());
    return;
  }
  const handle = registry.handlerOf(timer.kind);
  if (!handle) {
    logger.error('timer dropped: no handler for its kind', { key: timer.key, kind: timer.kind });
    recordTimerDropped('unknown_kind', { key: timer.key, kind: timer.kind }, Date.now());
    return;
  }
  await withLogContext({ timerKey: timer.key, timerKind: timer.kind }, () => handle(timer));
}

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const results = await Promise.all(
    event.Records.map(async (record) => {
      try {
        await dispatch(await timerHandlers(), record);
        return null;
      } catch (error) {
        logger.error('timer handler failed; the timer will be delivered again', {
          messageId: record.messageId,
          error: error instanceof Error ? error.message : String(error),
        });
        return { itemIdentifier: record.messageId };
      }
    }),
  );
  return { batchItemFailures: results.filter((r): r is { itemIdentifier: string } => r !== null) };
};
