import { request as httpRequest } from 'node:http';
import type { ApiClient, ApiResponse } from '../../test/support/api-client.js';
import { SANDBOX_CARDS } from '../../shared/channels/sandbox-card.js';

/**
 * What the chaos clients do, and what they saw. Each client creates an order and pays it by one of the scenarios
 * below, then refunds some successes. Every success the platform answered is recorded with when it was answered,
 * so the check can hold the platform to it after the kills (and say how close to a kill an answer came).
 */
export type Scenario = 'card' | 'card_auth' | 'balance' | 'card_0259' | 'card_0267' | 'wechat_pay' | 'alipay' | 'netbank' | 'wallet_abandoned';

/**
 * Cumulative weights: mostly plain cards, pre-authorizations (authorize, then a partial or full capture, or a void),
 * stored value (a customer topped up by card, then paying from the balance), the janitor's two cards, the three methods that wait for the payer.
 * Payouts have a client of their own (payoutIteration), so that every run asks for some.
 */
const SCENARIOS: ReadonlyArray<readonly [Scenario, number]> = [
  ['card', 0.35],
  ['card_auth', 0.45],
  ['balance', 0.5],
  ['card_0259', 0.56],
  ['card_0267', 0.62],
  ['wechat_pay', 0.73],
  ['alipay', 0.84],
  ['netbank', 0.95],
  // Paid by wallet and never completed: the order's expiry must close it at the channel.
  ['wallet_abandoned', 1],
];

export interface AnsweredSuccess {
  readonly orderId: string;
  readonly amount: number;
  readonly answeredAtMs: number;
  readonly scenario: Scenario;
}

/** A void answered CLOSED: the authorization must stay released, never captured afterwards. */
export interface AnsweredVoid {
  readonly orderId: string;
  readonly answeredAtMs: number;
}

export interface AnsweredRefund {
  readonly refundId: string;
  readonly orderId: string;
  readonly amount: number;
  readonly answeredAtMs: number;
}

/** A payout the platform answered (201, or 200 for a retry by its outPayoutNo): it must end as its account says. */
export interface AnsweredPayout {
  readonly id: string;
  readonly outPayoutNo: string;
  readonly amount: number;
  readonly last4: string;
  readonly answeredAtMs: number;
}

export class Observations {
  readonly outTradeNos: string[] = [];
  readonly successes = new Map<string, AnsweredSuccess>();
  readonly refunds = new Map<string, AnsweredRefund>();
  readonly voids = new Map<string, AnsweredVoid>();
  /** Orders a refund was asked for (answered or not): the check reads their refunds. */
  readonly refundedOrders = new Set<string>();
  readonly scenarios = new Map<Scenario, number>();
  readonly payouts = new Map<string, AnsweredPayout>();
  /** Payouts refused 422 for want of available balance (early in a run, before settlement made any available). */
  payoutsRefused = 0;
  /** Answers a payout request must never get (a retry of the same body answered 409, another payout's id, a 5xx…). */
  readonly payoutAnomalies: string[] = [];
  /** Requests that got no answer: the runtime died under them, or was down. */
  unanswered = 0;
}

export interface WorkloadContext {
  readonly api: ApiClient;
  readonly notifyUrl: string;
  readonly seed: number;
  readonly observations: Observations;
  /** Resolves when the runtime answers again (immediately when it is up). */
  readonly up: () => Promise<void>;
  /**
   * Until when an order may be left unpaid on purpose (wallet_abandoned; later draws pay by WeChat Pay instead): the
   * run cannot end before the last unpaid order's 60 s deadline, and one abandoned late proves nothing an earlier one
   * does not (its expiry fires in the same restarted runtime), it only makes the run longer (decision 195).
   */
  readonly abandonUntilMs: number;
  readonly random: () => number;
}

/** Order lifetime: the contract's minimum, so the check can see unpaid orders past their deadline soon. */
export const ORDER_EXPIRES_IN_SECONDS = 60;

const CARD_OF: Partial<Record<Scenario, string>> = {
  card: SANDBOX_CARDS.succeeds,
  card_0259: SANDBOX_CARDS.capturedThenLost,
  card_0267: SANDBOX_CARDS.nothingThenLost,
};

/** One client's iteration: create, pay, maybe refund. A request the runtime did not answer ends the iteration. */
export async function iteration(ctx: WorkloadContext, client: number, seq: number): Promise<void> {
  const { observations } = ctx;
  const roll = ctx.random();
  const drawn = SCENARIOS.find(([, upTo]) => roll < upTo)![0];
  const scenario: Scenario = drawn === 'wallet_abandoned' && Date.now() > ctx.abandonUntilMs ? 'wechat_pay' : drawn;
  observations.scenarios.set(scenario, (observations.scenarios.get(scenario) ?? 0) + 1);
  const outTradeNo = `CH${ctx.seed}-${client}-${seq}`;
  const amount = 100 + Math.floor(ctx.random() * 9_900);
  observations.outTradeNos.push(outTradeNo);
  const created = await answered(ctx, () =>
    ctx.api.post('/v1/orders', { outTradeNo, amount, currency: 'CNY', subject: 'Chaos', notifyUrl: ctx.notifyUrl, expiresInSeconds: ORDER_EXPIRES_IN_SECONDS }),
  );
  if (created?.status !== 201) return;
  const orderId = created.body.id as string;
  if (scenario === 'balance') return storedValue(ctx, orderId, amount, outTradeNo);
  const captured = scenario === 'card_auth' ? await authorizeThenSettle(ctx, orderId, amount) : (await pay(ctx, orderId, scenario)) ? amount : 0;
  if (!captured) return;
  observations.successes.set(orderId, { orderId, amount: captured, answeredAtMs: Date.now(), scenario });
  if (ctx.random() < 0.4) await refund(ctx, orderId, captured, outTradeNo);
}

