import { CHANNEL_PAYOUT_FEE, channelFee, type BillKind, type BillLine } from './bill.js';

/** The platform's side of a bill line: an attempt or a refund as the platform recorded it. */
export interface PlatformItem {
  readonly kind: BillKind;
  readonly paymentId: string;
  readonly refundId: string | null;
  readonly orderId: string;
  readonly merchantId: string;
  readonly amount: number;
  readonly currency: string;
  /** The attempt's, refund's or payout's platform status (SUCCEEDED, PROCESSING, FAILED, RETURNED, …). */
  readonly status: string;
  readonly createdAt: string;
  /** The channel day the platform filed it under (reconciliationIndex). */
  readonly day: string;
}

export type ReconciliationClass =
  | 'matched'
  | 'channel_only'
  | 'platform_only'
  | 'amount_mismatch'
  | 'status_mismatch'
  | 'fee_mismatch'
  | 'cross_day';

export const RECONCILIATION_CLASSES: readonly ReconciliationClass[] = [
  'matched', 'channel_only', 'platform_only', 'amount_mismatch', 'status_mismatch', 'fee_mismatch', 'cross_day',
];

/** What the channel's query said about an item the bill and the platform disagree on (auto-resolution). */
export interface QueryEvidence {
  readonly status: string;
  readonly amount?: number;
}

export interface ReconciliationRow {
  readonly class: ReconciliationClass;
  readonly kind: BillKind;
  readonly paymentId: string;
  readonly refundId: string | null;
  readonly channelPaymentId: string | null;
  readonly orderId: string | null;
  readonly merchantId: string | null;
  readonly channelAmount: number | null;
  readonly platformAmount: number | null;
  readonly channelFee: number | null;
  readonly expectedFee: number | null;
  readonly channelStatus: string | null;
  readonly platformStatus: string | null;
  /** cross_day: the day the other side filed it under. */
  readonly otherDay: string | null;
  /** Set when the item was checked at the channel's query before it was reported (docs/decisions.md, 168). */
  readonly channelQuery: QueryEvidence | null;
}

/** What the matcher reads beyond the day's bill and index: the items filed elsewhere, looked up one by one. */
export interface MatchLookups {
  /** The platform's item for a bill line not in the day's index (a cross-day item), by its ids through pointers. */
  findPlatform(line: BillLine): Promise<PlatformItem | undefined>;
  /** The neighbouring days' bill lines, fetched only when an item is missing from this day's bill. */
  neighbourLines(): Promise<ReadonlyMap<string, { line: BillLine; day: string }>>;
  /** The channel's query of an unmatched item; undefined when the channel offers none. */
  query(item: ItemRef): Promise<QueryEvidence | undefined>;
}

/** An item as the channel's query names it. */
export interface ItemRef {
  readonly kind: BillKind;
  readonly paymentId: string;
  readonly refundId: string | null;
  readonly channelPaymentId: string | null;
}

const lineKey = (item: { kind: BillKind; paymentId: string; refundId: string | null }) =>
  `${item.kind}#${item.kind === 'refund' ? item.refundId : item.paymentId}`;

/**
 * The keys bill lines and platform items meet on: a payment by our attempt id, a refund by our refund id, a payout
 * and its return by our payout id (each under its kind: a payout and its return are two lines).
 */
export { lineKey as reconciliationKey };

/**
 * Matches a channel's day line by line against the platform's items filed under that day. Each bill line finds its
 * item (or is looked up by pointer: cross-day or unknown), each platform item left over that the channel should have
 * billed (SUCCEEDED) is looked for in the neighbouring days' bills. Unmatched items are checked at the channel's
 * query first; the evidence goes into the row.
 */
