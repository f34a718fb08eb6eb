import { describe, expect, it } from 'vitest';
import { assertMerchantFees, feeFor, merchantFeesOf, payoutFeeRuleOf, type MerchantFees } from '../../shared/domain/fees.js';
import { payoutFee } from '../../shared/domain/payout.js';

const fees: MerchantFees = { default: { bps: 60, fixed: 0 }, methods: { wechat_pay: { bps: 38, fixed: 10 }, netbank: { bps: 0, fixed: 200 } } };

describe('feeFor', () => {
  it("uses the method's rule (basis points rounded half up, plus the fixed part) and the default for other methods", () => {
    expect(feeFor(fees, 'wechat_pay', 10_000)).toBe(38 + 10);
    expect(feeFor(fees, 'wechat_pay', 1999)).toBe(8 + 10); // 7.5962 rounds to 8
    expect(feeFor(fees, 'card', 1999)).toBe(12); // 11.994 rounds to 12
    expect(feeFor(fees, 'netbank', 50_000)).toBe(200);
  });

  it('never takes more than the payment: a fixed fee above a small amount takes the amount', () => {
    expect(feeFor(fees, 'netbank', 150)).toBe(150);
    expect(feeFor(fees, 'netbank', 0)).toBe(0);
  });
});

describe('merchantFeesOf', () => {
  it("keeps a merchant without a schedule on its old single rate, or the platform's default, with no fixed part", () => {
    expect(merchantFeesOf({ feeBps: 100 }, 60)).toEqual({ default: { bps: 100, fixed: 0 }, methods: {} });
    expect(merchantFeesOf({ feeBps: null, fees: null }, 60)).toEqual({ default: { bps: 60, fixed: 0 }, methods: {} });
    expect(merchantFeesOf({ feeBps: 100, fees }, 60)).toBe(fees);
  });
});

describe('assertMerchantFees', () => {
  it('refuses fractions, negatives, out-of-range rates and unknown methods', () => {
    expect(() => assertMerchantFees({ default: { bps: 1.5, fixed: 0 }, methods: {} })).toThrow(RangeError);
    expect(() => assertMerchantFees({ default: { bps: 60, fixed: -1 }, methods: {} })).toThrow(RangeError);
    expect(() => assertMerchantFees({ default: { bps: 10_001, fixed: 0 }, methods: {} })).toThrow(RangeError);
    expect(() => assertMerchantFees({ default: { bps: 60, fixed: 0 }, methods: { paypal: { bps: 1, fixed: 0 } } as never })).toThrow(/unknown payment method paypal/);
    expect(() => assertMerchantFees({ default: { bps: 60, fixed: 0 }, methods: { card: { bps: '5', fixed: 0 } } as never })).toThrow(RangeError);
    expect(assertMerchantFees(fees)).toEqual(fees);
  });

  it('keeps a payout rule when one is given, checked like the others, and adds none when it is not', () => {
    expect(assertMerchantFees({ ...fees, payout: { bps: 5, fixed: 250 } })).toEqual({ ...fees, payout: { bps: 5, fixed: 250 } });
    expect(assertMerchantFees(fees)).not.toHaveProperty('payout');
    expect(() => assertMerchantFees({ ...fees, payout: { bps: 0, fixed: 1.5 } })).toThrow(/fees\.payout/);
    expect(() => assertMerchantFees({ ...fees, payout: { bps: -1, fixed: 0 } })).toThrow(/fees\.payout/);
    expect(() => assertMerchantFees({ ...fees, payout: null } as never)).toThrow(/fees\.payout/);
  });
});

describe('payoutFeeRuleOf', () => {
  it("is the merchant's payout rule, else the platform's fixed 1.00", () => {
    expect(payoutFeeRuleOf({ payout: { bps: 5, fixed: 250 } })).toEqual({ bps: 5, fixed: 250 });
    expect(payoutFeeRuleOf(fees)).toEqual({ bps: 0, fixed: 100 });
    expect(payoutFeeRuleOf(null)).toEqual({ bps: 0, fixed: 100 });
    expect(payoutFee(20_000, payoutFeeRuleOf({ payout: { bps: 5, fixed: 250 } }))).toBe(10 + 250);
  });
});
