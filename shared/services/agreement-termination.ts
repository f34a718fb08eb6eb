import type { Agreement } from '../domain/agreement.js';
import { janitorQueryDueAtMs } from '../domain/janitor-schedule.js';
import { logger } from '../logger.js';
import type { Merchant } from '../ports/stores.js';
import type { Timer } from '../ports/timers.js';
import { channelFor, commitChange, loadAgreement } from './agreements.js';
import { flowOf, type Deps } from './deps.js';

/**
 * Ending an agreement here and at its channel (docs/decisions.md, 126 and 137). The platform's TERMINATED is what
 * refuses debits; the channel's revocation makes the token worthless there too. The revocation's timer is set before
 * the commit that terminates, so a process that dies between the commit and the channel call still leaves a timer
 * that revokes; it is removed only after the commit that records the channel's confirmation (entry 129).
 */

export const agreementRevokeKey = (agreementId: string): string => `agreement.revoke:${agreementId}`;

type RevocationDeps = Pick<Deps, 'agreements' | 'channels' | 'timers' | 'janitorAfterSeconds' | 'now'>;

/** The revocation's retry: attempt number `step`, on the janitor's backoff from `fromMs`, for as long as it fails. */
export function scheduleRevocation(deps: Pick<Deps, 'timers' | 'janitorAfterSeconds'>, agreementId: string, fromMs: number, step = 0): Promise<void> {
  return deps.timers.schedule({
    key: agreementRevokeKey(agreementId),
    kind: 'agreement.revoke',
    dueAtMs: janitorQueryDueAtMs(fromMs, step, deps.janitorAfterSeconds),
    payload: { agreementId, step },
  });
}

/**
 * The merchant's terminate: ACTIVE or PENDING → TERMINATED with `agreement.terminated`, then the revocation. A
 * revocation that fails is left to its timer: the answer is TERMINATED with `revokedAtChannelAt: null`, because no
 * debit can start any more and the platform, not the merchant, owes the channel's confirmation. Terminating again
 * answers the agreement as it is, and tries the revocation again if the channel has not confirmed it yet.
 */
export async function terminateAgreement(deps: Deps, merchant: Merchant, agreementId: string): Promise<Agreement> {
  let agreement = await loadAgreement(deps, merchant.merchantId, agreementId);
  while (agreement.status !== 'TERMINATED') {
    const now = new Date(deps.now()).toISOString();
    const ended: Agreement = { ...agreement, status: 'TERMINATED', nextAction: null, terminatedAt: now, terminatedBy: 'merchant' };
    const committed = await endAgreement(deps, agreement, ended, merchant);
    if (committed) return committed;
    agreement = await loadAgreement(deps, merchant.merchantId, agreementId);
  }
  // Ended before this call (by an earlier terminate, the lockout, the payer): only a revocation still owed is retried.
  if (agreement.revokedAtChannelAt || !agreement.channelAgreementId) return agreement;
  await scheduleRevocation(deps, agreementId, deps.now());
  return finishRevocation(deps, agreement);
}

/**
 * Commits `ended` (a TERMINATED agreement, with its event) on the version of `before`, and revokes at the channel:
 * the timer first. Undefined when another writer changed the agreement first (the timer then finds either a
 * TERMINATED agreement to revoke, or a live one, which it leaves alone).
 */
export async function endAgreement(deps: RevocationDeps, before: Agreement, ended: Agreement, merchant: Merchant): Promise<Agreement | undefined> {
  const nowMs = deps.now();
  if (before.channelAgreementId) await scheduleRevocation(deps, before.id, nowMs);
  const committed = await commitChange(deps, before, ended, nowMs, { type: 'agreement.terminated', merchant });
  return committed && finishRevocation(deps, committed);
}

/** The revocation now; a failure is logged and left to the timer, and the agreement is answered as it is. */
async function finishRevocation(deps: RevocationDeps, agreement: Agreement): Promise<Agreement> {
  try {
    const revoked = await revokeAtChannel(deps, agreement);
    await deps.timers.cancel(agreementRevokeKey(agreement.id));
    return revoked;
  } catch (error) {
    logger.warn('agreement revocation at the channel failed; its timer retries it', { agreementId: agreement.id, channel: agreement.channel, error: errorName(error) });
    return agreement;
  }
}

/**
 * Revokes a TERMINATED agreement's credential at its channel (idempotent there) and records when the channel
 * confirmed it, in a write of its own (no event: `agreement.terminated` was sent with the termination). Throws when the
 * channel does not confirm.
 */
async function revokeAtChannel(deps: RevocationDeps, agreement: Agreement): Promise<Agreement> {
  if (agreement.status !== 'TERMINATED' || agreement.revokedAtChannelAt || !agreement.channelAgreementId) return agreement;
  const ref = { agreementId: agreement.id, channelAgreementId: agreement.channelAgreementId, token: agreement.channelToken };
  const result = await flowOf(channelFor(deps, agreement), 'terminateAgreement')(ref);
  if (result.outcome !== 'terminated') throw new Error(`the channel answered the revocation ${result.outcome}`);
  for (;;) {
    const current = (await deps.agreements.get(agreement.id)) ?? agreement;
    if (current.revokedAtChannelAt) return current;
    const nowMs = deps.now();
    const recorded = await commitChange(deps, current, { ...current, revokedAtChannelAt: new Date(nowMs).toISOString() }, nowMs);
    if (recorded) return recorded;
  }
}

/**
 * `agreement.revoke` {agreementId, step}: a revocation the channel has not confirmed yet. Does nothing for an
 * agreement that is not TERMINATED (the commit it was set for lost) or whose revocation is recorded; otherwise asks
 * the channel again, and on failure sets the next attempt on the janitor's backoff, for as long as it takes.
 */
export async function handleAgreementRevocation(deps: Deps, timer: Timer): Promise<void> {
  const agreementId = typeof timer.payload.agreementId === 'string' ? timer.payload.agreementId : undefined;
  const step = typeof timer.payload.step === 'number' && Number.isSafeInteger(timer.payload.step) ? timer.payload.step : 0;
  if (!agreementId) return logger.error('agreement.revoke timer without its agreement id', { key: timer.key });
  const agreement = await deps.agreements.get(agreementId);
  if (!agreement) return logger.error('agreement.revoke timer for an unknown agreement', { agreementId });
  try {
    await revokeAtChannel(deps, agreement);
  } catch (error) {
    logger.warn('janitor: agreement revocation failed again; retrying later', { agreementId, step, error: errorName(error) });
    await scheduleRevocation(deps, agreementId, deps.now(), step + 1);
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'non-Error';
}