export async function matchBill(input: {
  readonly channel: string;
  readonly date: string;
  readonly lines: readonly BillLine[];
  readonly platform: readonly PlatformItem[];
  readonly lookups: MatchLookups;
}): Promise<ReconciliationRow[]> {
  const byKey = new Map(input.platform.map((item) => [lineKey(item), item]));
  const rows: ReconciliationRow[] = [];
  for (const line of input.lines) {
    const key = lineKey(line);
    let item = byKey.get(key);
    byKey.delete(key);
    if (!item) {
      const found = await input.lookups.findPlatform(line);
      if (found && found.day !== input.date) {
        rows.push(row(input.channel, 'cross_day', line, found, { otherDay: found.day }));
        continue;
      }
      item = found;
    }
    if (!item) {
      rows.push(row(input.channel, 'channel_only', line, undefined, { channelQuery: (await input.lookups.query(lineRef(line))) ?? null }));
      continue;
    }
    const compared = compare(input.channel, line, item);
    rows.push(compared.class === 'status_mismatch' ? { ...compared, channelQuery: (await input.lookups.query(lineRef(line))) ?? null } : compared);
  }
  for (const item of byKey.values()) {
    if (!billable(item)) continue;
    const elsewhere = (await input.lookups.neighbourLines()).get(lineKey(item));
    if (elsewhere) {
      rows.push(row(input.channel, 'cross_day', elsewhere.line, item, { otherDay: elsewhere.day }));
      continue;
    }
    const evidence = await input.lookups.query({ kind: item.kind, paymentId: item.paymentId, refundId: item.refundId, channelPaymentId: null });
    rows.push(row(input.channel, 'platform_only', undefined, item, { channelQuery: evidence ?? null }));
  }
  return rows;
}

/**
 * Whether the channel should bill the platform's item: it succeeded (a payout paid and later returned was still paid
 * on its day; its return is billed as a line of its own, on the day the money came back).
 */
function billable(item: PlatformItem): boolean {
  if (item.kind === 'payout') return item.status === 'SUCCEEDED' || item.status === 'RETURNED';
  if (item.kind === 'payout_return') return item.status === 'RETURNED';
  return item.status === 'SUCCEEDED';
}

/** A line and its item: status first (an unpaid order billed as paid is the worst news), then amount, then fee. */
function compare(channel: string, line: BillLine, item: PlatformItem): ReconciliationRow {
  if (line.status !== 'succeeded' || !billable(item)) {
    return row(channel, 'status_mismatch', line, item);
  }
  if (line.amount !== item.amount || line.currency !== item.currency) return row(channel, 'amount_mismatch', line, item);
  if (line.fee !== expectedFee(channel, line)) return row(channel, 'fee_mismatch', line, item);
  return row(channel, 'matched', line, item);
}

/** The fee the contract says the channel may charge on a line: its rate on payments, its price per payout, nothing back. */
function expectedFee(channel: string, line: BillLine): number {
  if (line.kind === 'payment') return channelFee(channel, line.amount);
  if (line.kind === 'payout') return CHANNEL_PAYOUT_FEE[channel] ?? 0;
  return 0;
}

function lineRef(line: BillLine): ItemRef {
  return { kind: line.kind, paymentId: line.paymentId, refundId: line.refundId, channelPaymentId: line.channelPaymentId };
}

function row(
  channel: string,
  cls: ReconciliationClass,
  line: BillLine | undefined,
  item: PlatformItem | undefined,
  extra: { otherDay?: string; channelQuery?: QueryEvidence | null } = {},
): ReconciliationRow {
  return {
    class: cls,
    kind: line?.kind ?? item!.kind,
    paymentId: line?.paymentId ?? item!.paymentId,
    refundId: line?.refundId ?? item?.refundId ?? null,
    channelPaymentId: line?.channelPaymentId ?? null,
    orderId: item?.orderId ?? null,
    merchantId: item?.merchantId ?? null,
    channelAmount: line?.amount ?? null,
    platformAmount: item?.amount ?? null,
    channelFee: line?.fee ?? null,
    expectedFee: line ? expectedFee(channel, line) : null,
    channelStatus: line?.status ?? null,
    platformStatus: item?.status ?? null,
    otherDay: extra.otherDay ?? null,
    channelQuery: extra.channelQuery ?? null,
  };
}
