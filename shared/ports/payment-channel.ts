/**
 * The errors every channel adapter throws (shared/ports/channel-flows.ts is the port itself, one method per flow;
 * the card-only PaymentChannel it replaced is gone). Their names are what the pay workflow's Retry/Catch match on.
 */
/** The channel did not answer in time: the outcome is unknown, never assumed to be success. */
export class ChannelTimeoutError extends Error {
  constructor(readonly channelId: string) {
    super(`Channel ${channelId} timed out`);
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
