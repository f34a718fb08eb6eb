import { toDecimalString, type Currency } from '../domain/money.js';

/**
 * An amount for people, currency-aware: "CN¥19.99", "¥1,999", "$5.00". The decimal string is built from the integer
 * minor units (no float ever holds the amount) and Intl formats that exact string.
 */
export function formatAmount(amount: number, currency: Currency, locale = 'en-US'): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency }).format as unknown as (value: string) => string;
  return format(toDecimalString({ amount, currency }));
}

/** "29 min 59 s", "1 h 05 min", "expired": the time left, as the page first shows it (its script counts down). */
export function formatTimeLeft(expiresAt: string, nowMs: number): string {
  const seconds = Math.floor((Date.parse(expiresAt) - nowMs) / 1000);
  if (seconds <= 0) return 'expired';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  return m > 0 ? `${m} min ${String(s).padStart(2, '0')} s` : `${s} s`;
}
