import * as z from 'zod/mini';
import { isCalendarDate } from '../domain/calendar-date.js';
import type { Payout } from '../domain/payout.js';
import type { LedgerStore } from '../ledger/port.js';
import { csvRecord, isPayoutHoldEntry, STATEMENT_COLUMNS, statementRecord, statementRowOf, type PayoutAmounts, type StatementRow } from '../ledger/statement.js';

/**
 * Statements (GET /v1/statements/{date}, docs/decisions.md entries 178–182): the merchant's ledger entries of one UTC
 * day, read page by page from the merchant's ledger index and turned into CSV rows as they come. Nothing holds more
 * than one page of entries and one chunk of text, whatever the day's size: the transport streams what is yielded.
 */

/** A calendar date `YYYY-MM-DD` that exists (2026-02-30 and 2026-13-01 do not; 26-1-1 is malformed). */
export const statementDateParam = z.string().check(
  z.regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'a date as YYYY-MM-DD' }),
  z.refine(isCalendarDate, { message: 'no such date' }),
);

/** What a statement reads: the day's entries, and a payout's amount and fee for its hold's rows. */
export interface StatementSource {
  readonly ledger: Pick<LedgerStore, 'entriesOfDay'>;
  payoutAmounts(merchantId: string, payoutId: string): Promise<PayoutAmounts | undefined>;
}

export function statementSource(deps: { readonly ledger: LedgerStore; readonly payouts: { get(payoutId: string): Promise<Payout | undefined> } }): StatementSource {
  return {
    ledger: deps.ledger,
    payoutAmounts: async (merchantId, payoutId) => {
      const payout = await deps.payouts.get(payoutId);
      return payout?.merchantId === merchantId ? { amount: payout.amount, fee: payout.fee } : undefined;
    },
  };
}

/**
 * The day's rows, oldest first. A payout's hold rows need the payout (its fee is inside the held amount): it is read
 * once per page that has them, and a merchant makes few payouts a day, so the reads stay few however busy the day.
 */
export async function* statementRows(source: StatementSource, merchantId: string, day: string): AsyncGenerator<StatementRow> {
  for await (const page of source.ledger.entriesOfDay(merchantId, day)) {
    const payouts = new Map<string, PayoutAmounts | undefined>();
    for (const entry of page) {
      if (isPayoutHoldEntry(entry) && !payouts.has(entry.orderId)) payouts.set(entry.orderId, await source.payoutAmounts(merchantId, entry.orderId));
    }
    for (const entry of page) {
      const row = statementRowOf(entry, payouts.get(entry.orderId));
      if (row) yield row;
    }
  }
}

/** About 64 KiB of text per chunk: few enough writes to the response stream, little enough memory. */
const CHUNK_CHARS = 64 * 1024;

/** The CSV text: the header (always, so an empty day is the header alone), then the rows in chunks. */
export async function* statementCsv(rows: AsyncIterable<StatementRow>): AsyncGenerator<string> {
  yield csvRecord(STATEMENT_COLUMNS);
  let chunk = '';
  for await (const row of rows) {
    chunk += statementRecord(row);
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
