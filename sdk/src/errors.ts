/** An error answer of the API, with the contract's error fields. */
export class PaymentApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string,
    message: string,
    readonly param: string | undefined,
    readonly requestId: string | undefined,
    /** The whole `error` object, for fields specific to a code (e.g. declineCode). */
    readonly body: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'PaymentApiError';
  }
}

/** The request never got an answer (network error or timeout) after every retry. */
export class PaymentNetworkError extends Error {
  constructor(message: string, override readonly cause: unknown) {
    super(message);
    this.name = 'PaymentNetworkError';
  }
}

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}
