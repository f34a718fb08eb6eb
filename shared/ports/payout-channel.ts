import type { PayoutReport } from '../domain/payout.js';

/**
 * A bank payout (代付) channel: sends a transfer once per payout id (its idempotency key at the bank), answers its
 * status on query, and reports results by signed notice. An answer that is not understood, a timeout or a 5xx throws
 * ChannelTimeoutError: the outcome is unknown and only a query may decide it (never a second send elsewhere).
 */
export interface PayoutTransfer {
  readonly payoutId: string;
  readonly amount: number;
  readonly currency: string;
  readonly bankCode: string;
  readonly accountNumber: string;
  readonly accountName: string;
  readonly notifyUrl: string;
}

export interface PayoutChannel {
  readonly id: string;
  /** Sends the transfer; the bank's answer as a report (usually PROCESSING), or ChannelRejectedError for a refusal. */
  send(transfer: PayoutTransfer): Promise<PayoutReport>;
  /** The transfer's status at the bank; null when the bank has no transfer under this payout id. */
  query(payoutId: string): Promise<PayoutReport | null>;
  /** Verifies and reads a notice; CallbackRejectedError when its signature or shape is wrong. */
  parseNotice(request: { readonly headers: Readonly<Record<string, string>>; readonly rawBody: string }): { readonly payoutId: string; readonly report: PayoutReport; readonly noticeId: string };
  /** What the bank expects back for a notice taken (`ok`) or refused. */
  noticeAck(result: 'ok' | 'rejected'): { readonly statusCode: number; readonly headers: Record<string, string>; readonly body: string };
}
