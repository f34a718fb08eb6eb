import { ValidationError } from './errors.js';

/**
 * Money is an integer number of the currency's minor unit plus an ISO 4217 code. Decimal strings exist only at a
 * channel's edge (see toDecimalString), never in storage or on the merchant API.
 */
export const MAX_AMOUNT_MINOR = 100_000_000_000; // 10^11, from the contract

/** Minor-unit exponent of each supported currency. */
export const CURRENCY_EXPONENT = {
  CNY: 2,
  USD: 2,
  EUR: 2,
  HKD: 2,
  GBP: 2,
  SGD: 2,
  JPY: 0,
  KRW: 0,
} as const satisfies Record<string, number>;

export type Currency = keyof typeof CURRENCY_EXPONENT;

export interface Money {
  readonly amount: number;
  readonly currency: Currency;
}

export function isCurrency(code: string): code is Currency {
  return Object.hasOwn(CURRENCY_EXPONENT, code);
}

export function assertAmount(amount: number, param = 'amount'): number {
  if (!Number.isSafeInteger(amount) || amount < 1 || amount > MAX_AMOUNT_MINOR) {
    throw new ValidationError('amount_invalid', `${param} must be an integer from 1 to ${MAX_AMOUNT_MINOR}.`, param);
  }
  return amount;
}

/** "19.99" for 1999 CNY, "1999" for 1999 JPY: for channel requests only. */
export function toDecimalString(money: Money): string {
  const exponent = CURRENCY_EXPONENT[money.currency];
  if (exponent === 0) return String(money.amount);
  const digits = String(money.amount).padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/**
 * The inverse of toDecimalString, for channel answers: "19.99" CNY → 1999, "1999" JPY → 1999. Anything that is not
 * exactly that shape (more decimals than the currency has, a sign, an exponent) is undefined, never rounded.
 */
export function fromDecimalString(value: string, currency: Currency): number | undefined {
  const exponent = CURRENCY_EXPONENT[currency];
  const pattern = exponent === 0 ? /^(\d{1,12})$/ : new RegExp(`^(\\d{1,12})\\.(\\d{${exponent}})$`);
  const match = pattern.exec(value);
  if (!match) return undefined;
  const amount = Number(`${match[1]}${match[2] ?? ''}`);
  return Number.isSafeInteger(amount) ? amount : undefined;
}

/**
 * A fee in basis points of an amount, rounded half up in integer arithmetic. amount ≤ 10^11 and bps ≤ 10^4 keep the
 * product below 2^53, so plain numbers are exact.
 */
export function basisPoints(amount: number, bps: number): number {
  return Math.floor((amount * bps + 5_000) / 10_000);
}
