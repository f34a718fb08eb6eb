import type { SettlementRun } from '../shared/services/settlement.js';
import { runSettlement } from '../shared/services/settlement.js';
import { getDeps } from './services.js';

/**
 * The settlement run (docs/decisions.md, entries 151–153): daily in AWS from an EventBridge Scheduler schedule
 * (infra/cdk/settlement.ts), every few seconds locally (infra/local/settlement-schedule.ts). The same service settles
 * on both; a run that fails throws, so EventBridge retries it, then dead-letters it (alarmed), and the next run
 * finishes whatever it left OPEN.
 */
export async function handler(): Promise<{ cutoff: string; settlements: number; postings: number }> {
  const run: SettlementRun = await runSettlement(getDeps());
  return { cutoff: run.cutoff, settlements: run.settlements.length, postings: run.settlements.reduce((n, s) => n + s.count, 0) };
}
