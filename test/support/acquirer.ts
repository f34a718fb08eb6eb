import type { ActivityEntry } from '../../infra/local/sandbox/card-acquirer/acquirer.js';
import type { Runtime } from '../../infra/local/runtime.js';

/** One thing that reached a sandbox card acquirer, as its own activity report lists it. */
export interface AcquirerEntry extends ActivityEntry {
  readonly channel: string;
  /** Our attempt id: the payment's reference at the acquirer. */
  readonly paymentId: string;
  readonly orderId: string | null;
}

const CARD_CHANNELS = ['card_a', 'card_b'] as const;

interface ActivityReport {
  readonly data: { reference: string; order_id: string | null; actions: ActivityEntry[] }[];
}

/**
 * What reached the runtime's card acquirers (card_a, then card_b), read from the acquirers' own records over HTTP
 * (`GET /sandbox/channels/<id>/sandbox/activity`): by order (the order id the adapter sends as metadata) or by our
 * attempt ids. In the order it happened; the platform never reads this, tests do, to prove what reached a channel.
 */
export async function acquirerActivity(runtime: Runtime, filter: { orderId: string } | { paymentIds: readonly string[] }): Promise<AcquirerEntry[]> {
  const queries = 'orderId' in filter ? [`order_id=${encodeURIComponent(filter.orderId)}`] : filter.paymentIds.map((id) => `reference=${encodeURIComponent(id)}`);
  const entries: AcquirerEntry[] = [];
  for (const channel of CARD_CHANNELS) {
    for (const query of queries) {
      const res = await fetch(`${runtime.url}/sandbox/channels/${channel}/sandbox/activity?${query}`);
      if (res.status !== 200) throw new Error(`activity of ${channel}: ${res.status}`);
      for (const payment of ((await res.json()) as ActivityReport).data) {
        entries.push(...payment.actions.map((a) => ({ ...a, channel, paymentId: payment.reference, orderId: payment.order_id })));
      }
    }
  }
  // A stable sort: entries of one instant keep card_a's before card_b's, each acquirer's in its own order.
  return entries.sort((x, y) => x.at.localeCompare(y.at));
}

/** The charges (create calls) of an order that reached a card acquirer, whatever their outcome. */
export async function acquirerCharges(runtime: Runtime, orderId: string): Promise<AcquirerEntry[]> {
  return (await acquirerActivity(runtime, { orderId })).filter((e) => e.kind === 'charge');
}
