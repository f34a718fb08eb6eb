import { RECONCILIATION_CLASSES, type ReconciliationClass, type ReconciliationRow } from './match.js';

/** A run's metadata, kept in the table; its rows are the report object (`reportKey`) in the object store. */
export interface ReconciliationSummary {
  readonly id: string;
  readonly channel: string;
  readonly date: string;
  readonly createdAt: string;
  /** Lines in the channel's bill, items on the platform's side of the day. */
  readonly billLines: number;
  readonly platformItems: number;
  readonly counts: Readonly<Record<ReconciliationClass, number>>;
  /** Rows that need an operator: every class but `matched` and `cross_day` (docs/decisions.md, 168). */
  readonly discrepancies: number;
  readonly reportKey: string;
}

export interface ReconciliationReport extends ReconciliationSummary {
  readonly rows: readonly ReconciliationRow[];
}

export function countRows(rows: readonly ReconciliationRow[]): Record<ReconciliationClass, number> {
  const counts = Object.fromEntries(RECONCILIATION_CLASSES.map((c) => [c, 0])) as Record<ReconciliationClass, number>;
  for (const row of rows) counts[row.class] += 1;
  return counts;
}

/** Discrepancies are what an operator must look at: every row but a plain match and an explained cross-day item. */
export function discrepancyCount(counts: Readonly<Record<ReconciliationClass, number>>): number {
  return RECONCILIATION_CLASSES.filter((c) => c !== 'matched' && c !== 'cross_day').reduce((n, c) => n + counts[c], 0);
}

/** Where a run's report lives in the object store: by channel and day, then the run's id. */
export function reportKey(channel: string, date: string, id: string): string {
  return `reconciliation/${channel}/${date}/${id}.json`;
}
