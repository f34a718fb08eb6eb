import type { ChannelConfig } from '../../domain/routing.js';

const CARD_CURRENCIES: ChannelConfig['currencies'] = ['CNY', 'USD', 'EUR', 'HKD', 'GBP', 'SGD', 'JPY', 'KRW'];

/** The catalog row of a card acquirer; costs are what it charges the platform. Both instances share the rest. */
export function cardAcquirerCatalogRow(id: string, costBps: number): ChannelConfig {
  return {
    id,
    methods: ['card'],
    currencies: CARD_CURRENCIES,
    minAmount: 1,
    maxAmount: 100_000_000_000,
    costBps,
    costFixed: 0,
    supportsManualCapture: true,
    enabled: true,
  };
}
