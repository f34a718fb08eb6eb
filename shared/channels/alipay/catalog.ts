import type { ChannelConfig } from '../../domain/routing.js';

/** Alipay face-to-face precreate (QR): CNY only, capture at payment, 0.6% like Alipay's standard rate. */
export const ALIPAY_CATALOG: ChannelConfig = {
  id: 'alipay',
  methods: ['alipay'],
  currencies: ['CNY'],
  minAmount: 1,
  maxAmount: 50_000_000,
  costBps: 60,
  costFixed: 0,
  supportsManualCapture: false,
  enabled: true,
};
