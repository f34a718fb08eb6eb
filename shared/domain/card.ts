import { ValidationError } from './errors.js';

/** Card facts that may be stored: never the number or the CVC. */
export interface CardSummary {
  readonly brand: CardBrand;
  readonly last4: string;
  readonly expMonth: number;
  readonly expYear: number;
  /** Keyed hash of the number: same card, same fingerprint, and no way back to the number. */
  readonly fingerprint: string;
}

export type CardBrand = 'visa' | 'mastercard' | 'unionpay' | 'amex' | 'jcb' | 'unknown';

export function luhnValid(number: string): boolean {
  if (!/^\d{12,19}$/.test(number)) return false;
  let sum = 0;
  let double = false;
  for (let i = number.length - 1; i >= 0; i -= 1) {
    let digit = number.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

export function cardBrand(number: string): CardBrand {
  if (/^4/.test(number)) return 'visa';
  if (/^(5[1-5]|2[2-7])/.test(number)) return 'mastercard';
  if (/^62/.test(number)) return 'unionpay';
  if (/^3[47]/.test(number)) return 'amex';
  if (/^35/.test(number)) return 'jcb';
  return 'unknown';
}

export interface CardInput {
  readonly number: string;
  readonly expMonth: number;
  readonly expYear: number;
  readonly cvc: string;
}

/** Checks a card beyond its schema: Luhn and expiry against the current month. */
export function assertCardUsable(card: CardInput, now: Date): void {
  if (!luhnValid(card.number)) {
    throw new ValidationError('invalid_card_number', 'The card number is not valid.', 'card.number');
  }
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth() + 1;
  if (card.expYear < year || (card.expYear === year && card.expMonth < month)) {
    throw new ValidationError('expired_card', 'The card has expired.', 'card.expYear');
  }
}
