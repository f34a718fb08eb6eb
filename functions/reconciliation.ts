import { createDocumentClient } from '../shared/adapters/dynamodb/client.js';
import { getConfig } from '../shared/config.js';
import { ValidationError } from '../shared/domain/errors.js';
import { channelDay, neighbourDay } from '../shared/reconciliation/bill.js';
import type { ReconciliationSummary } from '../shared/reconciliation/report.js';
import { runReconciliation } from '../shared/services/reconciliation.js';
import { kmsKeyCenter } from './aws/kms-key-center.js';
import { reconciliationDeps, s3Reports } from './reconciliation-deps.js';
import { getChannelDeps, provideAws } from './services.js';

// The bills are fetched and unmatched items queried with the channels' sealed credentials: this function opens them.
provideAws({ keyCenter: kmsKeyCenter });

/** What a schedule (one per channel) sends; `date` only when an operator re-drives a day by hand. */
export interface ReconciliationEvent {
  readonly channel?: unknown;
  readonly date?: unknown;
}

/**
 * The daily reconciliation of one channel (infra/cdk/reconciliation.ts, docs/decisions.md 188-192): an EventBridge
 * rule per channel invokes it once a day with `{"channel": …}`, for the channel's previous business day (its bill is
 * published by then). The run is the one `POST /ops/v1/reconciliations` makes; its discrepancy count is the metric
 * the alarm watches, and the count's sample is the proof it ran. A run that fails (the bill not published yet, the
 * channel down) throws: EventBridge retries it, then dead-letters the event (alarmed).
 */
export async function handler(event: ReconciliationEvent): Promise<Omit<ReconciliationSummary, 'reportKey'>> {
  const config = getConfig();
  const reports = s3Reports(config);
  if (!reports) throw new Error('REPORTS_BUCKET must be set for the reconciliation function');
  if (typeof event.channel !== 'string') throw new ValidationError('parameter_invalid', 'The event must name a channel.', 'channel');
  const deps = await getChannelDeps();
  const db = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION });
  const date = typeof event.date === 'string' ? event.date : previousChannelDay(event.channel, deps.now());
  const { rows: _rows, reportKey: _key, ...summary } = await runReconciliation(reconciliationDeps(deps, db, config.TABLE_NAME, reports), { channel: event.channel, date });
  return summary;
}

/** The channel's business day before the one running at `nowMs`: the last day whose bill is complete. */
export function previousChannelDay(channel: string, nowMs: number): string {
  return neighbourDay(channelDay(channel, new Date(nowMs).toISOString()), -1);
}
