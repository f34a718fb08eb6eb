import type { CardBrand } from './card.js';
import type { Currency } from './money.js';

/**
 * Agreements (协议支付 / 代扣, contract "Agreements and recurring debits"): the payer's standing permission for the
 * merchant to debit them without a card or OTP each time, kept at the channel as a token. The platform keeps the
 * token, brand and last4, never the card.
 */
export const AGREEMENT_STATUSES = ['PENDING', 'ACTIVE', 'TERMINATED'] as const;
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[number];

export const AGREEMENT_METHODS = ['card', 'unionpay', 'alipay', 'wechat_pay'] as const;
export type AgreementMethod = (typeof AGREEMENT_METHODS)[number];

/**
 * Who ended an agreement: the merchant's terminate, the payer at the channel (a wallet's unsign callback), or the
 * platform giving a signing up (too many wrong one-time passwords, or nobody signed in time: `failureCode` says why).
 */
export type TerminatedBy = 'merchant' | 'payer' | 'platform';

export interface AgreementNextAction {
  readonly type: 'otp' | 'qr_code';
  /** The hosted checkout page for this agreement, when one is issued. */
  readonly url: string | null;
  readonly qrCode?: string;
}

export interface Agreement {
  readonly id: string;
  readonly merchantId: string;
  readonly outAgreementNo: string;
  readonly customerId: string;
  readonly method: AgreementMethod;
  readonly channel: string;
  readonly status: AgreementStatus;
  readonly currency: Currency;
  readonly maxAmountPerDebit: number;
  readonly notifyUrl: string | null;
  /** The channel's id for the agreement (a card acquirer's instrument id; a wallet's contract id). */
  readonly channelAgreementId: string | null;
  /** What a debit names at the channel; set once ACTIVE. */
  readonly channelToken: string | null;
  readonly brand: CardBrand | string | null;
  readonly last4: string | null;
  readonly nextAction: AgreementNextAction | null;
  /**
   * What each debit screens against the blocklist, kept from the signing (docs/decisions.md, 146): the platform's
   * keyed fingerprint of the card (never the number) and the payer id the merchant gave. Absent before entry 146.
   */
  readonly cardFingerprint?: string | null;
  readonly payerId?: string | null;
  /**
   * Wrong one-time passwords so far, as recorded here; what decides is the signing's counter, which counts each code
   * before it reaches the channel (the signing is given up after OTP_ATTEMPTS: docs/decisions.md, 136).
   */
  readonly otpFailures: number;
  readonly activatedAt: string | null;
  readonly terminatedAt: string | null;
  readonly terminatedBy: TerminatedBy | null;
  /** Why the platform ended it (`authentication_failed`: the OTP lockout; `signing_expired`: nobody signed in time); absent or null otherwise. */
  readonly failureCode?: string | null;
  /**
   * When the signing is given up if the payer has not signed (PAY_AGREEMENT_SIGN_WINDOW_SECONDS after the create):
   * PENDING → TERMINATED with `failureCode: signing_expired` (docs/decisions.md, 238). Absent on agreements before it.
   */
  readonly signExpiresAt?: string | null;
  /** When the channel confirmed the revocation of the token (absent or null until then; docs/decisions.md, 137). */
  readonly revokedAtChannelAt?: string | null;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The agreement state table: PENDING → ACTIVE → TERMINATED, and a signing given up (PENDING → TERMINATED). */
const TRANSITIONS: Readonly<Record<AgreementStatus, readonly AgreementStatus[]>> = {
  PENDING: ['ACTIVE', 'TERMINATED'],
  ACTIVE: ['TERMINATED'],
  TERMINATED: [],
};

export function canTransitionAgreement(from: AgreementStatus, to: AgreementStatus): boolean {
  return TRANSITIONS[from].includes(to);
}
