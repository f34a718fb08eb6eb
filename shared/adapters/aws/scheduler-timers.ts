import { createHash } from 'node:crypto';
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { Config } from '../../config.js';
import { assertValidTimerKey, timerBody, type Timer, type Timers } from '../../ports/timers.js';

export interface SchedulerTimersOptions {
  readonly groupName: string;
  /** The role EventBridge Scheduler assumes to send to the timer queue (and to its dead-letter queue). */
  readonly roleArn: string;
  /** The timer queue: the target of every schedule. */
  readonly queueArn: string;
  /** Where Scheduler parks a timer it could not deliver after its retries. */
  readonly deadLetterQueueArn: string;
  readonly now?: () => number;
}

/** Schedule names: at most 64 characters of [0-9a-zA-Z-_.] (EventBridge Scheduler). */
const NAME_MAX = 64;
const HASH_CHARS = 20;

/**
 * The schedule name of a timer key: a readable prefix (the key with other characters made `_`, cut to fit) and 80
 * bits of the key's SHA-256, so two keys never share a name even when their readable parts collide (`a:b`, `a_b`).
 */
export function scheduleName(key: string): string {
  assertValidTimerKey(key);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, HASH_CHARS);
  const readable = key.replace(/[^0-9A-Za-z_.-]/g, '_').slice(0, NAME_MAX - HASH_CHARS - 1);
  return `${readable}-${hash}`;
}

/**
 * The `at()` expression of a due time, in UTC, whole seconds rounded up (a timer never fires early). A due time
 * that is already past, or about to be, is moved a few seconds ahead, so that the schedule is not created for a
 * moment that has gone by while the request was on its way.
 */
export function atExpression(dueAtMs: number, nowMs: number): string {
  const atMs = Math.ceil(Math.max(dueAtMs, nowMs + MIN_LEAD_MS) / 1000) * 1000;
  return `at(${new Date(atMs).toISOString().slice(0, 19)})`;
}
const MIN_LEAD_MS = 5_000;

/** Scheduler retries a failed send to the queue for up to a day, then parks the timer in the dead-letter queue. */
const RETRY_POLICY = { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 };

const errorName = (error: unknown) => (error as { name?: string }).name ?? '';

/**
 * Timers as EventBridge Scheduler one-time schedules: `at()` in UTC, no flexible window, deleted by Scheduler once
 * they have fired (ActionAfterCompletion DELETE), in one schedule group, each sending the timer body to the timer
 * queue, with a dead-letter queue on the target. A schedule's name is derived from its timer key, so scheduling a
 * key again finds the existing schedule (ConflictException) and replaces it.
 */
export class SchedulerTimers implements Timers {
  private readonly now: () => number;

  constructor(
    private readonly client: SchedulerClient,
    private readonly options: SchedulerTimersOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async schedule(timer: Timer): Promise<void> {
    const input = this.scheduleInput(timer);
    // Create, else replace. A schedule that fires and is deleted between the two calls makes the update miss
    // (ResourceNotFound): create again. Two rounds settle any such race; a third conflict is a real fault.
    for (let round = 0; round < 2; round++) {
      try {
        await this.client.send(new CreateScheduleCommand(input));
        return;
      } catch (error) {
        if (errorName(error) !== 'ConflictException') throw error;
      }
      try {
        await this.client.send(new UpdateScheduleCommand(input));
        return;
      } catch (error) {
        if (errorName(error) !== 'ResourceNotFoundException') throw error;
      }
    }
    throw new Error(`timer ${timer.key}: its schedule kept appearing and disappearing`);
  }

  async cancel(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: scheduleName(key), GroupName: this.options.groupName }));
    } catch (error) {
      // Fired (and deleted by Scheduler), cancelled before, or never set: nothing pending, as the port promises.
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
    }
  }

  private scheduleInput(timer: Timer): CreateScheduleCommandInput {
    return {
      Name: scheduleName(timer.key),
      GroupName: this.options.groupName,
      ScheduleExpression: atExpression(timer.dueAtMs, this.now()),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Description: `${timer.kind} timer`,
      Target: {
        Arn: this.options.queueArn,
        RoleArn: this.options.roleArn,
        Input: timerBody(timer),
        DeadLetterConfig: { Arn: this.options.deadLetterQueueArn },
        RetryPolicy: RETRY_POLICY,
      },
    };
  }
}

/** The timers of a function deployed with the Timers construct's environment (TIMER_*); fails loudly without it. */
export function schedulerTimersFromConfig(
  client: SchedulerClient,
  config: Pick<Config, 'TIMER_SCHEDULE_GROUP' | 'TIMER_SCHEDULER_ROLE_ARN' | 'TIMER_QUEUE_ARN' | 'TIMER_DLQ_ARN'>,
): SchedulerTimers {
  const required = (name: keyof typeof config): string => {
    const value = config[name];
    if (!value) throw new Error(`${name} must be set for a function that schedules timers`);
    return value;
  };
  return new SchedulerTimers(client, {
    groupName: required('TIMER_SCHEDULE_GROUP'),
    roleArn: required('TIMER_SCHEDULER_ROLE_ARN'),
    queueArn: required('TIMER_QUEUE_ARN'),
    deadLetterQueueArn: required('TIMER_DLQ_ARN'),
  });
}
