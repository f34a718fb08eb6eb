import { randomBytes } from 'node:crypto';
import type { ChannelConfig } from '../domain/routing.js';
import type {
  ChannelAdapter,
  ChannelPaymentState,
  ChannelRefundRequest,
  ChannelRefundState,
  CreatePaymentRequest,
  CreatePaymentResult,
  PaymentRef,
} from '../ports/channel-flows.js';
import { ChannelTimeoutError } from '../ports/payment-channel.js';

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
  /** Every channel times out; the first one captured, and its reversal times out too (202, the janitor finds SUCCEEDED). */
  capturedThenLost: '4000000000000259',
  /** As capturedThenLost, but nothing was captured (202, the janitor finds nothing and releases the order). */
  nothingThenLost: '4000000000000267',
} as const;

/**
 * A refund with this reason is done at the sandbox acquirer but its answer is lost (a timeout): the refund stays
 * PROCESSING until the janitor's query finds it. A sandbox knob, like the cards above; no real refund reason means it.
 */
export const SANDBOX_REFUND_ANSWER_LOST = 'sandbox: refund answer lost';

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

/** What the sandbox acquirer holds for each payment (an acquirer's own records, which queryPayment reads). */
interface SandboxPayment {
  readonly channelPaymentId: string;
  readonly amount: number;
  readonly currency: CreatePaymentRequest['currency'];
  status: ChannelPaymentState['status'];
  code?: string;
}

/**
 * The sandbox card acquirer as a channel adapter of the flow port (shared/ports/channel-flows.ts): createPayment
 * (charge or authorize, or challenge with an OTP), confirmPayment, void, queryPayment and refund. Synchronous: its
 * answer is the outcome, no callback follows.
 */
export class SandboxCardChannel implements ChannelAdapter {
  private readonly payments = new Map<string, SandboxPayment>();
  /** Payments voided at this acquirer (also ones it never saw): a create still in flight for one is refused. */
  private readonly voided = new Set<string>();
  /** Payments whose first reversal is to time out (0259/0267): later ones answer, as a recovered acquirer would. */
  private readonly reversalTimesOut = new Set<string>();
  private readonly refunds = new Map<string, ChannelRefundState>();

  constructor(
    readonly id: string,
    private readonly options: SandboxCardChannelOptions,
  ) {}

  async createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult> {
    if (!request.card) {
      return { outcome: 'declined', channelPaymentId: null, code: 'invalid_request', message: 'A card channel needs a card.' };
    }
    if (this.voided.has(request.paymentId)) {
      return { outcome: 'declined', channelPaymentId: null, code: 'processing_error', message: 'The payment was voided before it arrived.' };
    }
    const result = await this.decide(request, request.card.number);
    this.options.journal.record({
      channel: this.id,
      kind: 'charge',
      paymentId: request.paymentId,
      orderId: request.orderId,
      amount: request.amount,
      outcome: result.outcome,
    });
    if (result.channelPaymentId) {
      this.payments.set(request.paymentId, {
        channelPaymentId: result.channelPaymentId,
        amount: request.amount,
        currency: request.currency,
        status: stateOf(result),
        ...(result.outcome === 'declined' ? { code: result.code } : {}),
      });
    }
    return result;
  }

  private async decide(request: CreatePaymentRequest, cardNumber: string): Promise<CreatePaymentResult> {
    const channelPaymentId = `${this.id}_${request.paymentId}`;
    switch (cardNumber) {
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
      case SANDBOX_CARDS.capturedThenLost:
      case SANDBOX_CARDS.nothingThenLost:
        return this.loseAnswer(request, cardNumber === SANDBOX_CARDS.capturedThenLost && this.options.primary);
      case SANDBOX_CARDS.otpChallenge:
        return { outcome: 'requires_action', channelPaymentId, action: { type: 'otp' } };
    }
    if (request.requireOtp) return { outcome: 'requires_action', channelPaymentId, action: { type: 'otp' } };
    return { outcome: request.capture ? 'succeeded' : 'authorized', channelPaymentId };
  }

  /**
   * Every channel times out on 0259/0267. The first channel (the primary) captured 0259 before its answer was lost;
   * its first reversal times out as well, so the failover stops and the outcome stays unknown for the janitor.
   */
  private async loseAnswer(request: CreatePaymentRequest, captured: boolean): Promise<never> {
    const channelPaymentId = `${this.id}_${request.paymentId}`;
    if (captured) {
      this.payments.set(request.paymentId, { channelPaymentId, amount: request.amount, currency: request.currency, status: 'succeeded' });
    }
    if (this.options.primary) this.reversalTimesOut.add(request.paymentId);
    this.options.journal.record({ channel: this.id, kind: 'charge', paymentId: request.paymentId, orderId: request.orderId, amount: request.amount, outcome: captured ? 'captured_timeout' : 'timeout' });
    await new Promise((r) => setTimeout(r, this.options.timeoutMs ?? 50));
    throw new ChannelTimeoutError(this.id);
  }

