import { basisPoints } from './money.js';
import { PAYMENT_METHODS, type PaymentMethod } from './order.js';
import { DEFAULT_PAYOUT_FEE } from './payout.js';

/**
 * The platform's fee for a merchant, as data (docs/decisions.md, entry 150): basis points of the captured amount plus
 * a fixed amount in the payment's minor units, per payment method, with a default for methods without their own.
 */
export interface FeeRule {
  readonly bps: number;
  readonly fixed: number;
}

export interface MerchantFees {
  readonly default: FeeRule;
  readonly methods: Readonly<Partial<Record<PaymentMethod, FeeRule>>>;
  /**
   * The fee per payout (代付) transfer, on the payout's amount (docs/decisions.md, 185); absent: the platform's default
   * (DEFAULT_PAYOUT_FEE, a fixed 1.00), so a later change of the default reaches every merchant without its own.
   */
  readonly payout?: FeeRule;
}

/** Paying from a customer's stored balance costs nothing: the top-up that filled it paid the fee once. */
export const NO_FEES: MerchantFees = { default: { bps: 0, fixed: 0 }, methods: {} };

/** Bounds that keep `basisPoints` exact (amount × bps < 2^53) and a fee meaningful: at most 100 % plus 10^9 minor units. */
export const MAX_BPS = 10_000;
export const MAX_FIXED = 1_000_000_000;

/**
 * The fee on `amount` paid with `method`: the method's rule, else the default. Never more than the amount itself, so
 * a small payment's net is never negative (a fixed fee larger than the payment takes all of it, nothing more).
 */
export function feeFor(fees: MerchantFees, method: PaymentMethod, amount: number): number {
  const rule = fees.methods[method] ?? fees.default;
  return Math.min(amount, basisPoints(amount, rule.bps) + rule.fixed);
}

/**
 * The fees a merchant pays: its own, else (a merchant created before fees were data) its old single rate or the
 * platform's default rate, with no fixed part, so its figures do not change.
 */
export function merchantFeesOf(
  merchant: { readonly fees?: MerchantFees | null; readonly feeBps: number | null } | undefined,
  defaultFeeBps: number,
): MerchantFees {
  if (merchant?.fees) return merchant.fees;
  return { default: { bps: merchant?.feeBps ?? defaultFeeBps, fixed: 0 }, methods: {} };
}

/** The rule a merchant's payouts are charged by: its own, else the platform's default. */
export function payoutFeeRuleOf(fees: Pick<MerchantFees, 'payout'> | null | undefined): FeeRule {
  return fees?.payout ?? DEFAULT_PAYOUT_FEE;
}

export function isFeeRule(rule: unknown): rule is FeeRule {
  if (typeof rule !== 'object' || rule === null) return false;
  const { bps, fixed } = rule as Record<string, unknown>;
  return (
    Number.isSafeInteger(bps) && (bps as number) >= 0 && (bps as number) <= MAX_BPS && Number.isSafeInteger(fixed) && (fixed as number) >= 0 && (fixed as number) <= MAX_FIXED
  );
}

/** Checks a fee schedule before it is stored: integer rules within bounds, methods the platform knows. */
export function assertMerchantFees(fees: MerchantFees): MerchantFees {
  if (!isFeeRule(fees.default)) throw new RangeError(`fees.default must be {bps: 0..${MAX_BPS}, fixed: 0..${MAX_FIXED}} in integers`);
  for (const [method, rule] of Object.entries(fees.methods)) {
    if (!(PAYMENT_METHODS as readonly string[]).includes(method)) throw new RangeError(`fees.methods: unknown payment method ${method}`);
    if (!isFeeRule(rule)) throw new RangeError(`fees.methods.${method} must be {bps: 0..${MAX_BPS}, fixed: 0..${MAX_FIXED}} in integers`);
  }
  if (fees.payout !== undefined && !isFeeRule(fees.payout)) throw new RangeError(`fees.payout must be {bps: 0..${MAX_BPS}, fixed: 0..${MAX_FIXED}} in integers`);
  const checked = { default: { bps: fees.default.bps, fixed: fees.default.fixed }, methods: { ...fees.methods } };
  return fees.payout === undefined ? checked : { ...checked, payout: { bps: fees.payout.bps, fixed: fees.payout.fixed } };
}
