import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { schedulerTimersFromConfig } from '../../shared/adapters/aws/scheduler-timers.js';
import { getConfig } from '../../shared/config.js';
import type { Timers } from '../../shared/ports/timers.js';

/**
 * Timers in AWS: EventBridge Scheduler one-time schedules (docs/decisions.md, entry 80). Provided only by the
 * functions that set deadlines (order, pay, refund, timers), which CDK deploys with the TIMER_* environment and the
 * Timers construct's grantSchedule; no other bundle carries the Scheduler client.
 */
export function schedulerTimers(): Timers {
  const config = getConfig();
  return schedulerTimersFromConfig(new SchedulerClient({ region: config.AWS_REGION }), config);
}
