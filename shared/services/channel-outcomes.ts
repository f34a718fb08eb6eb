import type { NextAction } from '../domain/order.js';
import type { AttemptOutcome } from '../domain/payment-outcome.js';
import type { ChannelPaymentState, CreatePaymentResult, PayerAction } from '../ports/channel-flows.js';
import type { Deps } from './deps.js';

/**
 * A channel's answer to createPayment or confirmPayment as the attempt outcome the commit step takes. The payer's
 * action keeps what the channel gave (the QR string, the bank's URL); the commit replaces `url` with the platform's
 * hosted checkout page (shared/checkout), which is what the contract's `nextAction.url` always opens.
 */
export function outcomeOf(channel: string, result: CreatePaymentResult): AttemptOutcome {
  if (result.outcome === 'requires_action') {
    return { outcome: 'requires_action', channel, channelPaymentId: result.channelPaymentId, nextAction: nextActionOf(result.action) };
  }
  return { ...result, channel };
}

function nextActionOf(action: PayerAction): NextAction {
  switch (action.type) {
    case 'qr_code':
      return { type: 'qr_code', url: '', qrCode: action.qrCode };
    case 'redirect':
      return { type: 'redirect', url: action.url };
    case 'otp':
      return { type: 'otp', url: '' };
  }
}

/** Where a channel sends its asynchronous results: the platform's `POST /callbacks/{channel}`. */
export function callbackUrl(deps: Pick<Deps, 'checkout'>, channel: string): string {
  return `${deps.checkout.publicBaseUrl().replace(/\/+$/, '')}/callbacks/${channel}`;
}

/**
 * A payment state a channel reported (a verified callback, the janitor's query) as the outcome to commit, with the
 * amount and currency it reported so the commit cross-checks them. `pending` and `not_found` end nothing: undefined
 * (the janitor decides what a payment the channel never saw means once its deadline has passed).
 */
export function outcomeOfState(channel: string, state: ChannelPaymentState): AttemptOutcome | undefined {
  const channelPaymentId = state.channelPaymentId;
  const money = { ...(state.amount !== undefined ? { amount: state.amount } : {}), ...(state.currency ? { currency: state.currency } : {}) };
  switch (state.status) {
    case 'succeeded':
    case 'authorized':
      return { outcome: state.status, channel, channelPaymentId: channelPaymentId ?? state.paymentId, ...money };
    case 'failed':
      return { outcome: 'declined', channel, channelPaymentId, code: state.code ?? 'channel_declined', message: 'The channel reported the payment failed.' };
    case 'closed':
      return { outcome: 'cancelled', channel, channelPaymentId };
    case 'pending':
    case 'not_found':
      return undefined;
  }
}
