import { randomBytes } from 'node:crypto';
import { AuthenticationError, NotFoundError, PermissionError, ReplayedRequestError } from '../domain/errors.js';
import { assertMerchantFees, merchantFeesOf, payoutFeeRuleOf, type MerchantFees } from '../domain/fees.js';
import { newId } from '../domain/ids.js';
import { assertNotifyUrl } from '../domain/notify-url.js';
import {
  NONCE_PATTERN,
  SIGNATURE_WINDOW_SECONDS,
  timestampWithinWindow,
  verify,
  type SignatureInput,
} from '../domain/signing.js';
import type { Merchant, NonceGuard, NonceOutcome } from '../ports/stores.js';
import { scheduleSweep } from './janitor-timers.js';
import type { Deps } from './deps.js';

export interface MerchantCredentials {
  readonly merchantId: string;
  readonly secret: string;
}

/** Creates a merchant. The secret is returned once and stored only sealed under the key center. */
export async function createMerchant(
  deps: Pick<Deps, 'merchants' | 'keyCenter' | 'now' | 'settings'> & Partial<Pick<Deps, 'timers' | 'janitorAfterSeconds'>>,
  input: { name: string; notifyUrl?: string; riskChallengeAmount?: number; feeBps?: number },
): Promise<MerchantCredentials> {
  const nowMs = deps.now();
  const merchantId = newId('m', nowMs);
  const secret = randomBytes(32).toString('base64url');
  await deps.merchants.create({
    merchantId,
    name: input.name,
    status: 'active',
    sealedSecret: await deps.keyCenter.seal(secret, { merchantId }),
    notifyUrl: input.notifyUrl ? assertNotifyUrl(input.notifyUrl, deps.settings.localMode) : null,
    riskChallengeAmount: input.riskChallengeAmount ?? null,
    feeBps: input.feeBps ?? null,
    createdAt: new Date(nowMs).toISOString(),
  });
  // The merchant's janitor sweep (shared/services/janitor.ts), armed once here and re-armed by each sweep. A tool
  // composed without timers (the merchant CLI) leaves it to be armed by an operator (docs/decisions.md, entry 84).
  if (deps.timers && deps.janitorAfterSeconds !== undefined) {
    await scheduleSweep({ timers: deps.timers, janitorAfterSeconds: deps.janitorAfterSeconds }, merchantId, nowMs);
  }
  return { merchantId, secret };
}

/**
 * Replaces a merchant's fee schedule (the CLI's `fees` verb; the operations API's merchant fees). Checked before it is
 * stored; the next payment committed in any container reads it (the commit reads the merchant, not this cache).
 */
export async function setMerchantFees(deps: Pick<Deps, 'merchants'>, merchantId: string, fees: MerchantFees): Promise<MerchantFees> {
  const checked = assertMerchantFees(fees);
  await deps.merchants.setFees(merchantId, checked);
  forgetCachedMerchant(merchantId);
  return checked;
}

/**
 * The fee schedule a merchant pays now: its own, or the one its older single rate stands for, with the payout rule it
 * is charged (its own or the platform's default).
 */
export async function merchantFees(
  deps: Pick<Deps, 'merchants'> & { readonly settings: Pick<Deps['settings'], 'defaultFeeBps'> },
  merchantId: string,
): Promise<MerchantFees> {
  const merchant = await deps.merchants.get(merchantId);
  if (!merchant) throw new NotFoundError('merchant', 'merchantId');
  const schedule = merchantFeesOf(merchant, deps.settings.defaultFeeBps);
  return { ...schedule, payout: payoutFeeRuleOf(schedule) };
}

export interface SignedHeaders {
  readonly merchantId?: string;
  readonly timestamp?: string;
  readonly nonce?: string;
  readonly signature?: string;
}

/**
 * Merchant profiles are read on every request: keep them briefly per container. The cache serves the sealed secret
 * and settings; it never decides that a merchant may act. Every request records its nonce together with a check
 * that the merchant is active, so disabling takes effect on the next request in every container; a profile cached
 * as disabled is read again on each request, so enabling does too (docs/decisions.md, entry 43).
 */
