import type { Agreement } from './agreement.js';
import { ConflictError, PaymentDeclinedError, ValidationError, type DomainError } from './errors.js';
import type { Currency } from './money.js';

/**
 * Whether a debit under an agreement may go to its channel: the contract's own checks first (ACTIVE, same currency,
 * within maxAmountPerDebit), then the channel's rules, all decided here before any channel call (issue 10: "none of
 * the anchors refuses an illegal debit up front"). A channel's rules are data in its catalog row (`agreementRules`),
 * so WeChat's pre-debit notice or Alipay's period caps arrive as new rule kinds evaluated by this one function, not
 * as code in each adapter.
 */
export interface DebitRequest {
  readonly amount: number;
  readonly currency: Currency;
  readonly nowMs: number;
}

export type AgreementRule =
  /** The channel's own cap per debit (e.g. a wallet's contract template), below the merchant's maxAmountPerDebit. */
  | { readonly kind: 'max_amount_per_debit'; readonly maxAmount: number }
  /** Debits only between these UTC hours, [fromHour, toHour) (a bank's or wallet's debit window). */
  | { readonly kind: 'debit_window_utc'; readonly fromHour: number; readonly toHour: number }
  /** No debit in the first seconds after signing (a wallet's notice period before the first deduction). */
  | { readonly kind: 'min_seconds_after_signing'; readonly seconds: number };

/** The refusal of a debit, or null when it may go to the channel. */
export function refuseDebit(agreement: Agreement, debit: DebitRequest, channelRules: readonly AgreementRule[]): DomainError | null {
  if (agreement.status !== 'ACTIVE') {
    return new ConflictError('agreement_not_active', `The agreement is ${agreement.status}; only ACTIVE agreements can be debited.`);
  }
  if (debit.currency !== agreement.currency) {
    return new ValidationError('currency_mismatch', `The agreement debits ${agreement.currency}; the order is in ${debit.currency}.`, 'currency');
  }
  if (debit.amount > agreement.maxAmountPerDebit) {
    return new PaymentDeclinedError('agreement_limit_exceeded', `The amount exceeds the agreement's maxAmountPerDebit (${agreement.maxAmountPerDebit}).`);
  }
  for (const rule of channelRules) {
    const reason = ruleRefusal(rule, agreement, debit);
    if (reason) return new PaymentDeclinedError('agreement_rule_refused', `The ${agreement.channel} channel does not allow this debit: ${reason}.`);
  }
  return null;
}

function ruleRefusal(rule: AgreementRule, agreement: Agreement, debit: DebitRequest): string | null {
  switch (rule.kind) {
    case 'max_amount_per_debit':
      return debit.amount > rule.maxAmount ? `at most ${rule.maxAmount} per debit` : null;
    case 'debit_window_utc': {
      const hour = new Date(debit.nowMs).getUTCHours();
      return hour >= rule.fromHour && hour < rule.toHour ? null : `debits only from ${rule.fromHour}:00 to ${rule.toHour}:00 UTC`;
    }
    case 'min_seconds_after_signing': {
      const activatedMs = agreement.activatedAt ? Date.parse(agreement.activatedAt) : debit.nowMs;
      return debit.nowMs - activatedMs < rule.seconds * 1000 ? `no debit within ${rule.seconds} s of signing` : null;
    }
  }
}
