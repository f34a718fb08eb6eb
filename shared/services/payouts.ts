import type { DynamoPayoutStore } from '../adapters/dynamodb/payout-store.js';
import { payoutFeeRuleOf, type MerchantFees } from '../domain/fees.js';
import { janitorQueryDueAtMs } from '../domain/janitor-schedule.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { assertNotifyUrl } from '../domain/notify-url.js';
import type { Currency } from '../domain/money.js';
import { PAYOUT_EVENT_OF_STATUS, payoutFee, payoutResource, payoutStep, type Payout, type PayoutReport, type PayoutStatus } from '../domain/payout.js';
import { logger } from '../logger.js';
import { recordUnresolvedPayout } from '../metrics.js';
import { payoutFailureWrite, payoutHoldId, payoutReturnEntry, payoutSuccessWrite, reserveAvailable, type PayoutMoney } from '../ledger/payouts.js';
import type { LedgerStore, LedgerWrite } from '../ledger/port.js';
import type { KeyCenter } from '../ports/key-center.js';
import { ChannelRejectedError } from '../ports/payment-channel.js';
import type { PayoutChannel } from '../ports/payout-channel.js';
import type { DomainEvent } from '../ports/stores.js';
import type { Timer, Timers } from '../ports/timers.js';
import { payoutChannelOf } from '../channels/netbank/payout-client.js';
import type { Deps } from './deps.js';

/**
 * Payouts (代付), contract "Payouts" (docs/decisions.md, entries 156-160): created with their reservation in one
 * commit, sent once to the one payout channel with the payout id as the bank's idempotency key, the query timer set
 * before the send; ended by the bank's notice or the janitor's query, each ending committed with its ledger entries
 * and its outbox event.
 */
export interface PayoutDeps {
  readonly payouts: DynamoPayoutStore;
  readonly ledger: Pick<LedgerStore, 'getHold'>;
  readonly payoutChannel: PayoutChannel | undefined;
  readonly keyCenter: KeyCenter;
  readonly timers: Timers;
  readonly janitorAfterSeconds: number;
  /** The platform's public base URL: the bank's notices go to `<base>/callbacks/payouts/<channel>`. */
  readonly publicBaseUrl: () => string;
  readonly now: () => number;
}

export interface PayoutRequest {
  readonly outPayoutNo: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly destination: { readonly type: 'bank_account'; readonly bankCode: string; readonly accountNumber: string; readonly accountName: string };
  readonly notifyUrl?: string | undefined;
}

/** The payout services' view of the platform's services. */
export function payoutDeps(deps: Deps): PayoutDeps {
  return {
    payouts: deps.payouts,
    ledger: deps.ledger,
    payoutChannel: payoutChannelOf(deps.channels),
    keyCenter: deps.keyCenter,
    timers: deps.timers,
    janitorAfterSeconds: deps.janitorAfterSeconds,
    publicBaseUrl: deps.checkout.publicBaseUrl,
    now: deps.now,
  };
}

/** The `payout.query` timer's handler. */
export function handlePayoutQuery(deps: Deps, timer: Timer): Promise<void> {
  return queryPayout(payoutDeps(deps), String(timer.payload.payoutId), Number(timer.payload.step ?? 0));
}

export const payoutQueryKey = (payoutId: string): string => `payout.query:${payoutId}`;

