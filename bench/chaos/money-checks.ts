import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accounts } from '../../shared/ledger/accounts.js';
import type { Hold } from '../../shared/ledger/holds.js';
import { payoutHoldId } from '../../shared/ledger/payouts.js';
import { creditChange, type LedgerEntry } from '../../shared/ledger/posting.js';
import type { Settlement, SettleItem } from '../../shared/ledger/settlement.js';
import type { SandboxPayoutView } from '../../infra/local/sandbox/netbank/payout-desk.js';
import type { ApiClient } from '../../test/support/api-client.js';
import { readList } from './api-lists.js';
import type { Observations } from './workload.js';

/**
 * The back office's part of the chaos check (docs/decisions.md, entries 193-194): payouts against the sandbox bank's
 * own records, settlement batches against their items and the ledger, and the merchant's balance against its postings.
 * Each function returns violations, worded like the order checks' (bench/chaos/checks.ts).
 */
export interface StoredPayout {
  readonly id: string;
  readonly outPayoutNo: string;
  readonly status: string;
  readonly amount: number;
  readonly fee: number;
  readonly failureCode: string | null;
  readonly destination: { readonly last4: string };
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A kill and the moment the restarted runtime answered again. */
export interface Recovery {
  readonly killedAtMs: number;
  readonly upAtMs: number;
}

/** Every payout of the merchant, by the list (also those whose create answer the clients never got). */
export function readPayouts(api: ApiClient): Promise<StoredPayout[]> {
  return readList<StoredPayout>(api, '/v1/payouts');
}

/** The sandbox bank's transfers, as its payout desk holds them (GET /sandbox/channels/netbank/payouts, read-only). */
export async function bankTransfers(baseUrl: string): Promise<SandboxPayoutView[]> {
  const res = await fetch(`${baseUrl}/sandbox/channels/netbank/payouts`);
  if (res.status !== 200) throw new Error(`listing the bank's transfers failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { data: SandboxPayoutView[] }).data;
}

const FINAL = new Set(['SUCCEEDED', 'FAILED']);

/** What the sandbox bank does with a transfer to the account (contract, "Payouts"): 0002 fails, 0001 and 0003 pay. */
const expectedOutcome = (last4: string) => (last4 === '0002' ? { status: 'FAILED', failureCode: 'account_invalid' } : { status: 'SUCCEEDED', failureCode: null });

/**
 * When a payout must be final: `windowMs` after it was created, the window starting again when the runtime came
 * back from a kill that fell inside it (a dead runtime queries nothing; its durable timer fires after the restart).
 */
export function payoutDeadlineMs(createdAtMs: number, recoveries: readonly Recovery[], windowMs: number): number {
  let start = createdAtMs;
  for (const r of [...recoveries].sort((a, b) => a.killedAtMs - b.killedAtMs)) {
    if (r.killedAtMs >= start && r.killedAtMs <= start + windowMs) start = Math.max(start, r.upAtMs);
  }
  return start + windowMs;
}

export interface PayoutCheckInput {
  readonly payouts: readonly StoredPayout[];
  readonly transfers: readonly SandboxPayoutView[];
  readonly observations: Observations;
  readonly holdOf: (holdId: string) => Promise<Hold | undefined>;
  readonly recoveries: readonly Recovery[];
  readonly windowMs: number;
  /** Says how close to a kill an answer came (engine loss vs platform bug). */
  readonly blame: (answeredAtMs: number) => string;
}

/**
 * Payouts: every answered one kept, each final as its account says within its deadline after recovery, sent to the
 * bank exactly once (one transfer under its id, one instruction for it), the bank's outcome the platform's, and the
 * reservation posted for a success and voided (back in available) for a failure.
 */
export async function checkPayouts(input: PayoutCheckInput): Promise<string[]> {
  const violations = [...input.observations.payoutAnomalies.map((a) => `payout answer: ${a}`)];
  const byId = new Map(input.payouts.map((p) => [p.id, p]));
  for (const answered of input.observations.payouts.values()) {
    const stored = byId.get(answered.id);
    if (!stored) violations.push(`answered payout lost: ${answered.id} (${answered.outPayoutNo}) is missing; ${input.blame(answered.answeredAtMs)}`);
    else if (stored.amount !== answered.amount || stored.outPayoutNo !== answered.outPayoutNo) violations.push(`payout differs: ${answered.id} answered ${answered.outPayoutNo} ${answered.amount}, stored ${stored.outPayoutNo} ${stored.amount}`);
  }
  const transfersOf = new Map<string, SandboxPayoutView[]>();
  for (const t of input.transfers) transfersOf.set(t.payoutNo, [...(transfersOf.get(t.payoutNo) ?? []), t]);
  for (const t of input.transfers) {
    if (!byId.has(t.payoutNo)) violations.push(`the bank holds transfer ${t.bankPayoutId} (${t.payoutNo}, ${t.amount}) for no payout of the platform`);
  }
  for (const payout of input.payouts) {
    const name = `payout ${payout.id} (${payout.outPayoutNo}, account …${payout.destination.last4})`;
    const expected = expectedOutcome(payout.destination.last4);
    if (!FINAL.has(payout.status)) {
      violations.push(`unresolved: ${name} is ${payout.status}`);
    } else if (payout.status !== expected.status || payout.failureCode !== expected.failureCode) {
      violations.push(`wrong outcome: ${name} is ${payout.status} (${payout.failureCode}), the bank's account says ${expected.status} (${expected.failureCode})`);
    }
    const deadline = payoutDeadlineMs(Date.parse(payout.createdAt), input.recoveries, input.windowMs);
    if (FINAL.has(payout.status) && Date.parse(payout.updatedAt) > deadline) {
      violations.push(`resolved late: ${name} ${payout.status} at ${payout.updatedAt}, ${Date.parse(payout.updatedAt) - deadline} ms past its deadline`);
    }
    const sent = transfersOf.get(payout.id) ?? [];
    if (sent.length !== 1) violations.push(`${name}: ${sent.length} transfers at the bank`);
    for (const t of sent) {
      if (t.instructions !== 1) violations.push(`sent twice: ${name} reached the bank ${t.instructions} times`);
      if (t.amount !== payout.amount) violations.push(`${name}: the bank's transfer is ${t.amount}, the payout ${payout.amount}`);
      if (FINAL.has(payout.status) && t.status !== payout.status) violations.push(`${name} is ${payout.status}, the bank says ${t.status}`);
    }
    const hold = await input.holdOf(payoutHoldId(payout.id));
    const reservation = payout.status === 'SUCCEEDED' ? 'POSTED' : payout.status === 'FAILED' ? 'VOIDED' : 'PENDING';
    if (!hold || hold.status !== reservation || hold.amount !== payout.amount + payout.fee) {
      violations.push(`reservation: ${name} is ${payout.status}, its hold ${hold ? `${hold.status} of ${hold.amount}` : 'is missing'} (expected ${reservation} of ${payout.amount + payout.fee})`);
    }
  }
  return violations;
}

