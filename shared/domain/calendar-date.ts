/**
 * A strict calendar date `YYYY-MM-DD`: `2026-02-30` is not one (Date rolls it over into March), `2026-13-01` and
 * `26-1-1` neither. One rule for every date a caller names: a statement's day, a reconciliation's, a bill's.
 */
export function isCalendarDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const ms = Date.parse(`${date}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === date;
}
