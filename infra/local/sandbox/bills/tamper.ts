import { randomBytes } from 'node:crypto';
import type { BillLine } from '../../../../shared/reconciliation/bill.js';
import type { SandboxStore } from '../sandbox-store.js';

/**
 * The tamper knob of a channel's bill (POST /sandbox/channels/{channel}/bills/{date}/tamper): what a real channel's
 * file gets wrong, applied to the day's lines before the file is rendered, so its summary still adds up. The contract's
 * three kinds plus two of ours (docs/decisions.md, 169): `fee` (a fee above the contracted rate) and `status` (a line
 * billed in another state than the trade's).
 */
export const TAMPER_KINDS = ['drop', 'amount', 'extra', 'fee', 'status'] as const;
export type TamperKind = (typeof TAMPER_KINDS)[number];

interface TamperRecord {
  readonly kinds: readonly { readonly kind: TamperKind; readonly extraId: string }[];
}

/**
 * Which of a channel's files of the day the knob acts on, for a channel that publishes more than one (the bank's
 * collections and payout statements are tampered with separately), and the kind of line its tampers hit and `extra`
 * adds: payments on a trade bill or the collections, payouts on the payout statement.
 */
export interface TamperTarget {
  readonly file?: string;
  readonly kind: 'payment' | 'payout';
}

export const TRADE_BILL_TAMPER: TamperTarget = { kind: 'payment' };

// A channel's first (or only) file keeps the key it always had.
const key = (date: string, target: TamperTarget) => (target.file ? `bill-tamper#${target.file}#${date}` : `bill-tamper#${date}`);

export async function addTamper(store: SandboxStore, channel: string, date: string, kind: TamperKind, target: TamperTarget = TRADE_BILL_TAMPER): Promise<void> {
  for (;;) {
    const held = await store.get<TamperRecord>(channel, key(date, target));
    const next: TamperRecord = { kinds: [...(held?.value.kinds ?? []), { kind, extraId: `pay_x${randomBytes(10).toString('hex')}` }] };
    if (await store.put(channel, key(date, target), next, held?.version ?? 0)) return;
  }
}

/**
 * The n-th tamper (other than `extra`) acts on the day's n-th payment line in time order (payout line, on the bank's
 * payout statement), so several tampers of one day each hit their own line: `drop` removes it, `amount` bills one
 * minor unit more, `fee` charges one minor unit more fee, `status` bills it as not succeeded. `extra` adds a payment
 * (a payout) the platform never made.
 */
export async function applyTampers(
  store: SandboxStore,
  channel: string,
  date: string,
  lines: readonly BillLine[],
  target: TamperTarget = TRADE_BILL_TAMPER,
): Promise<BillLine[]> {
  const kinds = (await store.get<TamperRecord>(channel, key(date, target)))?.value.kinds ?? [];
  const targets = lines.filter((l) => l.kind === target.kind);
  const changed = new Map<BillLine, BillLine | null>();
  const extras: BillLine[] = [];
  let next = 0;
  for (const { kind, extraId } of kinds) {
    if (kind === 'extra') {
      const template = targets[0] ?? lines[0];
      const payout = target.kind === 'payout';
      extras.push({
        kind: target.kind, paymentId: payout ? `po_x${extraId.slice(5)}` : extraId, refundId: null, channelPaymentId: `x${extraId.slice(5)}`, amount: 1000,
        fee: 0, currency: template?.currency ?? 'CNY', status: 'succeeded', at: template?.at ?? `${date}T04:00:00.000Z`,
      });
      continue;
    }
    const hit = targets[next++];
    if (!hit) continue;
    changed.set(hit,
      kind === 'drop' ? null
      : kind === 'amount' ? { ...hit, amount: hit.amount + 1 }
      : kind === 'fee' ? { ...hit, fee: hit.fee + 1 }
      : { ...hit, status: 'failed' });
  }
  const kept = lines.flatMap((line) => {
    const replaced = changed.has(line) ? changed.get(line) : line;
    return replaced ? [replaced] : [];
  });
  return [...kept, ...extras];
}
