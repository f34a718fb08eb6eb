import { randomUUID } from 'node:crypto';
import { logger } from '../logger.js';
import { recordCallbackRejected, type CallbackRejectReason } from '../metrics.js';
import { CallbackRejectedError, type CallbackAck, type ChannelAdapter, type ChannelPaymentState } from '../ports/channel-flows.js';
import { outcomeOfState } from './channel-outcomes.js';
import type { Deps } from './deps.js';
import { refundLateSuccess } from './late-success.js';
import { commitAttemptOutcome, OutcomeMismatchError } from './state-writer.js';

export interface ChannelCallback {
  readonly channel: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: string;
  readonly requestId: string;
}

/** The answer to the channel, in its own format; `verdict` says what the platform made of the callback. */
export interface CallbackAnswer {
  readonly ack: CallbackAck;
  readonly verdict: 'accepted' | 'duplicate' | 'rejected';
  readonly reason?: CallbackRejectReason;
}

/** A callback that must change nothing, with the reason counted in CallbacksRejected. */
class Refused extends Error {
  constructor(
    readonly reason: CallbackRejectReason,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * `POST /callbacks/{channel}` (contract, Channel callbacks). In order: the raw callback is stored (audit, even when
 * refused); the channel's adapter verifies and decodes it (its own signature scheme); the attempt is found by its
 * pointer and must be this channel's; the reported state becomes an outcome committed by the one writer
 * (`commitAttemptOutcome`: order, attempt, ledger and outbox in one transaction, which also cross-checks amount and
 * currency). Duplicates are no-ops. A refused callback changes nothing and gets the channel's refusal (4xx); an
 * accepted one its acknowledgement. A late success (paid after the order closed) is refunded at the channel here.
 */
export async function receiveCallback(deps: Deps, input: ChannelCallback): Promise<CallbackAnswer | undefined> {
  const adapter = deps.channels.get(input.channel);
  // No adapter (an unknown or unconfigured channel): nothing to verify with, so nothing is stored either.
  if (!adapter?.parseCallback || !adapter.callbackAck) {
    recordCallbackRejected(input.channel.slice(0, 32), 'unknown_channel', { requestId: input.requestId }, deps.now());
    return undefined;
  }
  const ref = { channel: input.channel, id: randomUUID() };
  await deps.callbacks.put({ ...ref, receivedAt: new Date(deps.now()).toISOString(), headers: input.headers, rawBody: input.rawBody });
  try {
    const settled = await settleCallback(deps, adapter, input);
    await deps.callbacks.settle(ref, settled);
    return { ack: adapter.callbackAck('ok'), verdict: settled.verdict };
  } catch (error) {
    const refused = asRefused(error);
    if (!refused) throw error;
    recordCallbackRejected(input.channel, refused.reason, { requestId: input.requestId }, deps.now());
    logger.warn('channel callback refused', { channel: input.channel, reason: refused.reason, detail: refused.message, requestId: input.requestId });
    await deps.callbacks.settle(ref, { verdict: 'rejected', reason: refused.reason });
    return { ack: adapter.callbackAck('rejected'), verdict: 'rejected', reason: refused.reason };
  }
}

function asRefused(error: unknown): Refused | undefined {
  if (error instanceof Refused) return error;
  if (error instanceof CallbackRejectedError) return new Refused(error.reason, error.message);
  if (error instanceof OutcomeMismatchError) return new Refused('mismatch', error.message);
  return undefined;
}

async function settleCallback(
  deps: Deps,
  adapter: ChannelAdapter,
  input: ChannelCallback,
): Promise<{ verdict: 'accepted' | 'duplicate'; orderId?: string; paymentId?: string }> {
  const verified = await adapter.parseCallback!({ headers: input.headers, rawBody: input.rawBody });
  // Refund results and other notices are acknowledged: refunds are settled by their own query (the janitor's).
  if (verified.kind !== 'payment') return { verdict: 'accepted' };
  const state = verified.state;
  const found = await findReported(deps, input.channel, state);
  if (!found) throw new Refused('unknown_payment', `no attempt for ${input.channel} payment ${state.channelPaymentId ?? state.paymentId}`);
  const attempt = await deps.orders.getAttempt(found.orderId, found.paymentId);
  if (attempt && (attempt.channel !== input.channel || (state.paymentId && state.paymentId !== attempt.id))) {
    throw new Refused('mismatch', `attempt ${found.paymentId} is not ${input.channel}'s payment ${state.paymentId}`);
  }
  const outcome = outcomeOfState(input.channel, state);
  // Still pending at the channel: nothing to commit; the acknowledgement stops the channel from sending it again.
  if (!outcome) return { verdict: 'accepted', ...found };
  const committed = await commitAttemptOutcome(deps, { orderId: found.orderId, paymentId: found.paymentId, outcome });
  if (committed.kind === 'late_success') {
    // The money is recorded as owed back; the refund is attempted now and, if this fails, again by the janitor.
    await refundLateSuccess(deps, committed.attempt).catch((error: unknown) =>
      logger.error('late success refund not done yet', { paymentId: found.paymentId, error: error instanceof Error ? error.message : String(error) }),
    );
  }
  return { verdict: committed.kind === 'duplicate' ? 'duplicate' : 'accepted', ...found };
}

/** The attempt a callback reports on: by the channel's payment id, or by our attempt id (the merchant order number). */
async function findReported(deps: Deps, channel: string, state: ChannelPaymentState) {
  const byChannelId = state.channelPaymentId ? await deps.orders.findAttempt({ channel, channelPaymentId: state.channelPaymentId }) : undefined;
  if (byChannelId) return byChannelId;
  if (!state.paymentId) return undefined;
  return (
    (await deps.orders.findAttempt({ channel, channelPaymentId: state.paymentId })) ??
    (await deps.orders.findAttempt({ channel: null, channelPaymentId: null, paymentId: state.paymentId }))
  );
}
