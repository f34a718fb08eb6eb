import type { ChannelConfig } from '../domain/routing.js';

/**
 * The channels this deployment can route to, as data. Costs are what each channel charges the platform; routing
 * prefers the cheapest eligible, healthy one. Wallet and bank channels arrive with their issue.
 */
export const CHANNEL_CATALOG: readonly ChannelConfig[] = [
  {
    id: 'card_a',
    methods: ['card'],
    currencies: ['CNY', 'USD', 'EUR', 'HKD', 'GBP', 'SGD', 'JPY', 'KRW'],
    minAmount: 1,
    maxAmount: 100_000_000_000,
    costBps: 30,
    costFixed: 0,
    supportsManualCapture: true,
    enabled: true,
  },
  {
    id: 'card_b',
    methods: ['card'],
    currencies: ['CNY', 'USD', 'EUR', 'HKD', 'GBP', 'SGD', 'JPY', 'KRW'],
    minAmount: 1,
    maxAmount: 100_000_000_000,
    costBps: 45,
    costFixed: 0,
    supportsManualCapture: true,
    enabled: true,
  },
];
