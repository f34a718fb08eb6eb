import { CHANNEL_UTC_OFFSET_MINUTES } from '../../shared/reconciliation/bill.js';

/**
 * The daily reconciliation in AWS, as data (docs/decisions.md, entries 188-192): the CDK app schedules the
 * reconciliation function once a day per channel with these numbers, and keeps the reports bucket's objects as long
 * as the record-keeping rule says.
 */
export const reconciliationSettings = {
  /**
   * 03:00 UTC: the previous business day is over for every channel (the UTC+8 channels closed theirs at 16:00 UTC,
   * the card acquirers at midnight) and the Chinese channels publish their bills from about 09:00-10:00 Beijing time
   * (01:00-02:00 UTC). Each channel's rule runs the function for the channel's previous day.
   */
  cron: { minute: '0', hour: '3' },
  /** A run fetches a bill (and its neighbours when an item is missing) and queries what does not match: minutes. */
  timeoutSeconds: 600,
  /** EventBridge retries a failed run (a bill published late, the channel down) this often, then dead-letters it. */
  retryAttempts: 2,
  /** Reports move to infrequent access after this many days (read when a discrepancy is worked, rarely later). */
  infrequentAccessAfterDays: 30,
  /**
   * Reports are kept 7 years and then expire: the longest of the record-keeping periods a payment institution meets
   * (PBOC: 5 years for transaction records; EU AMLD and UK: 5 years; US and HK bookkeeping: 7 years).
   */
  retentionDays: 7 * 365 + 2,
  /** An overwritten or deleted report version stays recoverable this long (reports are written once, by run id). */
  noncurrentVersionDays: 90,
} as const;

/** Handler module of the reconciliation function, relative to the project root. */
export const reconciliationEntry = 'functions/reconciliation.ts';

/** The channels of a deployment that publish a bill and so get a daily run: those configured that have a bill clock. */
export function reconciledChannels(channelBaseUrls: Readonly<Record<string, string>>): string[] {
  return Object.keys(channelBaseUrls).filter((id) => id in CHANNEL_UTC_OFFSET_MINUTES).sort();
}
