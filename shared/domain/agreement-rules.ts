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
  /** What the current period of a `period_limits` rule has used so far (its counter item as read); absent: nothing. */
  readonly periodUsage?: PeriodUsage;
}

/** The debits counted in one period of an agreement, and their sum in minor units. */
export interface PeriodUsage {
  readonly debits: number;
  readonly amount: number;
}

export type AgreementRule =
  /** The channel's own cap per debit (e.g. a wallet's contract template), below the merchant's maxAmountPerDebit. */
  | { readonly kind: 'max_amount_per_debit'; readonly maxAmount: number }
  /** Debits only between these UTC hours, [fromHour, toHour) (a bank's or wallet's debit window). */
  | { readonly kind: 'debit_window_utc'; readonly fromHour: number; readonly toHour: number }
  /** No debit in the first seconds after signing (a wallet's notice period before the first deduction). */
  | { readonly kind: 'min_seconds_after_signing'; readonly seconds: number }
  /**
   * A wallet's period rule (Alipay 周期扣款 period_rule_params: period_type DAY, period, execute_time, total_amount,
   * total_payments): at most `maxDebits` debits and `maxAmount` in all per period of `periodDays` days, the periods
   * counted from the signing day's midnight in China time (execute_time). Stateful: the period's counter is read for
   * this judgement and bumped, on the same limits, in the debit's claim transaction (docs/decisions.md, 175).
   */
  | PeriodLimitsRule;

export interface PeriodLimitsRule {
  readonly kind: 'period_limits';
  readonly periodDays: number;
  readonly maxDebits: number;
  readonly maxAmount: number;
}

const DAY_MS = 86_400_000;
/** China Standard Time has no daylight saving: the wallets' dates (execute_time) are days at UTC+8. */
const CHINA_OFFSET_MS = 8 * 3_600_000;

/** The channel's period rule, if its catalog row has one. */
export function periodLimitsOf(rules: readonly AgreementRule[]): PeriodLimitsRule | undefined {
  return rules.find((rule): rule is PeriodLimitsRule => rule.kind === 'period_limits');
}

/**
 * The period a debit at `nowMs` falls in: its index from the agreement's first period (0), which starts at midnight
 * China time of the day the agreement was created, the execute_time the channel was sent with the signing. Negative
 * before that day (a clock far behind): no period, the debit is refused.
 */
export function periodIndex(rule: PeriodLimitsRule, agreement: Pick<Agreement, 'createdAt'>, nowMs: number): number {
  const createdChinaMs = Date.parse(agreement.createdAt) + CHINA_OFFSET_MS;
  const anchorMs = createdChinaMs - (createdChinaMs % DAY_MS) - CHINA_OFFSET_MS;
  return Math.floor((nowMs - anchorMs) / (rule.periodDays * DAY_MS));
}

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
    case 'period_limits':
      return periodRefusal(rule, agreement, debit);
  }
}

function periodRefusal(rule: PeriodLimitsRule, agreement: Agreement, debit: DebitRequest): string | null {
  const per = `per ${rule.periodDays} days`;
  if (periodIndex(rule, agreement, debit.nowMs) < 0) return 'no debit before the period rule\'s first day (execute_time)';
  const used = debit.periodUsage ?? { debits: 0, amount: 0 };
  if (used.debits >= rule.maxDebits) return `at most ${rule.maxDebits} debits ${per}, all used in this period`;
  if (used.amount + debit.amount > rule.maxAmount) return `at most ${rule.maxAmount} in all ${per}, ${used.amount} used in this period`;
  return null;
}
