/**
 * The settlement run's schedule, as data (docs/decisions.md, entries 151–153): the CDK app schedules the settlement
 * function with these numbers; the local runtime runs the same service on a short period derived from the delay.
 */
export const settlementSettings = {
  /** Daily, after midnight UTC: the run settles what was captured at least PAY_SETTLEMENT_DELAY_SECONDS before it. */
  cron: { minute: '30', hour: '0' },
  /** A run reads by index and writes one small transaction per posting: minutes for a busy day, never the 15 min cap. */
  timeoutSeconds: 600,
  /** EventBridge retries a failed invocation this often, then the event goes to the dead-letter queue (alarmed). */
  retryAttempts: 2,
} as const;

/** Handler module of the settlement function, relative to the project root. */
export const settlementEntry = 'functions/settlement.ts';

/** The local schedule's period: a quarter of the delay, at least a second, at most the AWS run's day. */
export function localSettlementPeriodMs(settlementDelaySeconds: number): number {
  return Math.min(86_400_000, Math.max(1000, Math.floor((settlementDelaySeconds * 1000) / 4)));
}
