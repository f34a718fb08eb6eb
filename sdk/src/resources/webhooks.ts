import type { RequestOptions, Transport } from '../transport.js';
import type { TestWebhookRequest, WebhookTestResult } from '../types.generated.js';
import { WebhookKeyCache, type VerifyWebhookInput, type WebhookEvent } from '../webhooks.js';
import type { Platform } from './platform.js';

/** `client.webhooks`: send a test ping, and verify what arrives at your endpoint. */
export class Webhooks {
  private readonly keys: WebhookKeyCache;

  constructor(
    private readonly transport: Transport,
    platform: Platform,
  ) {
    this.keys = new WebhookKeyCache(() => platform.keys());
  }

  /** POST /v1/webhooks/test → the outcome of a signed `ping` event sent to `url`. */
  test(params: TestWebhookRequest, options?: RequestOptions): Promise<WebhookTestResult> {
    return this.transport.request({ method: 'POST', path: '/v1/webhooks/test', body: params }, options);
  }

  /**
   * Verifies a delivery with the platform's public keys (fetched once, and again when a webhook names a new key id)
   * and returns the event; throws WebhookVerificationError otherwise. Pass the raw body, before any JSON parsing.
   */
  verify<T = never>(input: Omit<VerifyWebhookInput, 'keys'>): Promise<WebhookEvent<T>> {
    return this.keys.verify<T>(input);
  }
}
