/**
 * The errors every channel adapter throws (shared/ports/channel-flows.ts is the port itself, one method per flow;
 * the card-only PaymentChannel it replaced is gone). Their names are what the pay workflow's Retry/Catch match on.
 */
/**
 * The channel did not answer in time, or answered with its own system error: the outcome is unknown, never assumed
 * to be success. `kind` tells the two apart for channel health (a timeout and an error are both technical failures,
 * reported as separate rates); the workflow treats both alike (the name is what its Catch matches).
 */
export class ChannelTimeoutError extends Error {
  constructor(
    readonly channelId: string,
    readonly kind: 'no_answer' | 'system_error' = 'no_answer',
  ) {
    super(kind === 'system_error' ? `Channel ${channelId} answered with a system error` : `Channel ${channelId} timed out`);
    this.name = 'ChannelTimeoutError';
  }
}

/**
 * The channel answered and refused the call (a malformed request, a payment it does not know, its own outage
 * reported as such): nothing happened there, so the outcome is known and the attempt is unchanged at the channel.
 */
export class ChannelRejectedError extends Error {
  constructor(
    readonly channelId: string,
    readonly reason: string,
  ) {
    super(`Channel ${channelId} refused the request: ${reason}`);
    this.name = 'ChannelRejectedError';
  }
}
