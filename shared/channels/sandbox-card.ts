import { randomBytes } from 'node:crypto';
import {
  ChannelTimeoutError,
  type ChargeRequest,
  type ChargeResult,
  type ConfirmRequest,
  type PaymentChannel,
  type RefundRequest,
  type RefundResult,
} from '../ports/payment-channel.js';

/**
 * A sandbox card acquirer that behaves as the contract's sandbox table says. It stands in for the acquirer's side,
 * so it keeps an in-memory journal of what reached it (what a real acquirer's report would show): tests use it to
 * prove that exactly one charge reached a channel. The platform never reads it to decide anything.
 */
export const SANDBOX_CARDS = {
  succeeds: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  otpChallenge: '4000000000003220',
  firstChannelTimesOut: '4000000000000119',
} as const;

export const SANDBOX_OTP = '123456';

export interface JournalEntry {
  readonly channel: string;
  readonly kind: 'charge' | 'confirm' | 'cancel' | 'refund';
  readonly paymentId: string;
  readonly orderId?: string;
  readonly amount?: number;
  readonly outcome: string;
}

export class SandboxJournal {
  readonly entries: JournalEntry[] = [];
  record(entry: JournalEntry): void {
    this.entries.push(entry);
    if (this.entries.length > 100_000) this.entries.splice(0, 50_000);
  }
  charges(orderId: string): JournalEntry[] {
    return this.entries.filter((e) => e.kind === 'charge' && e.orderId === orderId);
  }
}

export interface SandboxCardChannelOptions {
  /** Primary channels time out on the timeout card; secondary ones answer it. */
  readonly primary: boolean;
  readonly journal: SandboxJournal;
  /** How long the simulated timeout takes before the channel gives up. */
  readonly timeoutMs?: number;
}

export class SandboxCardChannel implements PaymentChannel {
  constructor(
    readonly id: string,
    private readonly options: SandboxCardChannelOptions,
  ) {}

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const result = await this.decide(request);
    this.options.journal.record({
      channel: this.id,
      kind: 'charge',
      paymentId: request.paymentId,
      orderId: request.orderId,
      amount: request.amount,
      outcome: result.outcome,
    });
    return result;
  }

  private async decide(request: ChargeRequest): Promise<ChargeResult> {
    const channelPaymentId = `${this.id}_${request.paymentId}`;
    switch (request.card.number) {
      case SANDBOX_CARDS.declined:
        return { outcome: 'declined', channelPaymentId, code: 'card_declined', message: 'The card was declined.' };
      case SANDBOX_CARDS.insufficientFunds:
        return { outcome: 'declined', channelPaymentId, code: 'insufficient_funds', message: 'Insufficient funds.' };
      case SANDBOX_CARDS.firstChannelTimesOut:
        if (this.options.primary) {
          this.options.journal.record({ channel: this.id, kind: 'charge', paymentId: request.paymentId, orderId: request.orderId, amount: request.amount, outcome: 'timeout' });
          await new Promise((r) => setTimeout(r, this.options.timeoutMs ?? 50));
          throw new ChannelTimeoutError(this.id);
        }
        break;
      case SANDBOX_CARDS.otpChallenge:
        return this.challenge(channelPaymentId);
    }
    if (request.requireOtp) return this.challenge(channelPaymentId);
    return { outcome: request.capture ? 'succeeded' : 'authorized', channelPaymentId };
  }

  private challenge(channelPaymentId: string): ChargeResult {
    return {
      outcome: 'requires_action',
      channelPaymentId,
      nextAction: { type: 'otp', url: `https://sandbox.channels.invalid/${this.id}/otp/${channelPaymentId}` },
    };
  }

  async confirm(request: ConfirmRequest): Promise<ChargeResult> {
    const ok = request.otp === SANDBOX_OTP;
    this.options.journal.record({ channel: this.id, kind: 'confirm', paymentId: request.paymentId, outcome: ok ? 'ok' : 'bad_otp' });
    if (!ok) {
      return {
        outcome: 'declined',
        channelPaymentId: request.channelPaymentId,
        code: 'authentication_failed',
        message: 'The one-time password is wrong.',
      };
    }
    return { outcome: request.capture ? 'succeeded' : 'authorized', channelPaymentId: request.channelPaymentId };
  }

  async cancel(paymentId: string): Promise<void> {
    this.options.journal.record({ channel: this.id, kind: 'cancel', paymentId, outcome: 'cancelled' });
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    this.options.journal.record({ channel: this.id, kind: 'refund', paymentId: request.channelPaymentId, amount: request.amount, outcome: 'succeeded' });
    return { outcome: 'succeeded', channelRefundId: `${this.id}_rf_${randomBytes(8).toString('hex')}` };
  }
}

/** The sandbox channel set: card_a (primary, cheapest) and card_b (failover). */
export function sandboxChannels(journal = new SandboxJournal()): { channels: PaymentChannel[]; journal: SandboxJournal } {
  return {
    journal,
    channels: [
      new SandboxCardChannel('card_a', { primary: true, journal }),
      new SandboxCardChannel('card_b', { primary: false, journal }),
    ],
  };
}
