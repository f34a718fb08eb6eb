/**
 * Where channel callbacks are kept as they arrived, before anything else happens to them (contract, Channel
 * callbacks: "the raw callback is kept with the payment for audit"). Written first, so even a callback that is then
 * refused (bad signature, unknown payment, mismatched amount) leaves its trace; linked to its attempt once found.
 */
export interface RawCallback {
  readonly id: string;
  readonly channel: string;
  readonly receivedAt: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: string;
}

export type CallbackVerdict = 'accepted' | 'duplicate' | 'rejected';

export interface RawCallbackStore {
  put(callback: RawCallback): Promise<void>;
  /** Records what became of the callback, and the attempt (and for a refund notice, the refund) it concerned. */
  settle(
    ref: { readonly channel: string; readonly id: string },
    result: {
      readonly verdict: CallbackVerdict;
      readonly reason?: string;
      readonly orderId?: string;
      readonly paymentId?: string;
      readonly refundId?: string;
    },
  ): Promise<void>;
  get(
    ref: { readonly channel: string; readonly id: string },
  ): Promise<(RawCallback & { verdict?: CallbackVerdict; reason?: string; orderId?: string; paymentId?: string; refundId?: string }) | undefined>;
}