  async confirmPayment(request: PaymentRef & { readonly otp: string; readonly capture: boolean }): Promise<CreatePaymentResult> {
    const ok = request.otp === SANDBOX_OTP;
    this.options.journal.record({ channel: this.id, kind: 'confirm', paymentId: request.paymentId, outcome: ok ? 'ok' : 'bad_otp' });
    const channelPaymentId = request.channelPaymentId ?? `${this.id}_${request.paymentId}`;
    const result: CreatePaymentResult = ok
      ? { outcome: request.capture ? 'succeeded' : 'authorized', channelPaymentId }
      : { outcome: 'declined', channelPaymentId, code: 'authentication_failed', message: 'The one-time password is wrong.' };
    const held = this.payments.get(request.paymentId);
    // A wrong OTP leaves the challenge open at the acquirer; the platform decides when to give up.
    if (held && ok) held.status = stateOf(result);
    return result;
  }

  /** Reverses a payment whose outcome is unknown, or an open challenge; idempotent, and harmless if nothing exists. */
  async void(request: PaymentRef): Promise<ChannelPaymentState> {
    if (this.reversalTimesOut.delete(request.paymentId)) {
      await new Promise((r) => setTimeout(r, this.options.timeoutMs ?? 50));
      throw new ChannelTimeoutError(this.id);
    }
    this.voided.add(request.paymentId);
    this.options.journal.record({ channel: this.id, kind: 'cancel', paymentId: request.paymentId, outcome: 'cancelled' });
    const held = this.payments.get(request.paymentId);
    if (held) held.status = 'closed';
    return { status: 'closed', paymentId: request.paymentId, channelPaymentId: held?.channelPaymentId ?? request.channelPaymentId };
  }

  async queryPayment(request: PaymentRef): Promise<ChannelPaymentState> {
    const held = this.payments.get(request.paymentId);
    if (!held) return { status: 'not_found', paymentId: request.paymentId, channelPaymentId: request.channelPaymentId };
    return {
      status: held.status,
      paymentId: request.paymentId,
      channelPaymentId: held.channelPaymentId,
      amount: held.amount,
      currency: held.currency,
      ...(held.code ? { code: held.code } : {}),
    };
  }

  /** Idempotent by our refund id, as an acquirer's refund number is: a retry gets the first answer. */
  async refund(request: ChannelRefundRequest): Promise<ChannelRefundState> {
    const done = this.refunds.get(request.refundId);
    if (done) return done;
    this.options.journal.record({ channel: this.id, kind: 'refund', paymentId: request.channelPaymentId, amount: request.amount, outcome: 'succeeded' });
    const state: ChannelRefundState = { status: 'succeeded', refundId: request.refundId, channelRefundId: `${this.id}_rf_${randomBytes(8).toString('hex')}` };
    this.refunds.set(request.refundId, state);
    if (request.reason === SANDBOX_REFUND_ANSWER_LOST) throw new ChannelTimeoutError(this.id);
    return state;
  }

  async queryRefund(request: { readonly refundId: string; readonly paymentId: string }): Promise<ChannelRefundState> {
    return this.refunds.get(request.refundId) ?? { status: 'not_found', refundId: request.refundId, channelRefundId: null };
  }
}

function stateOf(result: CreatePaymentResult): ChannelPaymentState['status'] {
  switch (result.outcome) {
    case 'succeeded':
      return 'succeeded';
    case 'authorized':
      return 'authorized';
    case 'requires_action':
      return 'pending';
    case 'declined':
      return 'failed';
  }
}

const CARD_CURRENCIES: ChannelConfig['currencies'] = ['CNY', 'USD', 'EUR', 'HKD', 'GBP', 'SGD', 'JPY', 'KRW'];

/** The catalog row of a sandbox card acquirer; costs are what it charges the platform. */
export function sandboxCardCatalogRow(id: string, costBps: number): ChannelConfig {
  return {
    id,
    methods: ['card'],
    currencies: CARD_CURRENCIES,
    minAmount: 1,
    maxAmount: 100_000_000_000,
    costBps,
    costFixed: 0,
    supportsManualCapture: true,
    enabled: true,
  };
}
