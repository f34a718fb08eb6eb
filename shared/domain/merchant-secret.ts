import type { SealedBox } from '../ports/key-center.js';
import type { SecretRotation } from '../ports/stores.js';

/** How long a rotated-out secret keeps verifying unless the operator says otherwise: a day (contract, "Operations API"). */
export const DEFAULT_SECRET_GRACE_SECONDS = 86_400;
/** The longest grace an operator may give: a week, so two secrets never both stay live for long (decisions, 231). */
export const MAX_SECRET_GRACE_SECONDS = 7 * 86_400;

export interface MerchantSecrets {
  readonly sealedSecret: SealedBox;
  readonly previousSealedSecret?: SealedBox | null;
  readonly previousSecretExpiresAt?: string | null;
}

/**
 * The sealed secrets a request may be signed with at `nowMs`, current first: the current one always, the one a
 * rotation replaced until its grace period ends (its expiry instant excluded), then never again.
 */
export function liveSealedSecrets(merchant: MerchantSecrets, nowMs: number): readonly SealedBox[] {
  const { sealedSecret, previousSealedSecret, previousSecretExpiresAt } = merchant;
  if (!previousSealedSecret || !previousSecretExpiresAt || Date.parse(previousSecretExpiresAt) <= nowMs) return [sealedSecret];
  return [sealedSecret, previousSealedSecret];
}

/**
 * What a rotation at `nowMs` stores: the new secret, and the current one kept for `graceSeconds` (0: dropped at once).
 * A secret still in the grace of an earlier rotation is dropped at once: at most two secrets are ever live (decisions,
 * 231).
 */
export function rotationOf(
  current: SealedBox,
  next: SealedBox,
  graceSeconds: number,
  nowMs: number,
): SecretRotation {
  const keep = graceSeconds > 0;
  return {
    sealedSecret: next,
    previousSealedSecret: keep ? current : null,
    previousSecretExpiresAt: keep ? new Date(nowMs + graceSeconds * 1000).toISOString() : null,
    secretRotatedAt: new Date(nowMs).toISOString(),
  };
}