/** Creates the payout (201), or answers the one this outPayoutNo already names (200), or refuses it. */
export async function createPayout(
  deps: PayoutDeps,
  merchant: { readonly merchantId: string; readonly notifyUrl: string | null; readonly fees?: MerchantFees | null },
  request: PayoutRequest,
  localMode: boolean,
): Promise<{ created: boolean; payout: Payout }> {
  const channel = deps.payoutChannel;
  if (!channel) throw new Error('No payout channel is configured');
  // The merchant's default notifyUrl when the request names none, as orders do.
  const notifyUrl = request.notifyUrl ? assertNotifyUrl(request.notifyUrl, localMode) : merchant.notifyUrl;
  // A keyed digest of the terms (never a plain hash: an account number is guessable from an unkeyed one).
  const requestDigest = await deps.keyCenter.fingerprint(JSON.stringify(['payout', request.outPayoutNo, request.amount, request.currency, request.destination, request.notifyUrl ?? null]));
  const existing = await deps.payouts.findByOutPayoutNo(merchant.merchantId, request.outPayoutNo);
  if (existing) return { created: false, payout: sameOrConflict(existing, requestDigest) };

  const nowMs = deps.now();
  const now = new Date(nowMs).toISOString();
  const id = newId('po', nowMs);
  const payout: Payout = {
    id,
    merchantId: merchant.merchantId,
    outPayoutNo: request.outPayoutNo,
    amount: request.amount,
    // The merchant's payout rule as it stands now, kept on the payout: a later fee change never reprices it.
    fee: payoutFee(request.amount, payoutFeeRuleOf(merchant.fees)),
    currency: request.currency,
    channel: channel.id,
    destination: { type: 'bank_account', bankCode: request.destination.bankCode, last4: request.destination.accountNumber.slice(-4), accountName: request.destination.accountName },
    sealedAccountNumber: await deps.keyCenter.seal(request.destination.accountNumber, accountContext(merchant.merchantId, id)),
    requestDigest,
    notifyUrl,
    status: 'PROCESSING',
    failureCode: null,
    channelPayoutId: null,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  // The janitor's query is set before anything can reach the bank: a process that dies after the commit leaves a
  // payout the timer finds. A timer whose payout never committed finds nothing and ends.
  await schedulePayoutQuery(deps, id, nowMs, 0);
  const reserved = await reserveAvailable(money(payout), {
    read: () => deps.payouts.availableShards(payout.merchantId, payout.currency),
    commit: (write) => deps.payouts.create(payout, write).then((o) => (o.committed ? o : { committed: false as const, failed: o.failed === 'balance' ? 'balance' : 'other' })),
    entryId: () => newId('le', deps.now()),
    nowMs: deps.now,
  });
  if (!reserved.reserved) {
    await deps.timers.cancel(payoutQueryKey(id));
    if (reserved.reason === 'insufficient') throw new UnprocessableError('insufficient_available_balance');
    // The outPayoutNo's pointer was written first by a concurrent create: that payout is the answer.
    const winner = await deps.payouts.findByOutPayoutNo(merchant.merchantId, request.outPayoutNo);
    if (winner) return { created: false, payout: sameOrConflict(winner, requestDigest) };
    throw new Error(`Payout ${id} did not commit (${reserved.reason})`);
  }
  return { created: true, payout: await send(deps, channel, payout, request.destination.accountNumber) };
}

/** Sends the transfer; whatever the bank answers is applied, and an unknown outcome is left to the query timer. */
async function send(deps: PayoutDeps, channel: PayoutChannel, payout: Payout, accountNumber: string): Promise<Payout> {
  let report: PayoutReport;
  try {
    report = await channel.send({
      payoutId: payout.id,
      amount: payout.amount,
      currency: payout.currency,
      bankCode: payout.destination.bankCode,
      accountNumber,
      accountName: payout.destination.accountName,
      notifyUrl: `${deps.publicBaseUrl().replace(/\/+$/, '')}/callbacks/payouts/${channel.id}`,
    });
  } catch (error) {
    // A refusal is final (the bank will not pay it); anything else is an unknown outcome, for the query to decide.
    if (!(error instanceof ChannelRejectedError)) return payout;
    report = { status: 'FAILED', failureCode: error.reason.toLowerCase() };
  }
  return applyPayoutReport(deps, payout.id, report);
}

/**
 * Applies what the bank says (notice or query) through the state table, once: each step commits the payout at the
 * version read with its ledger write and its event; a step that lost a race to another report reads again.
 */
export async function applyPayoutReport(deps: PayoutDeps, payoutId: string, report: PayoutReport): Promise<Payout> {
  for (let round = 0; ; round += 1) {
    const payout = await deps.payouts.get(payoutId);
    if (!payout) throw new NotFoundError('payout');
    const step = payoutStep(payout.status, report.status);
    if (step === 'none') return payout;
    if (step === 'anomaly') {
      logger.warn('payout.report_contradicts', { payoutId, status: payout.status, reported: report.status });
      return payout;
    }
    const target: PayoutStatus = step === 'succeed' || step === 'succeed_then_return' ? 'SUCCEEDED' : step === 'fail' ? 'FAILED' : 'RETURNED';
    const { after, write } = await transition(deps, payout, target, report);
    const outcome = await deps.payouts.update(after, payout.version, [write], payoutEvent(after));
    if (outcome.committed) {
      // Removed only after the commit that makes it unneeded (entry 129): a crash before leaves the query to do it.
      if (payout.status === 'PROCESSING') await deps.timers.cancel(payoutQueryKey(payoutId));
      if (step === 'succeed_then_return') continue; // the return is the next round, on the SUCCEEDED payout
      return after;
    }
    if (round >= 5) throw new Error(`Payout ${payoutId}: its report kept losing races (${outcome.failed})`);
  }
}

async function transition(deps: PayoutDeps, payout: Payout, target: PayoutStatus, report: PayoutReport): Promise<{ after: Payout; write: LedgerWrite }> {
  const nowMs = deps.now();
  const now = new Date(nowMs).toISOString();
  const channelPayoutId = 'channelPayoutId' in report && report.channelPayoutId ? report.channelPayoutId : payout.channelPayoutId;
  const failureCode = target === 'SUCCEEDED' ? null : 'failureCode' in report ? report.failureCode : 'payout_failed';
  const after: Payout = { ...payout, status: target, failureCode, channelPayoutId, updatedAt: now, version: payout.version + 1 };
  if (target === 'RETURNED') return { after, write: { entry: payoutReturnEntry(money(payout), { entryId: newId('le', nowMs), now }) } };
  const hold = await deps.ledger.getHold(payoutHoldId(payout.id));
  if (!hold) throw new Error(`Payout ${payout.id} has no reservation`);
  const ctx = { entryId: newId('le', nowMs), nowMs };
  const { write } = target === 'SUCCEEDED' ? payoutSuccessWrite(hold, payout.fee, { ...ctx, feeEntryId: newId('le', nowMs) }) : payoutFailureWrite(hold, ctx);
  return { after, write };
}

/**
 * The janitor's query (timer `payout.query`): a payout still PROCESSING is asked about at the bank; one the bank never
 * received is sent again to the same bank under the same payout id (its idempotency key: never a second transfer,
 * never a second channel); an answer still PROCESSING, or none, sets the next backoff step.
 */
export async function queryPayout(deps: PayoutDeps, payoutId: string, step: number): Promise<void> {
  const payout = await deps.payouts.get(payoutId);
  if (!payout || payout.status !== 'PROCESSING') return;
  const channel = deps.payoutChannel;
  if (!channel || channel.id !== payout.channel) throw new Error(`Payout ${payoutId}: its channel ${payout.channel} is not configured`);
  const nowMs = deps.now();
  await schedulePayoutQuery(deps, payoutId, nowMs, step + 1);
  recordUnresolvedPayout(Math.round((nowMs - Date.parse(payout.createdAt)) / 1000), { payoutId, step: String(step) }, nowMs);
  try {
    const report = await channel.query(payoutId);
    if (report === null) {
      const accountNumber = await deps.keyCenter.open(payout.sealedAccountNumber, accountContext(payout.merchantId, payoutId), { cache: false });
      await send(deps, channel, payout, accountNumber);
      return;
    }
    await applyPayoutReport(deps, payoutId, report);
  } catch (error) {
    // The next step is already set: a bank that does not answer now is asked again later.
    logger.warn('payout.query_failed', { payoutId, step, error: error instanceof Error ? error.name : 'unknown' });
  }
}

/** A bank's notice, verified by its channel: applied like a query's answer. Unknown payouts are acknowledged. */
export async function receivePayoutNotice(
  deps: PayoutDeps,
  channelId: string,
  request: { readonly headers: Readonly<Record<string, string>>; readonly rawBody: string },
): Promise<{ statusCode: number; headers: Record<string, string>; body: string } | undefined> {
  const channel = deps.payoutChannel;
  if (!channel || channel.id !== channelId) return undefined;
  let notice;
  try {
    notice = channel.parseNotice(request);
  } catch {
    return channel.noticeAck('rejected');
  }
  const payout = await deps.payouts.get(notice.payoutId);
  if (!payout || payout.channel !== channelId) {
    logger.warn('payout.notice_unknown', { payoutId: notice.payoutId, channel: channelId });
    return channel.noticeAck('ok');
  }
  await applyPayoutReport(deps, payout.id, notice.report);
  return channel.noticeAck('ok');
}

export async function getPayout(deps: Pick<PayoutDeps, 'payouts'>, merchantId: string | undefined, payoutId: string): Promise<Payout> {
  const payout = await deps.payouts.get(payoutId);
  // Another merchant's payout is as missing as one that does not exist.
  if (!payout || (merchantId !== undefined && payout.merchantId !== merchantId)) throw new NotFoundError('payout', 'id');
  return payout;
}

/** A merchant's payouts, newest first; for the operations API as well (`/ops/v1/payouts?merchantId=`). */
export function listPayouts(deps: Pick<PayoutDeps, 'payouts'>, query: { merchantId: string; status?: PayoutStatus; limit: number; cursor?: string }) {
  return deps.payouts.list(query);
}

function schedulePayoutQuery(deps: Pick<PayoutDeps, 'timers' | 'janitorAfterSeconds'>, payoutId: string, fromMs: number, step: number): Promise<void> {
  return deps.timers.schedule({
    key: payoutQueryKey(payoutId),
    kind: 'payout.query',
    dueAtMs: janitorQueryDueAtMs(fromMs, step, deps.janitorAfterSeconds),
    payload: { payoutId, step },
  });
}

/** The account number's encryption context: its purpose lets the timer function open these and nothing else. */
const accountContext = (merchantId: string, payoutId: string) => ({ purpose: 'payout-account', merchantId, payoutId });

function sameOrConflict(existing: Payout, requestDigest: string): Payout {
  if (existing.requestDigest === requestDigest) return existing;
  throw new ConflictError('duplicate_out_payout_no', undefined, { payoutId: existing.id });
}

function money(p: Payout): PayoutMoney {
  return { payoutId: p.id, merchantId: p.merchantId, channel: p.channel, currency: p.currency, amount: p.amount, fee: p.fee };
}

function payoutEvent(p: Payout): DomainEvent {
  return {
    id: newId('evt', Date.parse(p.updatedAt)),
    type: PAYOUT_EVENT_OF_STATUS[p.status as keyof typeof PAYOUT_EVENT_OF_STATUS],
    merchantId: p.merchantId,
    orderId: p.id,
    objectType: 'payout',
    objectId: p.id,
    objectVersion: p.version,
    object: payoutResource(p),
    notifyUrl: p.notifyUrl,
    createdAt: p.updatedAt,
  };
}
