import { NotFoundError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { logger } from '../logger.js';
import { settlementEntry, type Settlement, type SettleItem } from '../ledger/settlement.js';
import type { SettlementStore } from '../ports/settlement-store.js';

/**
 * Settlement runs (contract, "Merchant balance, settlement and statements"; docs/decisions.md, entries 151–153): every
 * posting to a merchant's pending captured at least `settlementDelaySeconds` before the run (and every refund or fee
 * drawn from pending up to the run) is claimed into the merchant's OPEN batch for its currency, and the batch's net moves
 * from pending to available in the transaction that settles it. DynamoDB's conditions decide every step, so a run that
 * died half way is finished by the next one, and two runs at once settle each posting once.
 */
export interface SettlementDeps {
  readonly settlements: SettlementStore;
  readonly settlementDelaySeconds: number;
  readonly now: () => number;
}

export interface SettlementRun {
  readonly cutoff: string;
  readonly settlements: readonly Settlement[];
}

/** How often a batch is read again when a claim landed between its read and its close. */
const CLOSE_ROUNDS = 8;

/**
 * Which batches a run settles: every merchant and currency (the schedule), or an operator's narrower run
 * (POST /ops/v1/settlements; docs/decisions.md, 183). A scoped run reads the same due index and leaves what is outside
 * its scope unclaimed for the next run.
 */
export interface SettlementScope {
  readonly merchantId?: string | undefined;
  readonly currency?: string | undefined;
}

const inScope = (scope: SettlementScope, merchantId: string, currency: string): boolean =>
  (scope.merchantId === undefined || scope.merchantId === merchantId) && (scope.currency === undefined || scope.currency === currency);

export async function runSettlement(deps: SettlementDeps, options: { readonly now?: number; readonly scope?: SettlementScope } = {}): Promise<SettlementRun> {
  const nowMs = options.now ?? deps.now();
  const scope = options.scope ?? {};
  const cutoff = new Date(nowMs - deps.settlementDelaySeconds * 1000).toISOString();
  const groups = new Map<string, { merchantId: string; currency: string; items: SettleItem[] }>();
  const group = (merchantId: string, currency: string) => {
    const key = `${merchantId} ${currency}`;
    const found = groups.get(key) ?? { merchantId, currency, items: [] as SettleItem[] };
    groups.set(key, found);
    return found;
  };
  for await (const item of deps.settlements.dueItems({ creditsUpTo: cutoff, debitsUpTo: new Date(nowMs).toISOString() })) {
    if (inScope(scope, item.merchantId, item.currency)) group(item.merchantId, item.currency).items.push(item);
  }
  const settled: Settlement[] = [];
  for (const { merchantId, currency, items } of groups.values()) {
    settled.push(...(await settleGroup(deps, { merchantId, currency, items, nowMs })));
  }
  // A batch a dead run left OPEN with nothing more due for it is settled as it stands (the index may still list a
  // batch settled just now: closeBatch reads it strongly and leaves it).
  for await (const open of deps.settlements.openBatches()) {
    if (groups.has(`${open.merchantId} ${open.currency}`) || !inScope(scope, open.merchantId, open.currency)) continue;
    const closed = await closeBatch(deps, open.id, nowMs);
    if (closed && closed.settledAt === new Date(nowMs).toISOString()) settled.push(closed);
  }
  // A run that settled nothing is routine (locally the schedule runs every quarter of the delay): debug, not info.
  (settled.length ? logger.info : logger.debug)('settlement run', { cutoff, ...scope, batches: settled.length, postings: settled.reduce((n, s) => n + s.count, 0) });
  return { cutoff, settlements: settled };
}

/** Claims a merchant's due items in one currency into its OPEN batch and settles it; a batch another run closed meanwhile is followed by a new one. */
async function settleGroup(deps: SettlementDeps, g: { merchantId: string; currency: string; items: readonly SettleItem[]; nowMs: number }): Promise<Settlement[]> {
  const settled: Settlement[] = [];
  const open = () => deps.settlements.openBatch(candidate(g.merchantId, g.currency, g.nowMs));
  let batch = await open();
  for (const item of g.items) {
    let claim = await deps.settlements.claim(item, batch.id);
    while (claim === 'closed') {
      // Another run settled this batch while we claimed into it: what it took is settled; the rest goes in a new one.
      const done = await deps.settlements.get(batch.id);
      if (done?.status === 'SETTLED') settled.push(done);
      batch = await open();
      claim = await deps.settlements.claim(item, batch.id);
    }
  }
  const closed = await closeBatch(deps, batch.id, g.nowMs);
  if (closed && !settled.some((s) => s.id === closed.id)) settled.push(closed);
  return settled;
}

/** Settles the batch as it stands now; undefined when it is empty (kept OPEN for the next run) or another run settled it. */
async function closeBatch(deps: SettlementDeps, settlementId: string, nowMs: number): Promise<Settlement | undefined> {
  for (let round = 0; round < CLOSE_ROUNDS; round += 1) {
    const batch = await deps.settlements.get(settlementId);
    if (!batch || batch.count === 0) return undefined;
    if (batch.status === 'SETTLED') return batch;
    const now = new Date(nowMs).toISOString();
    const entry = settlementEntry(batch, { id: newId('le', nowMs), now });
    if ((await deps.settlements.close(batch, entry, now)) === 'settled') return { ...batch, status: 'SETTLED', settledAt: now, ledgerEntryId: entry?.id ?? null };
  }
  throw new Error(`Settlement ${settlementId} kept changing while it was being settled`);
}

function candidate(merchantId: string, currency: string, nowMs: number): Settlement {
  const createdAt = new Date(nowMs).toISOString();
  return { id: newId('stl', nowMs), merchantId, currency, status: 'OPEN', count: 0, gross: 0, fees: 0, refunds: 0, net: 0, ledgerEntryId: null, createdAt, settledAt: null };
}

/** One of the merchant's settled batches; another merchant's, an OPEN one or an unknown id is 404. */
export async function getSettlement(deps: Pick<SettlementDeps, 'settlements'>, merchantId: string, settlementId: string): Promise<Settlement> {
  const batch = await deps.settlements.get(settlementId);
  if (!batch || batch.merchantId !== merchantId || batch.status !== 'SETTLED') throw new NotFoundError('settlement', 'id');
  return batch;
}

export async function listSettlements(deps: Pick<SettlementDeps, 'settlements'>, merchantId: string, page: { limit: number; cursor?: string }) {
  return deps.settlements.list(merchantId, page);
}
