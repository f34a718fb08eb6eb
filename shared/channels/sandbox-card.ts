/**
 * The contract's sandbox card table ("Sandbox cards"): the card acquirers' sandbox (infra/local/sandbox/
 * card-acquirer/) decides by these numbers, and tests and docs pay with them. Nothing on the platform's side reads
 * them: the card channels are the card acquirer adapter (shared/channels/card-acquirer/), as for a real acquirer.
 */
export const SANDBOX_CARDS = {
  succeeds: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  otpChallenge: '4000000000003220',
  firstChannelTimesOut: '4000000000000119',
  /** Every channel times out; the first one captured, and its reversal times out too (202, the janitor finds SUCCEEDED). */
  capturedThenLost: '4000000000000259',
  /** As capturedThenLost, but nothing was captured (202, the janitor finds nothing and releases the order). */
  nothingThenLost: '4000000000000267',
  /**
   * Authorizes like 4242; its capture is done at the acquirer but the answer is lost (held past the adapter's timeout):
   * the capture answers 202 PROCESSING and the janitor's query finds it captured.
   */
  captureAnswerLost: '4000000000000622',
  /** Agreements sign with it (the OTP passes); every merchant-initiated debit through such an agreement is declined. */
  agreementDebitsDeclined: '4000000000000341',
} as const;

/**
 * A refund with this reason is done at the sandbox acquirer but its answer is lost (a timeout): the refund stays
 * PROCESSING until the janitor's query finds it. A sandbox knob, like the cards above; no real refund reason means it.
 */
export const SANDBOX_REFUND_ANSWER_LOST = 'sandbox: refund answer lost';

export const SANDBOX_OTP = '123456';

/** The card acquirers' catalog row under its former name (shared/channels/card-acquirer/catalog.ts holds it). */
export { cardAcquirerCatalogRow as sandboxCardCatalogRow } from './card-acquirer/catalog.js';
