import type { LedgerStore } from './port.js';

/** The merchant's available and pending in one currency (0 where it has none): what a refund's split is decided on. */
export async function merchantBalanceIn(ledger: Pick<LedgerStore, 'balances'>, merchantId: string, currency: string): Promise<{ available: number; pending: number }> {
  const balances = await ledger.balances(merchantId);
  const amountOf = (rows: readonly { currency: string; amount: number }[]) => rows.find((r) => r.currency === currency)?.amount ?? 0;
  return { available: amountOf(balances.available), pending: amountOf(balances.pending) };
}
