import type { ChannelConfig } from '../../domain/routing.js';

/**
 * Alipay face-to-face precreate (QR): CNY only, capture at payment, 0.6% like Alipay's standard rate. Its 周期扣款
 * agreements are signed with this period rule (period_rule_params) and their debits judged by it before Alipay is
 * called: at most 5 debits and 50 000 yuan per 7 days (docs/decisions.md, 175).
 */
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
  agreementRules: [{ kind: 'period_limits', periodDays: 7, maxDebits: 5, maxAmount: 5_000_000 }],
};
