import type { ChannelAdapter } from '../ports/channel-flows.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { OrderStore } from '../ports/stores.js';
import type { DynamoPayoutStore } from '../adapters/dynamodb/payout-store.js';
import { attemptItem, payoutItem, payoutReturnItem, refundItem, type DynamoReconciliationStore } from '../adapters/dynamodb/reconciliation-store.js';
import { payoutChannelOf } from '../channels/netbank/payout-client.js';
import { NotFoundError, ServiceUnavailableError, ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { logger } from '../logger.js';
import { recordReconciliation } from '../metrics.js';
import { channelDay, isCalendarDate, neighbourDay, TRADE_BILL_KINDS, type BillLine, type ParsedBill } from '../reconciliation/bill.js';
import { matchBill, reconciliationKey, type ItemRef, type MatchLookups, type PlatformItem, type QueryEvidence } from '../reconciliation/match.js';
import { countRows, discrepancyCount, reportKey, type ReconciliationReport, type ReconciliationSummary } from '../reconciliation/report.js';

export interface ReconciliationDeps {
  readonly channels: ReadonlyMap<string, ChannelAdapter>;
  readonly orders: Pick<OrderStore, 'findAttempt' | 'getAttempt' | 'getRefund'>;
  /** A payout line's item (the netbank payout statement), by our payout id. */
  readonly payouts: Pick<DynamoPayoutStore, 'get'>;
  readonly runs: Pick<DynamoReconciliationStore, 'platformDay' | 'saveRun' | 'getRun' | 'listRuns'>;
  readonly reports: ObjectStore;
  readonly now: () => number;
}

/**
 * One reconciliation run (对账) of a channel's business day: fetch its bill through the channel's adapter, read the
 * platform's attempts and refunds filed under that day, match them line by line (shared/reconciliation/match.ts),
 * store the report in the object store and its summary in the table, and publish the discrepancy count as a metric
 * (the alarm's source). Nothing on the platform changes: a discrepancy is for an operator (or, for an unknown
 * outcome, the janitor) to settle through the usual commit path.
 */
export async function runReconciliation(deps: ReconciliationDeps, input: { readonly channel: string; readonly date: string }): Promise<ReconciliationReport> {
  const channel = billingChannel(deps, input.channel);
  const today = channelDay(input.channel, new Date(deps.now()).toISOString());
  if (!isCalendarDate(input.date) || input.date > today) {
    throw new ValidationError('parameter_invalid', 'date must be a YYYY-MM-DD day of the channel that has begun.', 'date');
  }
  const bill = await fetchBill(channel, input.date);
  // Only the kinds this bill reports are expected in it (a payout statement does not carry the bank's collections).
  const covers = bill.covers ?? TRADE_BILL_KINDS;
  const platform = (await deps.runs.platformDay(input.channel, input.date)).filter((item) => covers.includes(item.kind));
  const rows = await matchBill({ channel: input.channel, date: input.date, lines: bill.lines, platform, lookups: lookups(deps, channel, input.date, today) });
  const createdAt = new Date(deps.now()).toISOString();
  // The report's id: the platform's time-sortable id alphabet under a prefix of its own.
  const id = `rec_${newId('req', deps.now()).slice('req_'.length)}`;
  const counts = countRows(rows);
  const summary: ReconciliationSummary = {
    id, channel: input.channel, date: input.date, createdAt, billLines: bill.lines.length, platformItems: platform.length,
    counts, discrepancies: discrepancyCount(counts), reportKey: reportKey(input.channel, input.date, id),
  };
  const report: ReconciliationReport = { ...summary, rows };
  // The report first, then its summary: a summary never points at a report that was not written.
  await deps.reports.put(summary.reportKey, `${JSON.stringify(report, null, 2)}\n`, 'application/json');
  await deps.runs.saveRun(summary);
  recordReconciliation(input.channel, summary.discrepancies, { reconciliationId: id, date: input.date }, deps.now());
  const log = { reconciliationId: id, channel: input.channel, date: input.date, counts };
  if (summary.discrepancies > 0) logger.warn('reconciliation: discrepancies', log);
  else logger.info('reconciliation: clean', log);
  return report;
}

export async function getReconciliation(deps: Pick<ReconciliationDeps, 'runs' | 'reports'>, id: string): Promise<ReconciliationReport> {
  const summary = /^rec_[0-9a-z]{26}$/.test(id) ? await deps.runs.getRun(id) : undefined;
  if (!summary) throw new NotFoundError('reconciliation', 'id');
  const stored = await deps.reports.get(summary.reportKey);
  if (stored === undefined) throw new ServiceUnavailableError('channel_error', 'The report of this run is not readable now; retry.');
  return JSON.parse(stored) as ReconciliationReport;
}

/** The latest runs, newest first (summaries: the rows are in each report). */
export async function listReconciliations(deps: Pick<ReconciliationDeps, 'runs'>, limit = 20): Promise<ReconciliationSummary[]> {
  return deps.runs.listRuns(Math.min(Math.max(Math.trunc(limit) || 20, 1), 100));
}

/** The reconciliation deps of a composition root, or 503 where this deployment has no reports store. */
export function reconciliationOf(root: { readonly reconciliation?: ReconciliationDeps }): ReconciliationDeps {
  if (!root.reconciliation) throw new ServiceUnavailableError('channel_error', 'Reconciliation reports are not available in this deployment.');
  return root.reconciliation;
}

function billingChannel(deps: Pick<ReconciliationDeps, 'channels'>, id: string): ChannelAdapter & Required<Pick<ChannelAdapter, 'fetchBill'>> {
  const channel = deps.channels.get(id);
  if (!channel?.fetchBill) throw new ValidationError('parameter_invalid', `channel must be one whose bill can be fetched: ${billingChannels(deps).join(', ')}.`, 'channel');
  return channel as ChannelAdapter & Required<Pick<ChannelAdapter, 'fetchBill'>>;
}

/** The channels of this deployment that publish a bill, for messages and the scheduled runs. */
export function billingChannels(deps: Pick<ReconciliationDeps, 'channels'>): string[] {
  return [...deps.channels.values()].filter((c) => c.fetchBill).map((c) => c.id);
}

async function fetchBill(channel: Required<Pick<ChannelAdapter, 'fetchBill'>> & ChannelAdapter, date: string): Promise<ParsedBill> {
  try {
    return await channel.fetchBill({ date });
  } catch (error) {
    logger.warn('reconciliation: bill not fetched', { channel: channel.id, date, error: (error as Error).message });
    throw new ServiceUnavailableError('channel_error', `The bill of ${channel.id} for ${date} could not be fetched or read; retry later.`);
  }
}

function lookups(deps: ReconciliationDeps, channel: ChannelAdapter & Required<Pick<ChannelAdapter, 'fetchBill'>>, date: string, today: string): MatchLookups {
  let neighbours: Promise<Map<string, { line: BillLine; day: string }>> | undefined;
  return {
    findPlatform: (line) => findPlatform(deps, channel.id, line),
    neighbourLines: () => (neighbours ??= neighbourLines(channel, [neighbourDay(date, -1), neighbourDay(date, 1)].filter((d) => d <= today))),
    query: (item) => queryChannel(deps, channel, item),
  };
}

/** A bill line's platform item through its pointers (the channel's payment id, then our attempt id; a refund's id). */
async function findPlatform(deps: ReconciliationDeps, channel: string, line: BillLine): Promise<PlatformItem | undefined> {
  if (line.kind === 'payout' || line.kind === 'payout_return') {
    const payout = /^po_[0-9a-z]{26}$/.test(line.paymentId) ? await deps.payouts.get(line.paymentId) : undefined;
    if (!payout || payout.channel !== channel) return undefined;
    if (line.kind === 'payout') return payoutItem(payout);
    if (payout.status === 'RETURNED') return payoutReturnItem(payout);
    // A return the platform never recorded: the payout, compared on the line's own day (a status mismatch, not cross-day).
    return { ...payoutItem(payout), kind: 'payout_return', day: line.at ? channelDay(channel, line.at) : payoutItem(payout).day };
  }
  if (line.kind === 'refund') {
    const refund = line.refundId ? await deps.orders.getRefund(line.refundId) : undefined;
    return refund && refund.channel === channel ? refundItem(refund) : undefined;
  }
  const ref =
    (line.channelPaymentId ? await deps.orders.findAttempt({ channel, channelPaymentId: line.channelPaymentId }) : undefined) ??
    (await deps.orders.findAttempt({ channel: null, channelPaymentId: null, paymentId: line.paymentId }));
  const attempt = ref ? await deps.orders.getAttempt(ref.orderId, ref.paymentId) : undefined;
  return attempt && attempt.channel === channel ? attemptItem(attempt) : undefined;
}

async function neighbourLines(channel: Required<Pick<ChannelAdapter, 'fetchBill'>> & ChannelAdapter, days: string[]) {
  const found = new Map<string, { line: BillLine; day: string }>();
  for (const day of days) {
    try {
      for (const line of (await channel.fetchBill({ date: day })).lines) found.set(reconciliationKey(line), { line, day });
    } catch (error) {
      // Without the neighbouring bill an item stays unexplained (platform_only): reported, never hidden.
      logger.warn('reconciliation: neighbouring bill not fetched', { channel: channel.id, day, error: (error as Error).message });
    }
  }
  return found;
}

/** Auto-resolution's question to the channel; its answer goes into the row, an error leaves the row as it was. */
async function queryChannel(deps: ReconciliationDeps, channel: ChannelAdapter, item: ItemRef): Promise<QueryEvidence | undefined> {
  try {
    if (item.kind === 'payout' || item.kind === 'payout_return') {
      const desk = payoutChannelOf(deps.channels);
      if (!desk || desk.id !== channel.id) return undefined;
      const report = await desk.query(item.paymentId);
      return { status: report ? report.status.toLowerCase() : 'not_found' };
    }
    if (item.kind === 'payment' && channel.queryPayment) {
      const state = await channel.queryPayment({ paymentId: item.paymentId, channelPaymentId: item.channelPaymentId });
      return { status: state.status, ...(state.amount !== undefined ? { amount: state.amount } : {}) };
    }
    if (item.kind === 'refund' && channel.queryRefund && item.refundId && item.paymentId) {
      const state = await channel.queryRefund({ refundId: item.refundId, paymentId: item.paymentId });
      return { status: state.status, ...(state.amount !== undefined ? { amount: state.amount } : {}) };
    }
  } catch (error) {
    return { status: `query_failed: ${(error as Error).name}` };
  }
  return undefined;
}
