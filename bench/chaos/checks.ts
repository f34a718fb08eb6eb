import { DynamoLedgerStore } from '../../shared/adapters/dynamodb/ledger-store.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { checkLedger } from '../../shared/services/ledger-check.js';
import type { ApiClient } from '../../test/support/api-client.js';
import type { ReceivedWebhook } from '../../test/support/webhook-receiver.js';
import type { SandboxPayoutView } from '../../infra/local/sandbox/netbank/payout-desk.js';
import { checkBalances, checkPayouts, checkSettlement, readSettlement, settlementDueBy, SETTLEMENT_SLACK_MS, type Recovery, type StoredPayout } from './money-checks.js';
import { readList } from './api-lists.js';
import type { Observations } from './workload.js';

/**
 * What must hold after the kills (issue 9, "Faults and proof"), read back through the merchant API, the webhook
 * receiver and the ledger check that `npm run merchant -- ledger-check` runs.
 */
interface StoredRefund {
  readonly id: string;
  readonly amount: number;
  readonly status: string;
  readonly createdAt: string;
}

export interface StoredOrder {
  readonly id: string;
  readonly outTradeNo: string;
  readonly status: string;
  readonly amountCaptured: number;
  readonly amountRefunded: number;
  readonly expiresAt: string;
  readonly updatedAt: string;
  readonly version: number;
  readonly refunds?: StoredRefund[];
}

export interface Verdict {
  readonly orders: number;
  readonly payments: number;
  readonly refunds: number;
  readonly lostEvents: number;
  readonly stuck: number;
  readonly ledgerBalanced: boolean;
  readonly payouts: number;
  readonly settlements: number;
  /** Violations of the payout, settlement and balance checks (bench/chaos/money-checks.ts). */
  readonly backOffice: number;
  readonly violations: string[];
}

/** Every order of the merchant, by the list's index query (also those whose create answer the clients never got). */
export async function readOrders(api: ApiClient, withRefunds: ReadonlySet<string>): Promise<StoredOrder[]> {
  const orders = await readList<StoredOrder>(api, '/v1/orders');
  // Refunds are embedded only when one order is read.
  return Promise.all(
    orders.map(async (order) => {
      if (!withRefunds.has(order.id) && order.amountRefunded === 0) return order;
      const res = await api.get(`/v1/orders/${order.id}`);
      if (res.status !== 200) throw new Error(`reading ${order.id} failed: ${res.status} ${res.text}`);
      return res.body as StoredOrder;
    }),
  );
}

const PAID = new Set(['SUCCEEDED', 'REFUNDED']);
const UNPAID = new Set(['CREATED', 'REQUIRES_ACTION']);

/**
 * Unresolved objects: anything PROCESSING, or unpaid more than `graceMs` past its deadline. Each line says how close
 * the object's last change came to a kill, which tells a write the engine lost from a step the platform missed.
 */
export function stuckOf(orders: readonly StoredOrder[], nowMs: number, graceMs: number, killTimesMs: readonly number[] = []): string[] {
  const stuck: string[] = [];
  const near = (at: string) => (killTimesMs.length ? `; last changed ${engineLossNote(Date.parse(at), killTimesMs)}` : '');
  for (const order of orders) {
    if (order.status === 'PROCESSING') stuck.push(`${order.id} (${order.outTradeNo}) PROCESSING${near(order.updatedAt)}`);
    if (UNPAID.has(order.status) && Date.parse(order.expiresAt) + graceMs < nowMs) {
      stuck.push(`${order.id} (${order.outTradeNo}) ${order.status} ${Math.round((nowMs - Date.parse(order.expiresAt)) / 1000)} s past its deadline${near(order.updatedAt)}`);
    }
    for (const refund of order.refunds ?? []) {
      if (refund.status === 'PROCESSING') stuck.push(`refund ${refund.id} of ${order.id} PROCESSING${near(refund.createdAt)}`);
    }
  }
  return stuck;
}

/** order.succeeded events at the receiver, by order id, each event id counted once (delivery is at least once). */
export function succeededEventsByOrder(received: readonly ReceivedWebhook[]): Map<string, Set<string>> {
  const byOrder = new Map<string, Set<string>>();
  for (const hook of received) {
    const event = JSON.parse(hook.rawBody) as { id: string; type: string; data: { object: { id: string } } };
    if (event.type !== 'order.succeeded') continue;
    const ids = byOrder.get(event.data.object.id) ?? new Set<string>();
    ids.add(event.id);
    byOrder.set(event.data.object.id, ids);
  }
  return byOrder;
}

export interface VerifyInput {
  readonly orders: readonly StoredOrder[];
  readonly observations: Observations;
  readonly received: readonly ReceivedWebhook[];
  readonly killTimesMs: readonly number[];
  readonly engine: { readonly dynamoEndpoint: string; readonly tableName: string };
  readonly nowMs: number;
  readonly graceMs: number;
  readonly backOffice: {
    readonly api: ApiClient;
    readonly merchantId: string;
    readonly payouts: readonly StoredPayout[];
    readonly transfers: readonly SandboxPayoutView[];
    readonly recoveries: readonly Recovery[];
    readonly payoutWindowMs: number;
    readonly settlementDelaySeconds: number;
  };
}

