import type { RequestOptions, Transport } from '../transport.js';
import type { PlatformKeys } from '../types.generated.js';

/** `client.platform`: what the platform publishes about itself. */
export class Platform {
  constructor(private readonly transport: Transport) {}

  /** GET /v1/platform/keys → the public keys (PEM, with key ids) that verify webhook signatures. */
  keys(options?: RequestOptions): Promise<PlatformKeys> {
    return this.transport.request({ method: 'GET', path: '/v1/platform/keys' }, options);
  }
}