/**
 * Stored value (contract, "Customers, balances and top-ups"): a customer, a top-up order of twice the amount paid by
 * card, then the order created above paid from the balance. Both answered successes are promises; a refund of the
 * balance payment credits the balance back. The ledger check then proves no customer balance went below zero.
 */
async function storedValue(ctx: WorkloadContext, orderId: string, amount: number, outTradeNo: string): Promise<void> {
  const customer = await answered(ctx, () => ctx.api.post('/v1/customers', { outCustomerNo: `${outTradeNo}-C`, name: 'Chaos customer' }));
  if (customer?.status !== 201) return;
  const customerId = customer.body.id as string;
  const topUpNo = `${outTradeNo}-T`;
  ctx.observations.outTradeNos.push(topUpNo);
  const topUp = await answered(ctx, () =>
    ctx.api.post('/v1/orders', { outTradeNo: topUpNo, amount: 2 * amount, currency: 'CNY', subject: 'Chaos top-up', purpose: 'topup', customerId, notifyUrl: ctx.notifyUrl, expiresInSeconds: ORDER_EXPIRES_IN_SECONDS }),
  );
  if (topUp?.status !== 201) return;
  const topUpId = topUp.body.id as string;
  if (!(await pay(ctx, topUpId, 'card'))) return;
  ctx.observations.successes.set(topUpId, { orderId: topUpId, amount: 2 * amount, answeredAtMs: Date.now(), scenario: 'balance' });
  const paid = await answered(ctx, () => ctx.api.post(`/v1/orders/${orderId}/pay`, { method: 'balance', customerId }));
  if (paid?.status !== 200 || paid.body.status !== 'SUCCEEDED') return;
  ctx.observations.successes.set(orderId, { orderId, amount, answeredAtMs: Date.now(), scenario: 'balance' });
  if (ctx.random() < 0.4) await refund(ctx, orderId, amount, outTradeNo);
}

/**
 * A pre-authorization: `capture: false`, then a capture of part or all of it, or a void (contract, "Capture and
 * void"). Returns the amount a capture answered SUCCEEDED with; a void answered CLOSED is recorded as a promise too.
 */
async function authorizeThenSettle(ctx: WorkloadContext, orderId: string, amount: number): Promise<number> {
  const authorized = await answered(ctx, () => ctx.api.pay(orderId, SANDBOX_CARDS.succeeds, { capture: false }));
  if (authorized?.status !== 200 || authorized.body.status !== 'AUTHORIZED') return 0;
  if (ctx.random() < 0.25) {
    const voided = await answered(ctx, () => ctx.api.post(`/v1/orders/${orderId}/void`, {}));
    if (voided?.status === 200 && voided.body.status === 'CLOSED') ctx.observations.voids.set(orderId, { orderId, answeredAtMs: Date.now() });
    return 0;
  }
  const part = ctx.random() < 0.5 ? amount : 1 + Math.floor(ctx.random() * amount);
  const captured = await answered(ctx, () => ctx.api.post(`/v1/orders/${orderId}/capture`, { amount: part }));
  return captured?.status === 200 && captured.body.status === 'SUCCEEDED' ? (captured.body.amountCaptured as number) : 0;
}