const MERCHANT_CACHE_MS = 30_000;
const merchantCache = new Map<string, { merchant: Merchant; until: number }>();

async function cachedMerchant(deps: Pick<Deps, 'merchants' | 'now'>, merchantId: string): Promise<Merchant | undefined> {
  const hit = merchantCache.get(merchantId);
  if (hit && hit.until > deps.now() && hit.merchant.status === 'active') return hit.merchant;
  const merchant = await deps.merchants.get(merchantId);
  if (merchant) merchantCache.set(merchantId, { merchant, until: deps.now() + MERCHANT_CACHE_MS });
  return merchant;
}

export function forgetCachedMerchant(merchantId: string): void {
  merchantCache.delete(merchantId);
}

/**
 * Verifies a signed request (contract, "Authentication"). The signature is checked before the nonce is recorded,
 * so unsigned traffic cannot burn a merchant's nonces; unknown merchant and wrong signature answer alike.
 * With `deferNonce` the nonce is not recorded here: the caller gets a NonceGuard to record it with the request's
 * first write, and must record it on its own if the request writes nothing (docs/decisions.md, entry 37).
 */
export async function authenticate(
  deps: Pick<Deps, 'merchants' | 'keyCenter' | 'nonces' | 'now'>,
  headers: SignedHeaders,
  request: Omit<SignatureInput, 'timestamp' | 'nonce'>,
  options: { readonly deferNonce?: boolean } = {},
): Promise<{ merchant: Merchant; guard?: NonceGuard }> {
  const { merchantId, timestamp, nonce, signature } = headers;
  if (
    !merchantId ||
    !timestamp ||
    !nonce ||
    !signature ||
    !/^\d{1,12}$/.test(timestamp) ||
    !NONCE_PATTERN.test(nonce) ||
    !/^v1=[0-9a-f]{64}$/.test(signature) ||
    merchantId.length > 64
  ) {
    throw new AuthenticationError('missing_signature', 'The request is missing or has malformed signature headers.');
  }
  const nowMs = deps.now();
  if (!timestampWithinWindow(timestamp, nowMs)) {
    throw new AuthenticationError('timestamp_out_of_window', `X-Timestamp must be within ${SIGNATURE_WINDOW_SECONDS} s of server time.`);
  }
  const merchant = await cachedMerchant(deps, merchantId);
  const secret = merchant ? await deps.keyCenter.open(merchant.sealedSecret, { merchantId }) : undefined;
  if (!merchant || !secret || !verify(secret, { ...request, timestamp, nonce }, signature)) {
    throw new AuthenticationError('invalid_signature', 'The signature is not valid.');
  }
  const claim = { merchantId, nonce, nowMs, windowMs: SIGNATURE_WINDOW_SECONDS * 1000 };
  // A disabled merchant's request is refused here (its nonce spent), without waiting for a write to carry the check.
  if (!options.deferNonce || merchant.status !== 'active') throwUnlessRecorded(await deps.nonces.record(claim), merchantId);
  return options.deferNonce && merchant.status === 'active' ? { merchant, guard: { ...claim, recorded: false } } : { merchant };
}

/** 401 for a replay, 403 for a merchant found disabled (whose cached profile is then dropped). */
function throwUnlessRecorded(outcome: NonceOutcome, merchantId: string): void {
  if (outcome === 'replayed') throw new ReplayedRequestError();
  if (outcome === 'merchant_disabled') {
    forgetCachedMerchant(merchantId);
    throw new PermissionError('merchant_disabled');
  }
}

/**
 * Records a deferred nonce that the request's writes did not record (it wrote nothing, or failed before writing),
 * with the same check that the merchant is active. Throws ReplayedRequestError when the nonce was already seen (the
 * request was a replay) and PermissionError when the merchant is disabled: either answer replaces the request's own.
 */
export async function recordDeferredNonce(deps: Pick<Deps, 'nonces'>, guard: NonceGuard): Promise<void> {
  if (guard.recorded) return;
  guard.recorded = true;
  throwUnlessRecorded(await deps.nonces.record(guard), guard.merchantId);
}
