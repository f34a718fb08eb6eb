import type { Agreement, AgreementMethod, AgreementNextAction } from '../domain/agreement.js';
import { ValidationError } from '../domain/errors.js';
import { logger } from '../logger.js';
import type { ChannelAgreementState, PayerAction } from '../ports/channel-flows.js';
import type { CreateAgreementRequest } from '../schemas/agreement-schemas.js';
import { commitChange } from './agreements.js';
import { flowOf, type Deps } from './deps.js';

/**
 * Wallet agreements (WeChat Pay 委托代扣, Alipay 周期扣款): signed by the payer scanning a QR code in their wallet, which
 * then notifies the platform by a signed callback; ended by the payer in the wallet the same way. The create, debit
 * and terminate flows are the card's (shared/services/agreements.ts, agreement-debit.ts); this module holds what only
 * wallets have: no card, a qr_code next action, and the channel's sign / unsign notices, applied by the agreement
 * writer (docs/decisions.md, 130-131).
 */

export const WALLET_AGREEMENT_METHODS: readonly AgreementMethod[] = ['wechat_pay', 'alipay'];

export function isWalletMethod(method: AgreementMethod): boolean {
  return WALLET_AGREEMENT_METHODS.includes(method);
}

/** A wallet keeps the payer's account, not a card: a card sent with a wallet method is a mistake, refused (400). */
export function assertNoCard(request: CreateAgreementRequest): undefined {
  if (request.card) throw new ValidationError('parameter_invalid', `card is not accepted for method ${request.method}: the payer signs in their wallet.`, 'card');
  return undefined;
}

/** The agreement's next action from the channel's: the wallet's QR string and the hosted page, or the OTP page. */
export function nextActionOf(action: PayerAction, url: string): AgreementNextAction {
  return action.type === 'qr_code' ? { type: 'qr_code', qrCode: action.qrCode, url } : { type: 'otp', url };
}

/** A verified agreement notice that names no agreement of ours, or contradicts it: changes nothing, answered 4xx. */
export class AgreementReportRefused extends Error {
  constructor(
    readonly reason: 'unknown_agreement' | 'mismatch',
    detail: string,
  ) {
    super(detail);
    this.name = 'AgreementReportRefused';
  }
}

/**
 * A wallet's sign or unsign notice, verified by the adapter: found by our agreement id (the channel's
 * out_contract_code / external_agreement_no), cross-checked (this channel's, the same channel agreement, the same
 * token once one is kept), then applied by the agreement writer: PENDING → ACTIVE with the token and
 * `agreement.activated`; PENDING/ACTIVE → TERMINATED by the payer with `agreement.terminated`. A notice that changes
 * nothing (a re-send, an activation of an agreement already terminated) is a duplicate; a signing that arrives after
 * the merchant terminated the pending agreement is revoked at the channel, so no contract is left behind there.
 */
export async function settleAgreementReport(deps: Deps, channel: string, state: ChannelAgreementState): Promise<{ verdict: 'accepted' | 'duplicate'; orderId: string }> {
  const agreement = await deps.agreements.get(state.agreementId);
  if (!agreement) throw new AgreementReportRefused('unknown_agreement', `no agreement ${state.agreementId}`);
  assertSameAgreement(channel, state, agreement);
  const settled = { orderId: agreement.id } as const;
  for (let current = agreement; ; ) {
    const next = reportedChange(current, state, deps.now());
    if (!next) {
      if (state.status === 'active' && current.status === 'TERMINATED') await revokeLateSigning(deps, current);
      return { verdict: 'duplicate', ...settled };
    }
    const merchant = await deps.merchants.get(current.merchantId);
    if (!merchant) throw new AgreementReportRefused('unknown_agreement', `no merchant for agreement ${current.id}`);
    const type = next.status === 'ACTIVE' ? 'agreement.activated' : 'agreement.terminated';
    if (await commitChange(deps, current, next, deps.now(), { type, merchant })) return { verdict: 'accepted', ...settled };
    // Another writer (the merchant's terminate, this notice's re-send) came first: decide again on what it wrote.
    current = (await deps.agreements.get(agreement.id))!;
  }
}

function assertSameAgreement(channel: string, state: ChannelAgreementState, agreement: Agreement): void {
  const mismatch = (what: string) => new AgreementReportRefused('mismatch', `agreement ${agreement.id}: ${what}`);
  if (agreement.channel !== channel || !isWalletMethod(agreement.method)) throw mismatch(`signed at ${agreement.channel}, reported by ${channel}`);
  if (agreement.channelAgreementId !== state.agreementId) throw mismatch(`channel agreement ${agreement.channelAgreementId ?? 'none'}, reported ${state.agreementId}`);
  if (agreement.channelToken !== null && agreement.channelToken !== state.token) throw mismatch('reported with another token');
}

/** The change a notice asks for, or undefined when the agreement already says it (or cannot go there any more). */
function reportedChange(agreement: Agreement, state: ChannelAgreementState, nowMs: number): Agreement | undefined {
  const now = new Date(nowMs).toISOString();
  if (state.status === 'active') {
    if (agreement.status !== 'PENDING') return undefined;
    return { ...agreement, status: 'ACTIVE', channelToken: state.token, nextAction: null, activatedAt: now };
  }
  if (agreement.status === 'TERMINATED') return undefined;
  return {
    ...agreement,
    status: 'TERMINATED',
    channelToken: agreement.channelToken ?? state.token,
    nextAction: null,
    terminatedAt: now,
    terminatedBy: state.terminatedBy ?? 'payer',
  };
}

/** Best effort: a failure is logged, and the next re-send of the sign notice tries again. */
async function revokeLateSigning(deps: Deps, agreement: Agreement): Promise<void> {
  const channel = deps.channels.get(agreement.channel);
  if (!channel || !agreement.channelAgreementId) return;
  try {
    await flowOf(channel, 'terminateAgreement')({ agreementId: agreement.id, channelAgreementId: agreement.channelAgreementId });
  } catch (error) {
    logger.warn('a signing that arrived after termination is not yet revoked at the channel', {
      agreementId: agreement.id,
      error: error instanceof Error ? error.name : 'non-Error',
    });
  }
}