/** Pays by the scenario's method; true when an answer said SUCCEEDED. */
async function pay(ctx: WorkloadContext, orderId: string, scenario: Scenario): Promise<boolean> {
  const card = CARD_OF[scenario];
  if (card) {
    const res = await answered(ctx, () => ctx.api.pay(orderId, card));
    return res?.status === 200 && res.body.status === 'SUCCEEDED';
  }
  const method = scenario === 'wallet_abandoned' ? (['wechat_pay', 'alipay', 'netbank'] as const)[Math.floor(ctx.random() * 3)]! : scenario;
  // The bank named up front: the sandbox bank completes a netbank payment only once the payer's bank is known.
  const res = await answered(ctx, () => ctx.api.post(`/v1/orders/${orderId}/pay`, method === 'netbank' ? { method, netbank: { bank: 'ICBC' } } : { method }));
  if (res?.status !== 200 || res.body.status !== 'REQUIRES_ACTION' || scenario === 'wallet_abandoned') return false;
  const channelPaymentId = res.body.payment.channelPaymentId as string;
  const completed = await answered(ctx, () => sandboxComplete(ctx.api.baseUrl, method, channelPaymentId));
  if (!completed || completed.status >= 300) return false;
  // The outcome arrives by the channel's callback: the client sees it when a read answers SUCCEEDED.
  for (let i = 0; i < 40; i += 1) {
    const read = await answered(ctx, () => ctx.api.get(`/v1/orders/${orderId}`));
    if (!read) return false;
    if (read.body.status === 'SUCCEEDED') return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** A partial refund, sometimes followed by one of the rest; or one full refund. */
async function refund(ctx: WorkloadContext, orderId: string, amount: number, outTradeNo: string): Promise<void> {
  ctx.observations.refundedOrders.add(orderId);
  const partial = ctx.random() < 0.6 ? 1 + Math.floor(ctx.random() * (amount - 1)) : amount;
  const plan = partial < amount && ctx.random() < 0.5 ? [partial, amount - partial] : [partial];
  for (const [n, part] of plan.entries()) {
    const body = { outRefundNo: `${outTradeNo}-R${n}`, amount: part, reason: 'chaos' };
    // The same outRefundNo and amount is the same refund (contract): one unanswered request is asked once more.
    const res = (await answered(ctx, () => ctx.api.post(`/v1/orders/${orderId}/refunds`, body))) ?? (await answered(ctx, () => ctx.api.post(`/v1/orders/${orderId}/refunds`, body)));
    if (!res || res.status >= 300) return;
    if (res.body.status === 'SUCCEEDED') {
      ctx.observations.refunds.set(res.body.id, { refundId: res.body.id, orderId, amount: part, answeredAtMs: Date.now() });
    }
  }
}

/** Sandbox bank accounts by their last four digits (contract, "Payouts"): paid, failed `account_invalid`, paid with the answer lost. */
export const PAYOUT_ACCOUNTS = ['0001', '0002', '0003'] as const;

/**
 * The payout client's iteration: a payout of a few units to one of the sandbox accounts. A request left unanswered is
 * sent again with the same outPayoutNo and body (contract: the same payout, 200), at most twice more; an answered one
 * is sometimes repeated too, and must name the same payout. 422 is the merchant's available not covering it yet
 * (settlement moves the payments' net there a couple of seconds after capture): the client waits a moment then.
 */
export async function payoutIteration(ctx: WorkloadContext, client: number, seq: number): Promise<void> {
  const outPayoutNo = `CH${ctx.seed}-P${client}-${seq}`;
  const last4 = PAYOUT_ACCOUNTS[Math.floor(ctx.random() * PAYOUT_ACCOUNTS.length)]!;
  const amount = 100 + Math.floor(ctx.random() * 400);
  const body = { outPayoutNo, amount, currency: 'CNY', destination: { type: 'bank_account', bankCode: 'ICBC', accountNumber: `622202000000${last4}`, accountName: 'Chaos payee' }, notifyUrl: ctx.notifyUrl };
  const send = () => answered(ctx, () => ctx.api.post('/v1/payouts', body));
  let res = await send();
  for (let retry = 0; !res && retry < 2; retry += 1) res = await send();
  if (!res) return;
  if (res.status === 422 && res.body?.error?.code === 'insufficient_available_balance') {
    ctx.observations.payoutsRefused += 1;
    await new Promise((r) => setTimeout(r, 500));
    return;
  }
  if (res.status !== 201 && res.status !== 200) {
    ctx.observations.payoutAnomalies.push(`${outPayoutNo}: answered ${res.status} ${res.text.slice(0, 200)}`);
    return;
  }
  const id = res.body.id as string;
  ctx.observations.payouts.set(id, { id, outPayoutNo, amount, last4, answeredAtMs: Date.now() });
  if (ctx.random() >= 0.3) return;
  const again = await send();
  if (again && (again.status !== 200 || again.body.id !== id)) {
    ctx.observations.payoutAnomalies.push(`${outPayoutNo}: the same body again answered ${again.status} ${again.body?.id ?? again.text.slice(0, 200)}, not 200 ${id}`);
  }
}

/** Runs a request; a connection error (the runtime died or is down) counts as unanswered and waits for the runtime. */
async function answered(ctx: WorkloadContext, send: () => Promise<ApiResponse>): Promise<ApiResponse | undefined> {
  await ctx.up();
  try {
    return await send();
  } catch {
    ctx.observations.unanswered += 1;
    await ctx.up();
    return undefined;
  }
}

/** The sandbox channel's complete endpoint: the payer pays; the channel sends its signed callback (contract). */
function sandboxComplete(baseUrl: string, channel: string, channelPaymentId: string): Promise<ApiResponse> {
  const url = `${baseUrl}/sandbox/channels/${channel}/payments/${encodeURIComponent(channelPaymentId)}/complete`;
  // The outcome named: the netbank emulator answers 400 to a body without one (it defaults only an empty body).
  const body = JSON.stringify({ outcome: 'succeeded' });
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: new Headers(), text, body: undefined });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
