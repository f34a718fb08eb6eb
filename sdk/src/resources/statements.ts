import type { RequestOptions, Transport } from '../transport.js';

/** `client.statements`: the merchant's money movements of one UTC day, as the CSV the API streams. */
export class Statements {
  constructor(private readonly transport: Transport) {}

  /**
   * GET /v1/statements/{date} → the CSV text (`date` as `YYYY-MM-DD`; header line first, CRLF line ends). A busy day's
   * statement is large: give a `timeoutMs` that fits it.
   */
  retrieve(date: string, options?: RequestOptions): Promise<string> {
    return this.transport.request({ method: 'GET', path: `/v1/statements/${encodeURIComponent(date)}`, accept: 'text/csv' }, options);
  }
}