/** How long past its due time an item may wait for the local schedule (every max(1 s, delay / 4)) before it counts as unsettled. */
export const SETTLEMENT_SLACK_MS = 10_000;

/** The cut-offs of "due long enough ago": `slackMs` past what the settlement run at `nowMs` takes (a few schedule periods). */
export function settlementDueBy(nowMs: number, settlementDelaySeconds: number, slackMs: number): Pick<SettlementState, 'creditsDueBy' | 'debitsDueBy'> {
  return { creditsDueBy: new Date(nowMs - settlementDelaySeconds * 1000 - slackMs).toISOString(), debitsDueBy: new Date(nowMs - slackMs).toISOString() };
}

/** Every settle item and settlement batch in the table (strongly consistent scan: the check reads what committed). */
export async function readSettlement(db: DynamoDBDocumentClient, tableName: string): Promise<{ items: StoredSettleItem[]; batches: Settlement[] }> {
  const items: StoredSettleItem[] = [];
  const batches: Settlement[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'entity IN (:item, :batch)',
        ExpressionAttributeValues: { ':item': 'SettleItem', ':batch': 'Settlement' },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const row of out.Items ?? []) (row.entity === 'Settlement' ? batches : items).push(row as never);
    start = out.LastEvaluatedKey;
  } while (start);
  return { items, batches };
}

type StoredSettleItem = SettleItem & { readonly settlementId?: string };

export interface SettlementState {
  readonly items: readonly StoredSettleItem[];
  readonly batches: readonly Settlement[];
  /** Items created before this are due and must be settled by now (credits: their delay past; debits: at once). */
  readonly creditsDueBy: string;
  readonly debitsDueBy: string;
}

export interface SettlementCheckInput extends SettlementState {
  readonly entries: readonly LedgerEntry[];
}

