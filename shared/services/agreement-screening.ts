import type { Agreement } from '../domain/agreement.js';
import { PermissionError } from '../domain/errors.js';
import { blocklistLookups, evaluateBlocklist, type RiskFacts } from '../domain/risk.js';
import { logger } from '../logger.js';
import type { CreateAgreementRequest } from '../schemas/agreement-schemas.js';
import type { Deps } from './deps.js';

/**
 * The blocklist for agreements (docs/decisions.md, 145-146). A pay meets it in the workflow's risk step; an
 * agreement's signing and its debits do not run that workflow (entries 124-125), so they are screened here, against
 * the same rules and entries, and refused as the risk step refuses a pay: 403 `risk_blocked`, before any channel call
 * and before anything is stored.
 */

/** What an agreement keeps from its signing so that each debit can be screened again without the payer. */
export interface SigningScreen {
  readonly cardFingerprint: string | null;
  readonly payerId: string | null;
}

type ScreenDeps = Pick<Deps, 'blocklist' | 'keyCenter' | 'riskRules'>;

/**
 * Signing, with the payer present: the card's fingerprint (the platform's keyed hash, as a pay's), the payer id and
 * the payer's IP. Returns the fingerprint and payer id for the agreement to keep; the IP describes this moment only.
 */
export async function screenSigning(deps: ScreenDeps, request: Pick<CreateAgreementRequest, 'card' | 'payer'>): Promise<SigningScreen> {
  const cardFingerprint = request.card ? await deps.keyCenter.fingerprint(request.card.number) : null;
  const payerId = request.payer?.id ?? null;
  await refuseIfBlocked(deps, 'signing', { card_fingerprint: cardFingerprint ?? undefined, payer_id: payerId ?? undefined, payer_ip: request.payer?.ip });
  return { cardFingerprint, payerId };
}

/** A debit, without the payer: the signed card and payer id against the blocklist as it is now. */
export async function screenDebit(deps: ScreenDeps, agreement: Agreement): Promise<void> {
  await refuseIfBlocked(deps, 'debit', { card_fingerprint: agreement.cardFingerprint ?? undefined, payer_id: agreement.payerId ?? undefined });
}

async function refuseIfBlocked(deps: ScreenDeps, stage: 'signing' | 'debit', subjects: RiskFacts['subjects']): Promise<void> {
  const blocked = await deps.blocklist.find(blocklistLookups(deps.riskRules, subjects));
  const decision = evaluateBlocklist(deps.riskRules, subjects, blocked);
  if (decision.action !== 'block') return;
  logger.info('agreement refused by the blocklist', { stage, rules: decision.ruleIds });
  throw new PermissionError('risk_blocked', `The ${stage === 'signing' ? 'agreement' : 'debit'} was blocked by risk controls.`);
}