export async function verify(input: VerifyInput): Promise<Verdict> {
  const { orders, observations } = input;
  const byId = new Map(orders.map((o) => [o.id, o]));
  const violations: string[] = [];
  const blame = (answeredAtMs: number) => `answered ${engineLossNote(answeredAtMs, input.killTimesMs)}`;

  for (const success of observations.successes.values()) {
    const order = byId.get(success.orderId);
    if (!order || !PAID.has(order.status)) {
      violations.push(`answered success lost: order ${success.orderId} (${success.scenario}) answered SUCCEEDED, now ${order ? `${order.status} v${order.version}` : 'missing'}; ${blame(success.answeredAtMs)}`);
    }
  }
  for (const voided of observations.voids.values()) {
    const order = byId.get(voided.orderId);
    if (order?.status !== 'CLOSED' || order.amountCaptured !== 0) {
      violations.push(`answered void lost: order ${voided.orderId} answered CLOSED, now ${order ? `${order.status} v${order.version}, captured ${order.amountCaptured}` : 'missing'}; ${blame(voided.answeredAtMs)}`);
    }
  }
  for (const success of observations.successes.values()) {
    const order = byId.get(success.orderId);
    if (order && PAID.has(order.status) && order.amountCaptured !== success.amount) {
      violations.push(`captured amount differs: order ${success.orderId} (${success.scenario}) answered ${success.amount}, now captured ${order.amountCaptured}`);
    }
  }
  for (const refund of observations.refunds.values()) {
    const stored = byId.get(refund.orderId)?.refunds?.find((r) => r.id === refund.refundId);
    if (stored?.status !== 'SUCCEEDED') {
      violations.push(`answered refund lost: ${refund.refundId} of ${refund.orderId} answered SUCCEEDED, now ${stored?.status ?? 'missing'}; ${blame(refund.answeredAtMs)}`);
    }
  }
  for (const order of orders) {
    const refunded = (order.refunds ?? []).filter((r) => r.status === 'SUCCEEDED').reduce((sum, r) => sum + r.amount, 0);
    const reserved = (order.refunds ?? []).filter((r) => r.status !== 'FAILED').reduce((sum, r) => sum + r.amount, 0);
    if (order.amountRefunded > order.amountCaptured || reserved > order.amountCaptured) {
      violations.push(`refunds exceed captured: ${order.id} captured ${order.amountCaptured}, refunded ${order.amountRefunded}, refunds not failed ${reserved}`);
    }
    if (order.refunds && refunded !== order.amountRefunded) {
      violations.push(`refund sum differs: ${order.id} amountRefunded ${order.amountRefunded}, Σ succeeded refunds ${refunded}`);
    }
  }

  const events = succeededEventsByOrder(input.received);
  const paid = orders.filter((o) => PAID.has(o.status));
  const lost = paid.filter((o) => !events.has(o.id));
  for (const order of lost) violations.push(`lost event: ${order.id} is ${order.status} but no order.succeeded reached the receiver`);

  const stuck = stuckOf(orders, input.nowMs, input.graceMs, input.killTimesMs);
  for (const line of stuck) violations.push(`stuck: ${line}`);

  const db = createDocumentClient({ endpoint: input.engine.dynamoEndpoint, region: 'local' });
  let ledgerBalanced: boolean;
  const backOffice: string[] = [];
  let settlements = 0;
  try {
    const store = new DynamoLedgerStore(db, input.engine.tableName);
    const ledger = await checkLedger(store);
    ledgerBalanced = ledger.balanced;
    if (!ledger.balanced) violations.push(`ledger unbalanced: ${JSON.stringify({ currencies: ledger.currencies, balances: ledger.balances })}`);
    const office = input.backOffice;
    const entries = [];
    for await (const entry of store.allEntries()) entries.push(entry);
    const settlement = await readSettlement(db, input.engine.tableName);
    settlements = settlement.batches.filter((b) => b.status === 'SETTLED').length;
    backOffice.push(
      ...(await checkPayouts({ ...office, observations, holdOf: (id) => store.getHold(id), windowMs: office.payoutWindowMs, blame })),
      ...checkSettlement({ ...settlement, entries, ...settlementDueBy(input.nowMs, office.settlementDelaySeconds, SETTLEMENT_SLACK_MS) }),
      ...(await checkBalances(office.api, office.merchantId, entries)),
    );
    violations.push(...backOffice);
  } finally {
    db.destroy();
  }

  return {
    orders: orders.length,
    payments: paid.length,
    refunds: orders.reduce((n, o) => n + (o.refunds ?? []).filter((r) => r.status === 'SUCCEEDED').length, 0),
    lostEvents: lost.length,
    stuck: stuck.length,
    ledgerBalanced,
    payouts: input.backOffice.payouts.length,
    settlements,
    backOffice: backOffice.length,
    violations,
  };
}

/**
 * DynamoDB Local can lose writes it acknowledged just before a SIGKILL (docs/decisions.md, entry 90): a violation
 * says how close its answer came to the next kill, so an engine loss is told from a platform bug, never hidden.
 */
export function engineLossNote(answeredAtMs: number, killTimesMs: readonly number[]): string {
  const next = killTimesMs.find((k) => k >= answeredAtMs);
  if (next === undefined) return 'after the last kill: not an engine loss';
  const gap = next - answeredAtMs;
  return gap <= 1_000
    ? `${gap} ms before kill #${killTimesMs.indexOf(next) + 1}: the engine may have lost writes it had acknowledged`
    : `${gap} ms before kill #${killTimesMs.indexOf(next) + 1}: too early for an engine loss`;
}

export function summaryLine(kills: number, verdict: Verdict): string {
  return `kills=${kills} orders=${verdict.orders} payments=${verdict.payments} refunds=${verdict.refunds} payouts=${verdict.payouts} settlements=${verdict.settlements} lost_events=${verdict.lostEvents} stuck=${verdict.stuck} back_office=${verdict.backOffice} ledger=${verdict.ledgerBalanced ? 'balanced' : 'unbalanced'}`;
}
