/** A WeChat error answer: the HTTP status and the `{code, message}` body the real API sends. */
export class WechatError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
