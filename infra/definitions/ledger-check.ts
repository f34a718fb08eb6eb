/**
 * The scheduled ledger check, as data (docs/decisions.md, entry 143): the CDK app schedules its function with these
 * numbers; the local runtime has the same check as `npm run merchant -- ledger-check`.
 */
export const ledgerCheckSettings = {
  /** How often it runs: the alarms' period. An expired hold is reported one grace (1 h) after it expired, at most an hour later. */
  everyMinutes: 60,
  /** A whole-table read on a strongly consistent snapshot (read twice, up to five rounds): minutes, not seconds, on a large table. */
  timeoutSeconds: 600,
  /** Never two at once: a second scan over the same table would prove nothing more and double the read cost. */
  reservedConcurrency: 1,
} as const;

/** Handler module of the ledger check function, relative to the project root. */
export const ledgerCheckEntry = 'functions/ledger-check.ts';
