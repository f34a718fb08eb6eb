import type { Agreement } from '../domain/agreement.js';
import { janitorQueryDueAtMs } from '../domain/janitor-schedule.js';
import { logger } from '../logger.js';
import type { ChannelAgreementQueryState } from '../ports/channel-flows.js';
import type { Timer } from '../ports/timers.js';
import { endAgreement } from './agreement-termination.js';
import { flowOf, type Deps } from './deps.js';
import { AgreementReportRefused, settleAgreementReport } from './wallet-agreements.js';

/**
 * The signing deadline of a PENDING agreement (docs/decisions.md, 238-240). Every agreement is created with
 * `signExpiresAt` (PAY_AGREEMENT_SIGN_WINDOW_SECONDS later) and one timer, `agreement.query:<agr_id>`, set before the
 * write that stores it, so no PENDING agreement exists without it. When it fires on an agreement still PENDING:
 * - a wallet is asked about its contract (queryAgreement). Signed there → ACTIVE through the writer a sign notice
 *   uses (settleAgreementReport), exactly as if the lost notice had arrived; ended there → TERMINATED the same way.
 * - nothing signed and the deadline passed (or a channel with nothing to ask: a card's challenge is the platform's)
 *   → the signing is given up: PENDING → TERMINATED by the platform, `failureCode: signing_expired`, with
 *   `agreement.terminated`, revoked at the channel (agreement-termination.ts), so a sign that reaches the wallet later
 *   is revoked too (entry 131).
 * - nothing signed before the deadline, or no answer at all → still PENDING, asked again on the janitor's backoff,
 *   never past the deadline while it is ahead. A channel that does not answer is asked for as long as it takes: an
 *   agreement is never ACTIVE, nor given up, by guess.
 */

export const agreementQueryKey = (agreementId: string): string => `agreement.query:${agreementId}`;

export const SIGNING_EXPIRED = 'signing_expired';

type ScheduleDeps = Pick<Deps, 'timers' | 'janitorAfterSeconds' | 'channels'>;

/** The deadline of a signing that starts at `nowMs`. */
export function signExpiresAtOf(deps: Pick<Deps, 'agreementSignWindowSeconds'>, nowMs: number): string {
  return new Date(nowMs + deps.agreementSignWindowSeconds * 1000).toISOString();
}

/** The deadline in ms; agreements created before it existed are given the window from their creation. */
function deadlineMs(deps: Pick<Deps, 'agreementSignWindowSeconds'>, agreement: Agreement): number {
  return Date.parse(agreement.signExpiresAt ?? signExpiresAtOf(deps, Date.parse(agreement.createdAt)));
}

/** A signing past its recorded deadline: no confirm may finish it any more (agreement-confirm.ts). */
export function signingExpired(deps: Pick<Deps, 'now'>, agreement: Agreement): boolean {
  return agreement.status === 'PENDING' && !!agreement.signExpiresAt && Date.parse(agreement.signExpiresAt) <= deps.now();
}

/**
 * The agreement's next query, number `step` on the janitor's backoff from `fromMs`, but never later than its deadline
 * while the deadline is ahead. A channel with nothing to ask is looked at once, at the deadline.
 */
export function scheduleAgreementQuery(deps: ScheduleDeps & Pick<Deps, 'agreementSignWindowSeconds'>, agreement: Agreement, fromMs: number, step = 0): Promise<void> {
  const deadline = deadlineMs(deps, agreement);
  const queried = typeof deps.channels.get(agreement.channel)?.queryAgreement === 'function';
  const backoff = janitorQueryDueAtMs(fromMs, step, deps.janitorAfterSeconds);
  const dueAtMs = !queried ? Math.max(deadline, fromMs) : fromMs < deadline ? Math.min(backoff, deadline) : backoff;
  return deps.timers.schedule({ key: agreementQueryKey(agreement.id), kind: 'agreement.query', dueAtMs, payload: { agreementId: agreement.id, step } });
}

/** `agreement.query` {agreementId, step}: see the module's comment. */
export async function handleAgreementQuery(deps: Deps, timer: Timer): Promise<void> {
  const agreementId = typeof timer.payload.agreementId === 'string' ? timer.payload.agreementId : undefined;
  const step = typeof timer.payload.step === 'number' && Number.isSafeInteger(timer.payload.step) ? timer.payload.step : 0;
  if (!agreementId) return logger.error('agreement.query timer without its agreement id', { key: timer.key });
  const agreement = await deps.agreements.get(agreementId);
  // Set before the create's write: a create that then failed (a duplicate outAgreementNo) left nothing to look at.
  if (!agreement || agreement.status !== 'PENDING') return;
  const channel = deps.channels.get(agreement.channel);
  if (channel?.queryAgreement && agreement.channelAgreementId) {
    let state: ChannelAgreementQueryState;
    try {
      state = await flowOf(channel, 'queryAgreement')({ agreementId, channelAgreementId: agreement.channelAgreementId });
    } catch (error) {
      logger.warn('janitor: the channel did not answer the agreement query; asking again later', { agreementId, channel: channel.id, step, error: errorName(error) });
      return scheduleAgreementQuery(deps, agreement, deps.now(), step + 1);
    }
    if (state.status !== 'not_signed') return settleReported(deps, agreement, channel.id, state, step);
  }
  if (deadlineMs(deps, agreement) > deps.now()) return scheduleAgreementQuery(deps, agreement, deps.now(), step + 1);
  await giveUpSigning(deps, agreement);
}

/** The channel's answer, applied exactly as its notice would be; a contradicting one is left for an operator. */
async function settleReported(deps: Deps, agreement: Agreement, channel: string, state: Exclude<ChannelAgreementQueryState, { status: 'not_signed' }>, step: number): Promise<void> {
  try {
    const settled = await settleAgreementReport(deps, channel, state);
    logger.info('janitor: agreement settled by the channel\'s answer', { agreementId: agreement.id, channel, status: state.status, verdict: settled.verdict });
  } catch (error) {
    if (!(error instanceof AgreementReportRefused)) throw error;
    logger.error('janitor: the channel reports another agreement than ours; asking again later', { agreementId: agreement.id, channel, error: error.message });
    await scheduleAgreementQuery(deps, agreement, deps.now(), step + 1);
  }
}

/**
 * PENDING → TERMINATED by the platform with `agreement.terminated`, revoked at the channel. A writer that came first
 * (the sign notice, the merchant's terminate) wins: the agreement is decided again on what it wrote.
 */
async function giveUpSigning(deps: Deps, read: Agreement): Promise<void> {
  const merchant = await deps.merchants.get(read.merchantId);
  if (!merchant) return logger.error('agreement.query timer for an agreement without its merchant', { agreementId: read.id });
  for (let current: Agreement | undefined = read; current?.status === 'PENDING'; current = await deps.agreements.get(read.id)) {
    const now = new Date(deps.now()).toISOString();
    const ended: Agreement = { ...current, status: 'TERMINATED', nextAction: null, terminatedAt: now, terminatedBy: 'platform', failureCode: SIGNING_EXPIRED };
    if (await endAgreement(deps, current, ended, merchant)) {
      logger.info('janitor: signing given up at its deadline', { agreementId: read.id, channel: read.channel });
      return;
    }
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'non-Error';
}
