import { randomBytes } from 'node:crypto';
import { AuthenticationError, ConflictError, NotFoundError, PermissionError, ReplayedRequestError } from '../domain/errors.js';
import { assertMerchantFees, merchantFeesOf, payoutFeeRuleOf, type MerchantFees } from '../domain/fees.js';
import { newId } from '../domain/ids.js';
import { liveSealedSecrets, rotationOf } from '../domain/merchant-secret.js';
import { assertNotifyUrl } from '../domain/notify-url.js';
import {
  NONCE_PATTERN,
  SIGNATURE_WINDOW_SECONDS,
  timestampWithinWindow,
  verify,
  type SignatureInput,
} from '../domain/signing.js';
import type { SealedBox } from '../ports/key-center.js';
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
  input: { name: string; notifyUrl?: string; riskChallengeAmount?: number; feeBps?: number; fees?: MerchantFees },
): Promise<MerchantCredentials> {
  const fees = input.fees ? assertMerchantFees(input.fees) : undefined;
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
    ...(fees ? { fees } : {}),
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
 * Disables or enables a merchant: the next request in any container sees it, since every request's nonce is recorded
 * with a check of the status (docs/decisions.md, 43). Answers the merchant before and after, for the audit trail.
 */
export async function setMerchantStatus(
  deps: Pick<Deps, 'merchants'>,
  merchantId: string,
  status: Merchant['status'],
): Promise<{ before: Merchant; after: Merchant }> {
  const before = await deps.merchants.get(merchantId);
  if (!before) throw new NotFoundError('merchant', 'id');
  await deps.merchants.setStatus(merchantId, status);
  forgetCachedMerchant(merchantId);
  return { before, after: { ...before, status } };
}

/**
 * Issues a merchant a new secret (answered once, stored only sealed). The secret it replaces keeps verifying for
 * `graceSeconds` (0: not at all, for a secret that leaked), so the merchant switches without a failed request; a
 * secret still in an earlier rotation's grace is dropped at once (docs/decisions.md, 230-231). Two operators rotating
 * at once both succeed, one after the other: the store's write is conditional on the secret it replaces.
 */
export async function rotateMerchantSecret(
  deps: Pick<Deps, 'merchants' | 'keyCenter' | 'now'>,
  merchantId: string,
  graceSeconds: number,
): Promise<{ before: Merchant; after: Merchant; secret: string }> {
  const secret = randomBytes(32).toString('base64url');
  const sealedSecret = await deps.keyCenter.seal(secret, { merchantId });
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const before = await deps.merchants.get(merchantId);
    if (!before) throw new NotFoundError('merchant', 'id');
    const after = await deps.merchants.rotateSecret(merchantId, before.sealedSecret, rotationOf(before.sealedSecret, sealedSecret, graceSeconds, deps.now()));
    if (after) {
      forgetCachedMerchant(merchantId);
      return { before, after, secret };
    }
  }
  throw new ConflictError('request_in_progress', "Other rotations of this merchant's secret kept committing first; try again.");
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

async function cachedMerchant(deps: Pick<Deps, 'merchants' | 'now'>, merchantId: string): Promise<{ merchant: Merchant | undefined; cached: boolean }> {
  const hit = merchantCache.get(merchantId);
  if (hit && hit.until > deps.now() && hit.merchant.status === 'active') return { merchant: hit.merchant, cached: true };
  return { merchant: await readMerchant(deps, merchantId), cached: false };
}

async function readMerchant(deps: Pick<Deps, 'merchants' | 'now'>, merchantId: string): Promise<Merchant | undefined> {
  const merchant = await deps.merchants.get(merchantId);
  if (merchant) merchantCache.set(merchantId, { merchant, until: deps.now() + MERCHANT_CACHE_MS });
  return merchant;
}

/** Which of the merchant's live secrets (the current one, or the one in its grace) signed the request, if any. */
async function signingSecret(
  deps: Pick<Deps, 'keyCenter'>,
  merchant: Merchant | undefined,
  input: SignatureInput,
  signature: string,
  nowMs: number,
): Promise<SealedBox | undefined> {
  for (const sealed of merchant ? liveSealedSecrets(merchant, nowMs) : []) {
    const secret = await deps.keyCenter.open(sealed, { merchantId: merchant!.merchantId });
    if (secret && verify(secret, input, signature)) return sealed;
  }
  return undefined;
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
  const input = { ...request, timestamp, nonce };
  const found = await cachedMerchant(deps, merchantId);
  let merchant = found.merchant;
  let signedWith = await signingSecret(deps, merchant, input, signature, nowMs);
  // A profile cached before a rotation does not know the new secret: read it once more before refusing. Requests
  // that verify cost nothing more; a wrong signature costs the one read an unknown merchant id costs (decisions, 232).
  if (!signedWith && found.cached) {
    merchant = await readMerchant(deps, merchantId);
    signedWith = await signingSecret(deps, merchant, input, signature, nowMs);
  }
  if (!merchant || !signedWith) {
    throw new AuthenticationError('invalid_signature', 'The signature is not valid.');
  }
  // The nonce's write also checks that this secret is still live, so a revocation the cached profile does not know
  // yet (a rotation with no grace, or one that dropped an older secret) holds from the next request (decisions, 232).
  const claim = { merchantId, nonce, nowMs, windowMs: SIGNATURE_WINDOW_SECONDS * 1000, secretCt: signedWith.ct };
  // A disabled merchant's request is refused here (its nonce spent), without waiting for a write to carry the check.
  if (!options.deferNonce || merchant.status !== 'active') await throwUnlessRecorded(deps, await deps.nonces.record(claim), claim);
  return options.deferNonce && merchant.status === 'active' ? { merchant, guard: { ...claim, recorded: false } } : { merchant };
}

/**
 * 401 for a replay, 403 for a merchant found disabled (whose cached profile is then dropped). The write's check also
 * fails for a secret no longer live: read the merchant to tell which, on this refused path only (decisions, 232).
 */
async function throwUnlessRecorded(deps: Pick<Deps, 'merchants'>, outcome: NonceOutcome, guard: Pick<NonceGuard, 'merchantId' | 'secretCt'>): Promise<void> {
  if (outcome === 'replayed') throw new ReplayedRequestError();
  if (outcome !== 'merchant_disabled') return;
  forgetCachedMerchant(guard.merchantId);
  if (guard.secretCt !== undefined && (await deps.merchants.get(guard.merchantId))?.status === 'active') {
    throw new AuthenticationError('invalid_signature', 'The signature is not valid.');
  }
  throw new PermissionError('merchant_disabled');
}

/**
 * Records a deferred nonce that the request's writes did not record (it wrote nothing, or failed before writing),
 * with the same check that the merchant is active. Throws ReplayedRequestError when the nonce was already seen (the
 * request was a replay) and PermissionError when the merchant is disabled: either answer replaces the request's own.
 */
export async function recordDeferredNonce(deps: Pick<Deps, 'nonces' | 'merchants'>, guard: NonceGuard): Promise<void> {
  if (guard.recorded) return;
  guard.recorded = true;
  await throwUnlessRecorded(deps, await deps.nonces.record(guard), guard);
}
