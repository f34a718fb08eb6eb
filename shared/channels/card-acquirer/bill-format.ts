/**
 * The card acquirers' daily settlement report, a plain CSV of our design after Checkout.com's reports: one row per
 * money action (Capture, Refund) with the acquirer's payment id and our reference, decimal amounts in the processing
 * currency, then a trailer row with the count and sums so a truncated file is noticed (docs/decisions.md, 167).
 */
export const CARD_REPORT_COLUMNS = [
  'Processed On', 'Action Type', 'Payment ID', 'Reference', 'Action Reference', 'Currency', 'Amount', 'Processing Fee', 'Status',
] as const;

export const CARD_REPORT_TRAILER = 'Totals';

export type CardReportColumn = (typeof CARD_REPORT_COLUMNS)[number];
