import type { ChannelConfig } from '../../domain/routing.js';

/** The bank redirect channel: CNY (Chinese online banking), capture at payment, a fixed fee per payment as banks charge. */
export const NETBANK_CATALOG: ChannelConfig = {
  id: 'netbank',
  methods: ['netbank'],
  currencies: ['CNY'],
  minAmount: 1,
  maxAmount: 500_000_000,
  costBps: 10,
  costFixed: 100,
  supportsManualCapture: false,
  enabled: true,
};
