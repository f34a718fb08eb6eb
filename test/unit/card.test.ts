import { describe, expect, it } from 'vitest';
import { assertCardUsable, cardBrand, luhnValid } from '../../shared/domain/card.js';

describe('cards', () => {
  it('checks the Luhn digit on every sandbox number of the contract', () => {
    for (const number of ['4242424242424242', '4000000000000002', '5555555555554444', '6200000000000005']) {
      expect(luhnValid(number), number).toBe(true);
    }
    expect(luhnValid('4242424242424241')).toBe(false);
    expect(luhnValid('42424242424')).toBe(false); // 11 digits
    expect(luhnValid('4242 4242 4242 4242')).toBe(false);
  });

  it('recognises brands by prefix', () => {
    expect(cardBrand('4242424242424242')).toBe('visa');
    expect(cardBrand('5555555555554444')).toBe('mastercard');
    expect(cardBrand('2223003122003222')).toBe('mastercard');
    expect(cardBrand('6200000000000005')).toBe('unionpay');
    expect(cardBrand('378282246310005')).toBe('amex');
    expect(cardBrand('3530111333300000')).toBe('jcb');
    expect(cardBrand('9999999999999995')).toBe('unknown');
  });

  it('refuses an invalid number or an expired card with 400 naming the field; the current month is still valid', () => {
    const now = new Date('2026-11-22T08:00:00Z');
    const card = { number: '4242424242424242', expMonth: 11, expYear: 2026, cvc: '123' };
    expect(() => assertCardUsable(card, now)).not.toThrow();
    expect(() => assertCardUsable({ ...card, expMonth: 10 }, now)).toThrow(expect.objectContaining({ code: 'expired_card', param: 'card.expYear' }));
    expect(() => assertCardUsable({ ...card, expYear: 2025, expMonth: 12 }, now)).toThrow(expect.objectContaining({ code: 'expired_card' }));
    expect(() => assertCardUsable({ ...card, number: '4242424242424241' }, now)).toThrow(
      expect.objectContaining({ code: 'invalid_card_number', param: 'card.number' }),
    );
  });
});
