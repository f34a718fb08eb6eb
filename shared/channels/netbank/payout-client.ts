import type { PayoutReport } from '../../domain/payout.js';
import { CallbackRejectedError } from '../../ports/channel-flows.js';
import { ChannelRejectedError, ChannelTimeoutError } from '../../ports/payment-channel.js';
import type { PayoutChannel, PayoutTransfer } from '../../ports/payout-channel.js';
import { toDecimalString, type Currency } from '../../domain/money.js';
import type { ChannelAdapter } from '../../ports/channel-flows.js';
import { NetbankAdapter } from './adapter.js';
import { NETBANK_PAYOUT_PATHS, netbankPayoutNotifySchema, netbankPayoutSchema, type NetbankPayout } from './payout-wire.js';
import { verifyNetbankMessage } from './signature.js';
import { NETBANK_NOTIFY_ACK } from './wire.js';

/**
 * The sandbox bank's payout desk as a PayoutChannel: the same merchant number, keys and signed exchange as its
 * payment API (the bank's adapter), other paths and bodies (payout-wire.ts).
 */
export class NetbankPayoutClient implements PayoutChannel {
  readonly id: string;

  constructor(private readonly bank: NetbankAdapter) {
    this.id = bank.id;
  }

  async send(transfer: PayoutTransfer): Promise<PayoutReport> {
    const answer = await this.bank.call(NETBANK_PAYOUT_PATHS.create, {
      merchantNo: this.merchantNo(),
      payoutNo: transfer.payoutId,
      amount: toDecimalString({ amount: transfer.amount, currency: transfer.currency as Currency }),
      currency: transfer.currency,
      bankCode: transfer.bankCode,
      accountNumber: transfer.accountNumber,
      accountName: transfer.accountName,
      notifyUrl: transfer.notifyUrl,
    });
    if (answer.code !== 'SUCCESS') throw new ChannelRejectedError(this.id, answer.code);
    return this.report(answer);
  }

  async query(payoutId: string): Promise<PayoutReport | null> {
    const answer = await this.bank.call(NETBANK_PAYOUT_PATHS.query, { merchantNo: this.merchantNo(), payoutNo: payoutId });
    if (answer.code === 'PAYOUT_NOT_FOUND') return null;
    if (answer.code !== 'SUCCESS') throw new ChannelTimeoutError(this.id);
    return this.report(answer);
  }

  parseNotice(request: { readonly headers: Readonly<Record<string, string>>; readonly rawBody: string }): { payoutId: string; report: PayoutReport; noticeId: string } {
    const failure = verifyNetbankMessage(this.bank.options.credentials.bankPublicKeys, request.headers, request.rawBody, new Date());
    if (failure) throw new CallbackRejectedError(this.id, failure, `payout notice ${failure}`);
    const notice = netbankPayoutNotifySchema.safeParse(parseJson(request.rawBody));
    if (!notice.success || notice.data.merchantNo !== this.merchantNo()) throw new CallbackRejectedError(this.id, 'malformed', 'payout notice body');
    return { payoutId: notice.data.payoutNo, report: toReport(notice.data), noticeId: notice.data.notifyId };
  }

  noticeAck(result: 'ok' | 'rejected'): { statusCode: number; headers: Record<string, string>; body: string } {
    const headers = { 'content-type': 'application/json' };
    return result === 'ok'
      ? { statusCode: 200, headers, body: JSON.stringify(NETBANK_NOTIFY_ACK) }
      : { statusCode: 400, headers, body: JSON.stringify({ code: 'FAIL', message: 'notify refused' }) };
  }

  private merchantNo(): string {
    return this.bank.options.credentials.merchantNo;
  }

  /** An answer without the documented shape is not understood: the outcome stays unknown. */
  private report(answer: unknown): PayoutReport {
    const parsed = netbankPayoutSchema.safeParse(answer);
    if (!parsed.success) throw new ChannelTimeoutError(this.id);
    return toReport(parsed.data);
  }
}

/** The bank's codes in the platform's words: ACCOUNT_INVALID → account_invalid. */
function toReport(p: NetbankPayout): PayoutReport {
  const failureCode = (p.failCode ?? 'payout_failed').toLowerCase();
  switch (p.status) {
    case 'PROCESSING':
      return { status: 'PROCESSING' };
    case 'SUCCEEDED':
      return { status: 'SUCCEEDED', channelPayoutId: p.bankPayoutId };
    case 'FAILED':
      return { status: 'FAILED', failureCode, channelPayoutId: p.bankPayoutId };
    case 'RETURNED':
      return { status: 'RETURNED', failureCode, channelPayoutId: p.bankPayoutId };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The platform's payout channel: the bank's payout desk when the bank is configured (docs/decisions.md, entry 158). */
export function payoutChannelOf(channels: ReadonlyMap<string, ChannelAdapter>): PayoutChannel | undefined {
  const bank = channels.get('netbank');
  return bank instanceof NetbankAdapter ? new NetbankPayoutClient(bank) : undefined;
}
