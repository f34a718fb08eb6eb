import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/domain/errors.js';
import { assertAmount, basisPoints, fromDecimalString, isCurrency, MAX_AMOUNT_MINOR, toDecimalString } from '../../shared/domain/money.js';

describe('money', () => {
  it('accepts integer minor units from 1 to 10^11 and nothing else', () => {
    expect(assertAmount(1)).toBe(1);
    expect(assertAmount(MAX_AMOUNT_MINOR)).toBe(MAX_AMOUNT_MINOR);
    for (const bad of [0, -1, 1.5, MAX_AMOUNT_MINOR + 1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => assertAmount(bad), String(bad)).toThrow(ValidationError);
    }
    expect(() => assertAmount(0, 'refund.amount')).toThrow(
      expect.objectContaining({ code: 'amount_invalid', param: 'refund.amount', statusCode: 400 }),
    );
  });

  it('knows its currencies by upper-case ISO code only', () => {
    expect(isCurrency('CNY')).toBe(true);
    expect(isCurrency('JPY')).toBe(true);
    expect(isCurrency('cny')).toBe(false);
    expect(isCurrency('XXX')).toBe(false);
    expect(isCurrency('toString')).toBe(false);
  });

  it('writes decimal strings by the currency exponent, for channels only', () => {
    expect(toDecimalString({ amount: 1999, currency: 'CNY' })).toBe('19.99');
    expect(toDecimalString({ amount: 5, currency: 'USD' })).toBe('0.05');
    expect(toDecimalString({ amount: 100, currency: 'EUR' })).toBe('1.00');
    expect(toDecimalString({ amount: 1999, currency: 'JPY' })).toBe('1999');
    expect(toDecimalString({ amount: MAX_AMOUNT_MINOR, currency: 'KRW' })).toBe('100000000000');
  });

  it('computes basis-point fees exactly, rounding half up, even at the largest amount', () => {
    expect(basisPoints(10_000, 60)).toBe(60);
    expect(basisPoints(1999, 60)).toBe(12); // 11.994
    expect(basisPoints(2500, 2)).toBe(1); // 0.5 rounds up
    expect(basisPoints(2499, 2)).toBe(0); // 0.4998
    expect(basisPoints(MAX_AMOUNT_MINOR, 10_000)).toBe(MAX_AMOUNT_MINOR);
    expect(basisPoints(MAX_AMOUNT_MINOR, 9_999)).toBe(99_990_000_000);
    expect(basisPoints(1, 0)).toBe(0);
  });
});

describe('fromDecimalString', () => {
  it('reads back what toDecimalString wrote, per currency', () => {
    for (const [amount, currency] of [[1999, 'CNY'], [1, 'USD'], [1500, 'JPY'], [MAX_AMOUNT_MINOR, 'EUR']] as const) {
      expect(fromDecimalString(toDecimalString({ amount, currency }), currency)).toBe(amount);
    }
    expect(fromDecimalString('0.01', 'CNY')).toBe(1);
  });

  it('refuses what is not exactly the currency\'s shape, never rounding', () => {
    for (const [value, currency] of [['19.999', 'CNY'], ['19.9', 'CNY'], ['19', 'CNY'], ['15.00', 'JPY'], ['-1.00', 'CNY'], ['1e3', 'JPY'], [' 1.00', 'CNY'], ['', 'CNY']] as const) {
      expect(fromDecimalString(value, currency)).toBeUndefined();
    }
  });
});
