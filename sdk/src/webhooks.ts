import { createPublicKey, verify } from 'node:crypto';
import { WebhookVerificationError } from './errors.js';
import type { AgreementEvent, OrderEvent, PingEvent, PlatformKeys, RefundEvent } from './types.generated.js';

/** One public key of `GET /v1/platform/keys`. */
export type PlatformKey = PlatformKeys['keys'][number];

/** The keys a verification may use: the platform's, or a test key set from `createTestWebhookKey`. */
export interface VerificationKeys {
  readonly keys: readonly Pick<PlatformKey, 'keyId' | 'publicKeyPem'>[];
}

/**
 * A verified webhook. Without a type argument, the platform's events as a union discriminated on `type`
 * (`if (event.type === 'order.succeeded') event.data.object.amountCaptured`); with one, `data.object` is that type.
 */
export type WebhookEvent<T = never> = [T] extends [never]
  ? OrderEvent | RefundEvent | AgreementEvent | PingEvent
  : { readonly id: string; readonly type: string; readonly createdAt: string; readonly data: { readonly object: T } };

/** A fetch `Headers`, or Node's `req.headers` (any letter case). */
export type HeaderBag = { get(name: string): string | null } | Readonly<Record<string, string | string[] | undefined>>;

function headerOf(headers: HeaderBag, name: string): string | undefined {
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

export interface VerifyWebhookInput {
  /** The request body exactly as received: verify before parsing. */
  readonly rawBody: string | Uint8Array;
  readonly headers: HeaderBag;
  readonly keys: VerificationKeys;
  /** Maximum age of X-Timestamp, either way. Default 300 s. */
  readonly toleranceSeconds?: number;
  readonly nowMs?: number;
}

/**
 * Verifies a webhook: X-Signature (base64 DER ECDSA P-256 SHA-256) over `X-Timestamp + "." + rawBody` with the
 * platform key named by X-Key-Id, a fresh timestamp, and X-Event-Id equal to the body's id. Returns the event, or
 * throws WebhookVerificationError. Deduplicate on the event id: delivery is at least once.
 */
export function verifyWebhook<T = never>(input: VerifyWebhookInput): WebhookEvent<T> {
  const timestamp = headerOf(input.headers, 'x-timestamp');
  const keyId = headerOf(input.headers, 'x-key-id');
  const signature = headerOf(input.headers, 'x-signature');
  const eventId = headerOf(input.headers, 'x-event-id');
  if (!timestamp || !keyId || !signature || !eventId) throw new WebhookVerificationError('missing webhook signature headers');
  if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookVerificationError('malformed X-Timestamp');
  const tolerance = input.toleranceSeconds ?? 300;
  const nowSeconds = (input.nowMs ?? Date.now()) / 1000;
  if (Math.abs(nowSeconds - Number(timestamp)) > tolerance) throw new WebhookVerificationError('X-Timestamp outside the tolerance');
  const key = input.keys.keys.find((k) => k.keyId === keyId);
  if (!key) throw new WebhookVerificationError(`unknown key id ${keyId}`);

  const raw = typeof input.rawBody === 'string' ? Buffer.from(input.rawBody, 'utf8') : Buffer.from(input.rawBody.buffer, input.rawBody.byteOffset, input.rawBody.byteLength);
  const signed = Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), raw]);
  let valid = false;
  try {
    valid = verify('sha256', signed, createPublicKey(key.publicKeyPem), Buffer.from(signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) throw new WebhookVerificationError('signature does not match');

  let event: WebhookEvent<T>;
  try {
    event = JSON.parse(raw.toString('utf8')) as WebhookEvent<T>;
  } catch {
    throw new WebhookVerificationError('body is not JSON');
  }
  if (event.id !== eventId) throw new WebhookVerificationError('X-Event-Id does not match the body');
  return event;
}

export interface WebhookKeyCacheOptions {
  /**
   * After a refresh for an unknown key id, the next one waits this long (default 60 s): a flood of forged webhooks
   * naming random key ids then costs one keys request a minute, not one each. A real rotation is seen at once.
   */
  readonly minRefreshIntervalMs?: number;
  /** For tests: the clock. */
  readonly now?: () => number;
}

/**
 * Platform keys for verification, fetched once and refreshed when a webhook names a key id not seen yet (the
 * platform rotated its key), at most once per `minRefreshIntervalMs`.
 */
export class WebhookKeyCache {
  private keys: Promise<VerificationKeys> | undefined;
  private lastRefreshMs = Number.NEGATIVE_INFINITY;
  private readonly minRefreshIntervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly fetchKeys: () => Promise<VerificationKeys>,
    options: WebhookKeyCacheOptions = {},
  ) {
    this.minRefreshIntervalMs = options.minRefreshIntervalMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  async verify<T = never>(input: Omit<VerifyWebhookInput, 'keys'>): Promise<WebhookEvent<T>> {
    const keyId = headerOf(input.headers, 'x-key-id');
    // A request without a key id is refused before any network call: it cannot be a platform webhook.
    if (!keyId) throw new WebhookVerificationError('missing webhook signature headers');
    let keys = await this.load();
    if (!keys.keys.some((k) => k.keyId === keyId) && this.now() - this.lastRefreshMs >= this.minRefreshIntervalMs) {
      this.lastRefreshMs = this.now();
      keys = await this.load(true);
    }
    return verifyWebhook<T>({ ...input, keys });
  }

  private load(refresh = false): Promise<VerificationKeys> {
    if (refresh || !this.keys) {
      this.keys = this.fetchKeys().catch((error: unknown) => {
        this.keys = undefined;
        throw error;
      });
    }
    return this.keys;
  }
}
