import { DELIVERY_TIMEOUT_MS, DOMAIN_EVENT_SOURCE } from '../../shared/domain/webhook.js';

/**
 * The notification pipeline's settings, as data: the CDK app configures SQS, EventBridge and the stream consumer with
 * them, and the local runtime's queue and bus adapters apply the same numbers, so both behave alike.
 *
 *   table stream ─▶ outbox relay ─▶ event bus ─▶ rule ─▶ notification queue ─▶ notifier ─▶ merchant notifyUrl
 *                                                            │ (after maxReceiveCount crashes, or the last
 *                                                            ▼  scheduled attempt)            dead-letter queue
 */

export const notificationSettings = {
  /** EventBridge `source` of the platform's domain events. */
  eventSource: DOMAIN_EVENT_SOURCE,
  /** A message that makes the notifier crash this many times is parked in the DLQ (poison message). Scheduled
   * retries do not count: each one is a new message (see docs/decisions.md, "Webhook retry schedule"). */
  maxReceiveCount: 5,
  /** Seconds a received message stays invisible: six times the notifier's timeout, as AWS recommends. */
  visibilityTimeoutSeconds: 180,
  notifierTimeoutSeconds: 30,
  /** The contract's 10 s per delivery attempt. */
  deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
  /** 4 days in the queue: far beyond the longest single wait (15 min per hop). */
  queueRetentionSeconds: 4 * 24 * 3600,
  /** 14 days (the SQS maximum) in the DLQ, to look at and redeliver. */
  dlqRetentionSeconds: 14 * 24 * 3600,
  /** SQS refuses a DelaySeconds above 15 minutes: longer waits are taken in hops of at most this. */
  maxDelaySeconds: 900,
  notifierBatchSize: 10,
  /** Caps parallel deliveries so a retry storm cannot hammer merchants (or exhaust the account's concurrency). */
  notifierMaxConcurrency: 20,
} as const;

/** Handler modules of the pipeline, relative to the project root. */
export const notificationEntries = {
  relay: 'functions/notify/relay.ts',
  notifier: 'functions/notify/notifier.ts',
} as const;