/** Items due long enough ago that are not yet in a SETTLED batch (unclaimed, or in a batch still OPEN). */
export function unsettledDue(state: SettlementState): string[] {
  const settled = new Set(state.batches.filter((b) => b.status === 'SETTLED').map((b) => b.id));
  return state.items
    .filter((i) => i.createdAt <= (i.side === 'credit' ? state.creditsDueBy : state.debitsDueBy) && !(i.settlementId && settled.has(i.settlementId)))
    .map((i) => `settle item ${i.entryId} (${i.kind}, ${i.net}) due since ${i.createdAt} and ${i.settlementId ? `still in ${i.settlementId}, not settled` : 'never claimed'}`);
}

/**
 * Settlement: each claimed item in one existing batch, every batch's totals the sum of its items, each SETTLED batch
 * posted by exactly one settlement entry of its net (none for an OPEN one: nothing settled twice or half), and every
 * item due long enough ago settled.
 */
export function checkSettlement(input: SettlementCheckInput): string[] {
  const violations = unsettledDue(input);
  const batches = new Map(input.batches.map((b) => [b.id, b]));
  const itemsOf = new Map<string, SettleItem[]>();
  for (const item of input.items) {
    if (item.settlementId === undefined) continue;
    if (!batches.has(item.settlementId)) violations.push(`settle item ${item.entryId} claimed into ${item.settlementId}, which does not exist`);
    itemsOf.set(item.settlementId, [...(itemsOf.get(item.settlementId) ?? []), item]);
  }
  const postings = new Map<string, LedgerEntry[]>();
  for (const entry of input.entries) if (entry.kind === 'settlement') postings.set(entry.orderId, [...(postings.get(entry.orderId) ?? []), entry]);
  for (const entry of input.entries) {
    if (entry.kind === 'settlement' && !batches.has(entry.orderId)) violations.push(`settlement entry ${entry.id} posts ${entry.orderId}, which is no batch`);
  }
  for (const batch of input.batches) {
    const items = itemsOf.get(batch.id) ?? [];
    const sum = (f: (i: SettleItem) => number) => items.reduce((n, i) => n + f(i), 0);
    const totals = { count: items.length, gross: sum((i) => i.gross), fees: sum((i) => i.fees), refunds: sum((i) => i.refunds), net: sum((i) => i.net) };
    const stated = { count: batch.count, gross: batch.gross, fees: batch.fees, refunds: batch.refunds, net: batch.net };
    if (JSON.stringify(totals) !== JSON.stringify(stated)) violations.push(`batch ${batch.id} (${batch.status}) states ${JSON.stringify(stated)}, its items sum to ${JSON.stringify(totals)}`);
    const posted = postings.get(batch.id) ?? [];
    const expected = batch.status === 'SETTLED' && batch.net !== 0 ? 1 : 0;
    if (posted.length !== expected) violations.push(`batch ${batch.id} (${batch.status}, net ${batch.net}) posted by ${posted.length} settlement entries, expected ${expected}`);
    for (const entry of posted) {
      const moved = creditChange(entry.lines, accounts.merchantAvailable(batch.merchantId));
      if (moved !== batch.net || entry.id !== batch.ledgerEntryId) violations.push(`batch ${batch.id}: entry ${entry.id} moves ${moved} to available, the batch's net is ${batch.net} (ledgerEntryId ${batch.ledgerEntryId})`);
    }
  }
  return violations;
}

/** The merchant's balances as GET /v1/balance answers them equal the sums of its postings to available and pending. */
export async function checkBalances(api: ApiClient, merchantId: string, entries: readonly LedgerEntry[]): Promise<string[]> {
  const res = await api.get('/v1/balance');
  if (res.status !== 200) throw new Error(`reading the balance failed: ${res.status} ${res.text}`);
  const answered = (role: 'available' | 'pending') => new Map((res.body[role] as { currency: string; amount: number }[]).map((r) => [r.currency, r.amount]));
  const violations: string[] = [];
  for (const [role, account] of [
    ['available', accounts.merchantAvailable(merchantId)],
    ['pending', accounts.merchantPending(merchantId)],
  ] as const) {
    const sums = new Map<string, number>();
    for (const entry of entries) sums.set(entry.currency, (sums.get(entry.currency) ?? 0) + creditChange(entry.lines, account));
    const api = answered(role);
    for (const currency of new Set([...sums.keys(), ...api.keys()])) {
      if ((sums.get(currency) ?? 0) !== (api.get(currency) ?? 0)) violations.push(`balance: ${role} ${currency} answered ${api.get(currency) ?? 0}, Σ postings ${sums.get(currency) ?? 0}`);
    }
  }
  return violations;
}
