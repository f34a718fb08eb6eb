import type { ChannelConfig } from '../../domain/routing.js';
import { UNIONPAY_CURRENCY } from './wire.js';
import type { Currency } from '../../domain/money.js';

/** UnionPay cards: every currency the gateway has a numeric code for, purchase or pre-authorization + completion. */
export const UNIONPAY_CATALOG: ChannelConfig = {
  id: 'unionpay',
  methods: ['unionpay'],
  currencies: Object.keys(UNIONPAY_CURRENCY) as Currency[],
  minAmount: 1,
  maxAmount: 100_000_000_000,
  costBps: 50,
  costFixed: 0,
  supportsManualCapture: true,
  enabled: true,
};
