/**
 * The timer pipeline's settings, as data: the CDK app configures EventBridge Scheduler, SQS and the timer function
 * with them, and the local runtime's durable `timers` queue applies the same numbers.
 *
 *   a service ─schedule(key)─▶ one-time schedule (group, at() UTC) ─▶ timer queue ─▶ timer function ─▶ handler of kind
 *                                   │ undeliverable after retries              │ after maxReceiveCount failures
 *                                   ▼                                          ▼
 *                                   └───────────────────▶ timer dead-letter queue (alarmed)
 */
export const timerSettings = {
  /** A timer whose handler fails this many times is parked in the dead-letter queue. */
  maxReceiveCount: 5,
  timerFunctionTimeoutSeconds: 30,
  /** Six times the function's timeout, as AWS recommends for an SQS event source. */
  visibilityTimeoutSeconds: 180,
  /** 4 days: a timer is due when it reaches the queue; days are for an outage of the function. */
  queueRetentionSeconds: 4 * 24 * 3600,
  /** 14 days (the SQS maximum) in the DLQ, to look at and replay. */
  dlqRetentionSeconds: 14 * 24 * 3600,
  batchSize: 10,
  /** Caps parallel timer handlers: a burst of due queries must not hammer the channels. */
  maxConcurrency: 10,
} as const;

/** Handler module of the timer function, relative to the project root. */
export const timerEntry = 'functions/timers.ts';
