import { handler as settlementHandler } from '../../functions/settlement.js';
import { logger } from '../../shared/logger.js';
import { localSettlementPeriodMs } from '../definitions/settlement.js';

export interface LocalSettlementSchedule {
  stop(): Promise<void>;
}

/**
 * The local equivalent of the daily EventBridge schedule (infra/cdk/settlement.ts): the settlement function's own
 * handler, run every quarter of PAY_SETTLEMENT_DELAY_SECONDS (at least every second), so a payment settles within a
 * few seconds of its due time with no request (contract, "Local mode"). Runs never overlap here; a failed run is
 * logged and the next one finishes what it left OPEN, as a retry does in AWS.
 */
export function startLocalSettlementSchedule(settlementDelaySeconds: number): LocalSettlementSchedule {
  const periodMs = localSettlementPeriodMs(settlementDelaySeconds);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = settlementHandler()
      .then(
        (run) => {
          if (run.settlements > 0) logger.info('local settlement run', run);
        },
        (error: unknown) => logger.error('local settlement run failed', { error: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, periodMs).unref();
      });
  };
  // unref: the schedule alone never keeps a process alive (the gateway does, while it listens).
  timer = setTimeout(tick, periodMs).unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
