import type { ChannelConfig } from '../../domain/routing.js';

/** WeChat Pay Native (QR): CNY only (the adapter refuses other currencies), capture at payment, 0.6% like WeChat's standard rate. */
export const WECHAT_PAY_CATALOG: ChannelConfig = {
  id: 'wechat_pay',
  methods: ['wechat_pay'],
  currencies: ['CNY'],
  minAmount: 1,
  maxAmount: 50_000_000,
  costBps: 60,
  costFixed: 0,
  supportsManualCapture: false,
  enabled: true,
};
